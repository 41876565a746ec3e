/**
 * Recommendations on a real hub (SQLite, embedded broker): baskets over the POS endpoint,
 * planograms in the registry, shelf levels from a gateway over MQTT. A customer's list explains
 * itself and honours discover/buy-again; an emptied lane takes its SKU out of that store's lists
 * only, and refilling it brings it back; categories excluded by rule and SKUs a store does not
 * carry never show; "bought together" and the store insights come from the same baskets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { newId, type PlanogramLane } from '@aisle/protocols';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { startHub } from '../../hub/src/server.js';
import { login, user } from './replenishment-harness.js';

const DAY = 86_400_000;
const SKUS = [
  { sku: 'bread', name: 'Sourdough bread', category: 'bakery' },
  { sku: 'butter', name: 'Salted butter', category: 'dairy' },
  { sku: 'milk', name: 'Whole milk', category: 'dairy' },
  { sku: 'pasta', name: 'Penne', category: 'dry' },
  { sku: 'sauce', name: 'Tomato sauce', category: 'dry' },
  { sku: 'beer', name: 'Lager 6-pack', category: 'alcohol' },
  { sku: 'candles', name: 'Tea lights', category: 'household' },
];

function lane(sku: string, i: number, aisle: string): PlanogramLane {
  return {
    lane: `l${i}`,
    device: `scale-${i}`,
    sku,
    unitGrams: 100,
    capacity: 20,
    facings: 2,
    aisle,
    shelf: 1,
    position: i,
  };
}

describe('recommendations on a real hub', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-recommend-'));
  const gatewaySecret = 'gw-secret-1';
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      gateways: [
        { site: 'store-a', gateway: 'gw-a', passwordHash: await hashPassword(gatewaySecret) },
        { site: 'store-b', gateway: 'gw-b', passwordHash: await hashPassword(gatewaySecret) },
      ],
      recommendation: {
        retrainEveryMs: 0,
        // Pages of 50: the 361 baskets are read (and sent to the model thread) in eight pages.
        readPageBaskets: 50,
        model: { maxItems: 100 },
        rules: { excludeCategories: ['alcohol'] },
        insights: { minSupport: 3, minLift: 1.2 },
      },
    }),
    pino({ level: 'silent' }),
  );
  const admin = await login(hub, 'root', 'root-secret-1');
  const staffA = await user(hub, admin, 'ann', 'staff', ['store-a']);
  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // store-a carries everything, store-b no candles; bread and butter sit in different aisles at store-a.
  const aisles: Record<string, string> = {
    bread: 'a1',
    butter: 'a3',
    milk: 'a3',
    pasta: 'a2',
    sauce: 'a2',
    beer: 'a4',
    candles: 'a5',
  };
  for (const site of ['store-a', 'store-b']) {
    await admin.call('POST', '/api/sites', { site, name: site, kind: 'store' });
    const skus = SKUS.filter((s) => site === 'store-a' || s.sku !== 'candles');
    const put = await admin.call('PUT', `/api/sites/${site}/planogram`, {
      skus,
      lanes: skus.map((s, i) => lane(s.sku, i + 1, aisles[s.sku] as string)),
    });
    expect(put.status).toBe(200);
  }

  // 60 customers: bread buyers take butter, pasta buyers take sauce; everyone takes milk; some beer.
  const now = Date.now();
  const baskets = (site: string) =>
    Array.from({ length: 60 }, (_, c) => {
      const first = c % 2 === 0 ? ['bread', 'butter', 'milk'] : ['pasta', 'sauce', 'milk'];
      return [0, 1, 2].map((week) => ({
        basket: newId(),
        register: 'till-1',
        customer: `${site}-c${c}`,
        ts: now - (3 - week) * 7 * DAY + c * 60_000,
        lines: (week === 2 && c % 3 === 0 ? [...first, 'beer'] : first).map((sku) => ({
          sku,
          qty: 1,
          unitPriceCents: 199,
        })),
      }));
    }).flat();
  for (const site of ['store-a', 'store-b'])
    expect((await admin.call('POST', `/api/sites/${site}/baskets`, { baskets: baskets(site) })).status).toBe(200);
  // The one who has only bought bread so far, at store-a, and shops at either store.
  const single = {
    basket: newId(),
    register: 'till-1',
    customer: 'solo',
    ts: now - DAY,
    lines: [{ sku: 'bread', qty: 1, unitPriceCents: 199 }],
  };
  expect((await admin.call('POST', '/api/sites/store-a/baskets', { baskets: [single] })).status).toBe(200);

  const retrain = await admin.call('POST', '/api/recommendations/retrain');

  it("trains on every site's baskets when asked", () => {
    expect(retrain.status).toBe(200);
    expect(retrain.body).toMatchObject({ trained: true, training: false, truncated: false });
    expect(retrain.body.summary).toMatchObject({ baskets: 361, customers: 121, sites: 2 });
  });

  const recommend = async (customer: string, site: string, query = '') =>
    (await admin.call('GET', `/api/recommendations/customers/${customer}?site=${site}${query}`)).body;

  it('recommends what goes with what the customer bought, and says so', async () => {
    const answer = await recommend('solo', 'store-a', '&n=3');
    expect(answer.coldStart).toBe(false);
    // Milk is in every basket; butter and pasta sell equally, but butter goes with the bread.
    expect(answer.items.map((i: { sku: string }) => i.sku)).toEqual(['milk', 'butter', 'pasta']);
    expect(answer.items[1]).toMatchObject({
      name: 'Salted butter',
      because: { kind: 'bought-with', sku: 'bread', text: 'because you bought Sourdough bread' },
    });
    // Discover mode: bread, already bought, is left out, and counted.
    expect(answer.skipped.ALREADY_BOUGHT).toBe(1);
  });

  it('keeps past purchases in buy-again mode, explained by how often they were bought', async () => {
    const answer = await recommend('store-a-c0', 'store-a', '&mode=buy-again&n=3');
    expect(answer.items.map((i: { sku: string }) => i.sku).sort()).toEqual(['bread', 'butter', 'milk']);
    expect(answer.items[0].because).toMatchObject({ kind: 'buy-again', purchases: 3, text: 'you bought it 3 times' });
  });

  it("gives an unknown customer the store's best sellers", async () => {
    const answer = await recommend('someone-new', 'store-b', '&n=2');
    expect(answer.coldStart).toBe(true);
    expect(answer.items[0]).toMatchObject({ sku: 'milk', because: { kind: 'popular', text: 'popular at store-b' } });
  });

  it('never shows an excluded category nor what the store does not carry', async () => {
    const skus = (await recommend('someone-new', 'store-b', '&n=20')).items.map((i: { sku: string }) => i.sku);
    expect(skus).not.toContain('beer');
    expect(skus).not.toContain('candles');
    const popular = (await admin.call('GET', '/api/recommendations/popular?site=store-b&n=20')).body;
    expect(popular.skipped.EXCLUDED_CATEGORY).toBe(1);
    expect(popular.items.map((i: { sku: string }) => i.sku)).not.toContain('beer');
  });

  it("drops an emptied lane's SKU at that store only, and brings it back when refilled", async () => {
    const gateway = await connectAsync(hub.brokerUrl, { clientId: 'gw-a', username: 'gw-a', password: gatewaySecret });
    const epoch = newId();
    let seq = 0;
    const level = async (units: number) => {
      seq += 1;
      const ts = Date.now();
      const item = {
        oseq: seq,
        id: newId(),
        type: 'shelf.level',
        src: { site: 'store-a', device: 'scale-2', gateway: 'gw-a' },
        boot: 1,
        seq,
        ts,
        rx: ts,
        tq: 'ntp',
        data: { lane: 'l2', sku: 'butter', units, grams: units * 100, capacity: 20 },
      };
      const batch = {
        v: 1,
        site: 'store-a',
        gateway: 'gw-a',
        epoch,
        boot: 1,
        lane: 'live',
        firstSeq: seq,
        lastSeq: seq,
        sentAt: ts,
        items: [item],
      };
      await gateway.publishAsync('up/store-a/gw-a/batch', JSON.stringify(batch), { qos: 1 });
    };
    const butterShown = async (site: string) =>
      (await recommend('solo', site, '&n=3')).items.some((i: { sku: string }) => i.sku === 'butter');
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
      return check();
    };
    try {
      await level(0);
      expect(await until(async () => !(await butterShown('store-a')))).toBe(true);
      const emptied = await recommend('solo', 'store-a', '&n=3');
      expect(emptied.items.map((i: { sku: string }) => i.sku)).not.toContain('butter');
      expect(emptied.skipped.OUT_OF_STOCK).toBe(1);
      expect(await butterShown('store-b')).toBe(true);
      const together = (await admin.call('GET', '/api/recommendations/items/bread/together?site=store-a')).body;
      expect(together.together.map((p: { sku: string }) => p.sku)).not.toContain('butter');
      await level(7);
      expect(await until(() => butterShown('store-a'))).toBe(true);
    } finally {
      await gateway.endAsync();
    }
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/aisle_hub_recommendation_filtered_total\{reason="OUT_OF_STOCK"\} [1-9]/);
  });

  it('names what is bought together, by lift', async () => {
    const answer = await admin.call('GET', '/api/recommendations/items/pasta/together?n=2');
    expect(answer.status).toBe(200);
    expect(answer.body.name).toBe('Penne');
    expect(answer.body.together[0]).toMatchObject({ sku: 'sauce', support: 180, confidence: 1 });
    expect(answer.body.together[0].lift).toBeGreaterThan(1.9);
    const unknown = await admin.call('GET', '/api/recommendations/items/caviar/together');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'UNKNOWN_SKU' } });
  });

  it("gives staff their store's insights: bundles, pairs to place nearer, slow movers", async () => {
    const answer = await staffA.call('GET', '/api/sites/store-a/recommendations/insights');
    expect(answer.status).toBe(200);
    const pairs = (list: Array<{ skus: string[] }>) => list.map((p) => [...p.skus].sort().join('+'));
    expect(pairs(answer.body.bundles)).toEqual(expect.arrayContaining(['bread+butter', 'pasta+sauce']));
    // bread (aisle a1) and butter (a3) are bought together but shelved apart; pasta and sauce share a2.
    expect(pairs(answer.body.placements)).toContain('bread+butter');
    expect(pairs(answer.body.placements)).not.toContain('pasta+sauce');
    expect(answer.body.slowMovers[0]).toMatchObject({ sku: 'candles', baskets: 0 });
    expect((await staffA.call('GET', '/api/sites/store-b/recommendations/insights')).body.code).toBe('FORBIDDEN_SITE');
  });

  it('keeps answering while a new model trains, then answers with the new one', async () => {
    const before = (await admin.call('GET', '/api/recommendations/model')).body.version as number;
    const retraining = admin.call('POST', '/api/recommendations/retrain');
    const during = await admin.call('GET', '/api/recommendations/customers/solo?site=store-a&n=3');
    expect(during.status).toBe(200);
    expect([before, before + 1]).toContain(during.body.model.version);
    expect((await retraining).body).toMatchObject({ trained: true, version: before + 1 });
    expect((await recommend('solo', 'store-a')).model.version).toBe(before + 1);
  });

  it('refuses bad requests with a reason, and staff outside their store', async () => {
    expect((await admin.call('GET', '/api/recommendations/customers/solo')).body.code).toBe('VALIDATION_FAILED');
    expect((await admin.call('GET', '/api/recommendations/customers/solo?site=store-a&n=0')).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await admin.call('GET', '/api/recommendations/customers/solo?site=store-a&mode=all')).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await staffA.call('GET', '/api/recommendations/customers/solo?site=store-b')).body.code).toBe(
      'FORBIDDEN_SITE',
    );
    expect((await staffA.call('POST', '/api/recommendations/retrain')).body.code).toBe('FORBIDDEN_ROLE');
  });
});
