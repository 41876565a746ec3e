import type { Item } from '@aisle/protocols';
import type { PipelineContext } from '../context.js';

/** GPS fixes → driving/stopped and stop arrivals; cargo temperature → cold chain; shocks. */
export function handleGpsFix(ctx: PipelineContext, item: Extract<Item, { type: 'gps.fix' }>): void {
  const tracker = ctx.vans.get(item.data.van ?? item.src.site);
  if (tracker === undefined) return;
  for (const event of tracker.fix(item.data, item.ts)) ctx.derive(item, 'van.event', event);
}

export function handleTemperature(ctx: PipelineContext, item: Extract<Item, { type: 'temperature' }>): void {
  const { minCelsius, maxCelsius, graceMs } = ctx.rules.coldChain;
  const probe = `${item.src.device}/${item.data.probe}`;
  const subject = { kind: 'device' as const, id: probe };
  const celsius = item.data.celsius;
  if (celsius >= minCelsius && celsius <= maxCelsius) {
    ctx.coldSince.delete(probe);
    ctx.alert(item, ctx.alerts.release('cold-chain', subject, `${probe} back to ${celsius} °C`));
    return;
  }
  // Out of range: an excursion only once it lasts longer than the grace (doors open at a stop).
  const since = ctx.coldSince.get(probe) ?? item.ts;
  ctx.coldSince.set(probe, since);
  if (item.ts - since < graceMs) return;
  ctx.alert(
    item,
    ctx.alerts.hold(item.ts, {
      rule: 'cold-chain',
      subject,
      severity: 'critical',
      message: `${probe} at ${celsius} °C outside ${minCelsius}–${maxCelsius} °C for ${Math.round((item.ts - since) / 60_000)} min`,
      value: celsius,
      threshold: celsius > maxCelsius ? maxCelsius : minCelsius,
    }),
  );
}

export function handleShock(ctx: PipelineContext, item: Extract<Item, { type: 'shock' }>): void {
  if (item.data.peakG < ctx.rules.shockG) return;
  const subject = { kind: 'device' as const, id: item.src.device };
  // A shock is an event, not a state: raised and cleared at once, so the next one alerts again.
  ctx.alert(
    item,
    ctx.alerts.hold(item.ts, {
      rule: 'shock',
      subject,
      severity: 'warning',
      message: `${item.data.peakG} g shock`,
      value: item.data.peakG,
      threshold: ctx.rules.shockG,
    }),
  );
  ctx.alert(item, ctx.alerts.release('shock', subject, 'shock recorded'));
}
