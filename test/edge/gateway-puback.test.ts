import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, topics } from '@aisle/protocols';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../edge/src/broker/credentials.js';
import { parseConfig } from '../../edge/src/config.js';
import { Gateway } from '../../edge/src/gateway.js';
import { freePort } from '../helpers/external-server.js';

/**
 * "A broker PUBACK is not enough" applies on the device side too: the gateway acknowledges a
 * device's QoS 1 reading only once it is committed to the outbox, so a crash right after the
 * PUBACK cannot lose it.
 */
describe('gateway PUBACK', async () => {
  const port = await freePort();
  const config = parseConfig({
    site: 'store-a',
    gateway: 'gw-a',
    dataDir: mkdtempSync(join(tmpdir(), 'aisle-puback-')),
    broker: { host: '127.0.0.1', port },
    devices: [
      { device: 'scale-1', kind: 'shelf-scale', username: 'store-a.scale-1', passwordHash: await hashPassword('pw') },
    ],
    http: { host: '127.0.0.1', port: 0 },
  });
  const gateway = await Gateway.start(config, pino({ level: 'silent' }));
  const device = await connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: 'store-a.scale-1',
    username: 'store-a.scale-1',
    password: 'pw',
  });
  afterAll(async () => {
    await device.endAsync();
    await gateway.close();
  });

  it('a QoS 1 reading is in the outbox by the time its PUBACK arrives, every time', async () => {
    for (let seq = 1; seq <= 20; seq++) {
      const id = newId();
      const reading = {
        id,
        type: 'shelf.weight',
        src: { site: 'store-a', device: 'scale-1' },
        boot: 1,
        seq,
        ts: Date.now(),
        tq: 'ntp',
        data: { lane: 'a01', grams: 100 * seq, stable: true },
      };
      await device.publishAsync(topics.dt('store-a', 'scale-1', 'weight'), JSON.stringify(reading), { qos: 1 });
      const rows = gateway.outbox.peek(0, { maxItems: 1000, maxBytes: 1 << 20 });
      expect(rows.some((r) => r.payload.includes(id))).toBe(true);
    }
  });
});
