import type { Insights } from '../../api/types.js';
import { Empty } from '../../ui/status.js';

/**
 * What the recommendation engine learnt from the site's baskets (hub/src/recommendation/engine/
 * insights.ts): items bought together, pairs bought together but shelved in different aisles (a
 * placement to consider), and slow movers holding shelf space.
 */
export function InsightsPanel({ insights }: { insights: Insights }) {
  if (insights.baskets === 0)
    return <Empty>No baskets from this store yet: insights appear once the tills have sold.</Empty>;
  const lift = (x: number) => `${x.toFixed(1)}× as often together`;
  return (
    <div class="insights">
      <p class="hint">
        From {insights.baskets.toLocaleString()} baskets over {insights.days} days.
      </p>
      <h3>Bought together</h3>
      {insights.bundles.length === 0 ? (
        <Empty>No pair stands out yet.</Empty>
      ) : (
        <ul>
          {insights.bundles.map((b) => (
            <li key={b.skus.join('+')}>
              {b.skus[0]} + {b.skus[1]} <span class="muted">{lift(b.lift)}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Placements to consider</h3>
      {insights.placements.length === 0 ? (
        <Empty>Pairs bought together already sit in the same aisle.</Empty>
      ) : (
        <ul>
          {insights.placements.map((p) => (
            <li key={p.skus.join('+')}>
              {p.skus[0]} (aisle {p.aisles[0]}) and {p.skus[1]} (aisle {p.aisles[1]}){' '}
              <span class="muted">{lift(p.lift)}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Slow movers</h3>
      {insights.slowMovers.length === 0 ? (
        <Empty>None.</Empty>
      ) : (
        <ul>
          {insights.slowMovers.map((s) => (
            <li key={s.sku}>
              {s.sku}{' '}
              <span class="muted">
                {s.basketsPerDay.toFixed(2)} baskets a day for {s.capacity} units of shelf
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
