import type { PosBasket } from '@aisle/protocols';
import type { HubDatabase } from '../storage/database.js';

/** A basket as stored: the till's data, where and when, and how it reached the hub. */
export interface BasketRecord extends PosBasket {
  readonly site: string;
  readonly ts: number;
  readonly source: 'mqtt' | 'rest';
}

export interface BasketRange {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly newest?: boolean;
  /** With `newest`: only baskets before this one (the oldest of the previous page). */
  readonly before?: { readonly ts: number; readonly basket: string };
}

/** Demand history for forecasting and recommendation: each basket once per (site, basket id). */
export interface PosRepository {
  /** Stores baskets not yet held; returns how many were new. */
  store(baskets: readonly BasketRecord[]): Promise<number>;
  /** Every site that has sent a basket. */
  sites(): Promise<string[]>;
  /**
   * Baskets with `from ≤ ts < to`, oldest first; `newest: true` takes the newest `limit` (still
   * returned oldest first), and with `before` the newest older than that basket (by ts, then id):
   * page after page back in time, each a short query.
   */
  baskets(site: string, range: BasketRange): Promise<BasketRecord[]>;
}

export class KyselyPosRepository implements PosRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async store(baskets: readonly BasketRecord[]): Promise<number> {
    if (baskets.length === 0) return 0;
    let inserted = 0;
    await this.#db.transaction().execute(async (tx) => {
      for (let i = 0; i < baskets.length; i += 500) {
        const result = await tx
          .insertInto('baskets')
          .values(
            baskets.slice(i, i + 500).map((b) => ({
              site: b.site,
              basket: b.basket,
              ts: b.ts,
              register: b.register,
              customer: b.customer ?? null,
              lines: JSON.stringify(b.lines),
              total_cents: b.totalCents ?? null,
              source: b.source,
            })),
          )
          .onConflict((c) => c.columns(['site', 'basket']).doNothing())
          .executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
    });
    return inserted;
  }

  async sites(): Promise<string[]> {
    const rows = await this.#db.selectFrom('baskets').select('site').distinct().orderBy('site').execute();
    return rows.map((r) => r.site);
  }

  async baskets(site: string, range: BasketRange): Promise<BasketRecord[]> {
    const newest = range.newest === true;
    const before = range.before;
    let query = this.#db
      .selectFrom('baskets')
      .selectAll()
      .where('site', '=', site)
      .where('ts', '>=', range.from)
      .where('ts', '<', range.to);
    if (newest && before !== undefined)
      query = query.where((eb) =>
        eb.or([eb('ts', '<', before.ts), eb.and([eb('ts', '=', before.ts), eb('basket', '<', before.basket)])]),
      );
    const rows = await query
      .orderBy('ts', newest ? 'desc' : 'asc')
      .orderBy('basket', newest ? 'desc' : 'asc')
      .limit(range.limit)
      .execute();
    if (range.newest === true) rows.reverse();
    return rows.map((r) => ({
      site: r.site,
      basket: r.basket,
      ts: Number(r.ts),
      register: r.register,
      ...(r.customer === null ? {} : { customer: r.customer }),
      lines: JSON.parse(r.lines) as PosBasket['lines'],
      ...(r.total_cents === null ? {} : { totalCents: Number(r.total_cents) }),
      source: r.source as BasketRecord['source'],
    }));
  }
}
