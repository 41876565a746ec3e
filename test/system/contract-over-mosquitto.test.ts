import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { decodeMessage, type ItemOf, newId, topicFilters, topics } from '@aisle/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { externalServer } from '../helpers/external-server.js';

/**
 * The wire contract through a real broker (Debian Mosquitto, started by scripts/servers): topics
 * built by `topics.*` are accepted as-is, `topicFilters.*` match them, and payloads arrive intact
 * and decode. Clients are Mosquitto's own command-line tools, so nothing of ours is on both ends.
 */
const mosquitto = await externalServer('mosquitto');
const run = promisify(execFile);

describe.skipIf(!mosquitto.ok)(
  `contract over a real Mosquitto${mosquitto.ok ? '' : ` (skipped: ${mosquitto.reason})`}`,
  () => {
    const server = mosquitto.ok ? mosquitto.server : undefined;
    afterAll(async () => server?.stop());

    it('a shelf reading published on its dt topic reaches a filter subscriber and decodes to the same item', async () => {
      if (server === undefined) throw new Error('unreachable');
      const now = Date.now();
      const item: ItemOf<'shelf.weight'> = {
        id: newId(now),
        type: 'shelf.weight',
        src: { site: 'store-a', device: 'scale-7' },
        boot: 2,
        seq: 41,
        ts: now,
        tq: 'ntp',
        data: { lane: 'a3-s1-l4', grams: 2471.5, stable: true },
      };
      const topic = topics.dt('store-a', 'scale-7', 'weight');
      const filter = topicFilters.dt('store-a');
      // Retained, so the subscriber gets it whenever its SUBSCRIBE lands: no race, no retry loop.
      await run('mosquitto_pub', [
        '-p',
        String(server.port),
        '-h',
        '127.0.0.1',
        '-t',
        topic,
        '-q',
        '1',
        '-r',
        '-m',
        JSON.stringify(item),
      ]);
      const sub = spawn(
        'mosquitto_sub',
        ['-p', String(server.port), '-h', '127.0.0.1', '-t', filter, '-C', '1', '-v', '-q', '1', '-W', '20'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      sub.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      const closed = once(sub, 'close');
      const [code] = (await closed) as [number | null];
      expect(code).toBe(0);
      const space = out.indexOf(' ');
      const gotTopic = out.slice(0, space);
      const payload = out.slice(space + 1).trimEnd();
      expect(gotTopic).toBe(topic);
      const decoded = decodeMessage(gotTopic, payload);
      expect(decoded).toEqual({
        ok: true,
        value: { topic: { kind: 'dt', site: 'store-a', device: 'scale-7', channel: 'weight' }, item },
      });
    });
  },
);
