/**
 * `toLine` builds the line protocol the hub posts to InfluxDB by hand (faster than the `influx`
 * client's `writePoints`): it must be exactly what the client would send for `toPoint` of the same
 * item, escapes included. The client's text is caught by a loopback HTTP server posing as InfluxDB.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfluxDB } from 'influx';
import { afterAll, describe, expect, it } from 'vitest';
import { toLine, toPoint } from '../../hub/src/ingest/influx-series.repository.js';
import type { SeriesItem } from '../../hub/src/ingest/series.repository.js';

const base: SeriesItem = {
  origin: 'store-a/scale-1',
  boot: 3,
  seq: 1_234_567,
  id: '019ad7a0-0000-7000-8000-000000000001',
  type: 'shelf.weight',
  site: 'store-a',
  device: 'scale-1',
  gateway: 'gw-a',
  ts: 1_767_225_600_123,
  rx: 1_767_225_600_200,
  lane: 'live',
  flags: null,
  data: JSON.stringify({ lane: 'a01', grams: 1234.5, stable: true, adc: 81234 }),
};

const items: SeriesItem[] = [
  base,
  { ...base, seq: 7, rx: null, lane: 'hist', flags: JSON.stringify(['ts-clamped']) },
  // Everything line protocol must escape: spaces, commas, equals signs, quotes, backslashes.
  {
    ...base,
    site: 'store a,1',
    device: 'scale=1 "x"',
    origin: 'store a,1/scale=1 "x"',
    gateway: 'gw "a" \\ b',
    data: JSON.stringify({ door: 'front door, east', in: 3, out: 0, note: 'say "hi" \\o/', 'odd key': 2 }),
    type: 'footfall.count',
  },
  // Data fields named like envelope fields stay only in `data`; an empty tag value is left out.
  { ...base, data: JSON.stringify({ lane: '', id: 9, seq: 'x', grams: -0.5, nested: { a: 1 } }) },
  { ...base, data: JSON.stringify([1, 2, 3]) },
];

describe('InfluxDB line protocol', async () => {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      bodies.push(body);
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const client = new InfluxDB({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, database: 'x' });

  it('is what the influx client sends for the same points, line for line', async () => {
    await client.writePoints(items.map(toPoint), { precision: 'n', retentionPolicy: 'raw' });
    expect(bodies.at(-1)?.split('\n')).toEqual(items.map(toLine));
  });
});
