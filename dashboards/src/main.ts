import { CHANNEL_TYPES, topicFilters } from '@aisle/protocols';

/**
 * The dashboards' entry point. The store, logistics and fleet views come with the dashboards
 * issue; until then the page shows which live feeds the hub will offer, straight from the contract.
 */
const app = document.querySelector<HTMLElement>('#app');
if (app !== null) {
  const heading = document.createElement('h1');
  heading.textContent = 'aisle';
  const intro = document.createElement('p');
  intro.textContent = 'Telemetry channels in the wire contract:';
  const list = document.createElement('ul');
  for (const [channel, type] of Object.entries(CHANNEL_TYPES)) {
    const li = document.createElement('li');
    li.textContent = `${topicFilters.dt('+', '+', channel)} → ${type}`;
    list.append(li);
  }
  app.append(heading, intro, list);
}
