import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Alert, newId } from '@aisle/protocols';
import { pino } from 'pino';
import { parseHubConfig } from '../../hub/src/config.js';
import { IngestService } from '../../hub/src/ingest/ingest.service.js';
import { type RunningHub, startHub } from '../../hub/src/server.js';
import { openScreen } from '../helpers/planner-screen.js';
import { type Client, login } from './replenishment-harness.js';

/**
 * What the Store view's hub tests share: a real hub (SQLite, embedded broker, short realtime
 * flushes) with stores `store-a` and `store-b` in the registry, and gateway batches handed to the
 * hub's ingest as its MQTT side does (`IngestService.onBatch`), so items reach the series and
 * `latest` exactly as a gateway's would.
 */
export interface StoreHub {
  readonly hub: RunningHub;
  readonly admin: Client;
  /** Stores `items` as one live batch of `site`'s gateway; resolves once they are stored. */
  ingest(site: string, items: readonly GatewayItem[]): Promise<void>;
  close(): Promise<void>;
}

export interface GatewayItem {
  readonly type: string;
  readonly ts: number;
  readonly data: unknown;
}

export async function startStoreHub(config: Record<string, unknown> = {}): Promise<StoreHub> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-store-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      realtime: { flushMs: 20 },
      ...config,
    }),
    pino({ level: 'silent' }),
  );
  const admin = await login(hub, 'root', 'root-secret-1');
  for (const site of ['store-a', 'store-b']) {
    const created = await admin.call('POST', '/api/sites', { site, name: `Store ${site}`, kind: 'store' });
    if (created.status !== 201) throw new Error(`site ${site}: ${JSON.stringify(created.body)}`);
  }
  const service = hub.app.get(IngestService);
  const epoch = newId();
  let seq = 0;
  return {
    hub,
    admin,
    async ingest(site, items) {
      const gateway = `gw-${site}`;
      const first = seq + 1;
      const batch = {
        v: 1,
        site,
        gateway,
        epoch,
        boot: 1,
        lane: 'live',
        firstSeq: first,
        lastSeq: seq + items.length,
        sentAt: Date.now(),
        items: items.map((item) => {
          seq++;
          return {
            oseq: seq,
            id: newId(),
            type: item.type,
            src: { site, device: gateway, gateway },
            boot: 1,
            seq,
            ts: item.ts,
            rx: item.ts,
            tq: 'ntp',
            data: item.data,
          };
        }),
      };
      const outcome = await service.onBatch(`up/${site}/${gateway}/batch`, Buffer.from(JSON.stringify(batch)));
      if (outcome === undefined) throw new Error(`batch of ${site} refused (see the hub's ingest rejections)`);
    },
    async close() {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A low-stock alert on `lane` in the given state, raised at `since`. */
export function lowStock(lane: string, state: Alert['state'], since: number, alert = randomUUID()): Alert {
  return {
    alert,
    rule: 'low-stock',
    state,
    severity: 'warning',
    subject: { kind: 'lane', id: lane },
    message: `lane ${lane} below 20 %`,
    since,
  };
}

/** A socket.io client subscribed to `site`'s `channel`, collecting the changes it receives. */
export function watchChannel(hub: RunningHub, token: string, site: string, channel: string) {
  return openScreen<Record<string, unknown>>(hub.httpUrl, token, { site, channels: [channel] });
}
