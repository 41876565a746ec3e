/**
 * Foot-traffic history on a real hub (issue #10): the doors' `footfall.count` readings, ingested as
 * a gateway sends them, come back as entries per door per UTC hour with the doors' newest forecasts;
 * the range defaults to the last 48 h and is bounded (`footfall.maxRangeHours`), other stores'
 * staff and unknown sites are refused with their codes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { user } from './replenishment-harness.js';
import { startStoreHub } from './store-harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('foot traffic history', async () => {
  const store = await startStoreHub({ footfall: { maxRangeHours: 72 } });
  const { hub, admin } = store;
  const ann = await user(hub, admin, 'ann', 'staff', ['store-a']);
  const bea = await user(hub, admin, 'bea', 'staff', ['store-b']);
  afterAll(() => store.close());

  // Two whole hours ago, and the hour after it.
  const h0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const h1 = h0 + HOUR;
  const count = (door: string, ts: number, entries: number) => ({
    type: 'footfall.count',
    ts,
    data: { door, in: entries, out: 1, intervalMs: 15 * MIN },
  });
  const forecast = {
    type: 'forecast',
    ts: h1 + 5 * MIN,
    data: {
      task: 'footfall',
      target: { kind: 'door', id: 'door-1' },
      start: h1 + HOUR,
      stepMs: HOUR,
      mean: [12, 14],
      lower: [8, 9],
      upper: [16, 20],
      level: 0.8,
    },
  };
  await store.ingest('store-a', [
    count('door-1', h0 + 15 * MIN, 3),
    count('door-2', h0 + 30 * MIN, 5),
    count('door-1', h0 + 45 * MIN, 4),
    count('door-1', h1 + 15 * MIN, 6),
    // Three days back: outside the default range.
    count('door-1', h0 - 70 * HOUR, 50),
    forecast,
  ]);
  await store.ingest('store-b', [count('door-1', h0 + 15 * MIN, 99)]);

  it('sums each door’s entries per UTC hour over the asked range, with the doors’ forecasts', async () => {
    const answer = await ann.call('GET', `/api/sites/store-a/footfall?from=${h0 + 10 * MIN}&to=${h1 + 20 * MIN}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ site: 'store-a', from: h0, to: h1 + HOUR });
    expect(answer.body.hours).toEqual([
      { door: 'door-1', hour: h0, entries: 7 },
      { door: 'door-1', hour: h1, entries: 6 },
      { door: 'door-2', hour: h0, entries: 5 },
    ]);
    expect(answer.body.forecasts).toEqual([
      {
        door: 'door-1',
        ts: forecast.ts,
        start: h1 + HOUR,
        stepMs: HOUR,
        mean: [12, 14],
        lower: [8, 9],
        upper: [16, 20],
        level: 0.8,
      },
    ]);
  });

  it('serves the last 48 h when no range is given, up to now', async () => {
    const before = Date.now();
    const answer = await ann.call('GET', '/api/sites/store-a/footfall');
    expect(answer.status).toBe(200);
    expect(answer.body.asOf).toBeGreaterThanOrEqual(before);
    expect(answer.body.to - answer.body.from).toBeGreaterThanOrEqual(48 * HOUR);
    expect(answer.body.to - answer.body.from).toBeLessThanOrEqual(50 * HOUR);
    expect(answer.body.hours.map((h: { entries: number }) => h.entries)).toEqual([7, 6, 5]);
  });

  it('refuses a range longer than footfall.maxRangeHours, bad bounds, other stores and unknown sites', async () => {
    expect(await ann.call('GET', `/api/sites/store-a/footfall?from=${h0 - 72 * HOUR}&to=${h0 + 1}`)).toMatchObject({
      status: 400,
      body: { code: 'FOOTFALL_RANGE_TOO_LONG' },
    });
    expect((await ann.call('GET', `/api/sites/store-a/footfall?from=${h0 - 71 * HOUR}&to=${h0}`)).status).toBe(200);
    for (const query of [`from=${h1}&to=${h0}`, 'from=yesterday', `to=-${h0}`])
      expect(await ann.call('GET', `/api/sites/store-a/footfall?${query}`), query).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED' },
      });
    expect(await bea.call('GET', '/api/sites/store-a/footfall')).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_SITE' },
    });
    expect(await admin.call('GET', '/api/sites/store-z/footfall')).toMatchObject({
      status: 404,
      body: { code: 'SITE_UNKNOWN' },
    });
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_footfall_refusals_total\{code="FOOTFALL_RANGE_TOO_LONG"\} 1$/m);
  });
});
