import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadBaskets,
  PRODUCT_REJECT_REASONS,
  TRANSACTION_REJECT_REASONS,
} from '../../device-sim/src/replay/baskets.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

const DUNNHUMBY = join(SHARED_DATA, 'retail/dunnhumby');
const missing = sharedDataMissing('retail/dunnhumby/transactions_sample.csv');
const TRANSACTIONS = join(DUNNHUMBY, 'transactions_sample.csv');
const PRODUCTS = join(DUNNHUMBY, 'products.csv');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aisle-replay-baskets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HEADER =
  'household_id,store_id,basket_id,product_id,quantity,sales_value,retail_disc,coupon_disc,coupon_match_disc,week,transaction_timestamp';
/** A receipt line with the discount and week columns filled in. */
const line = (
  household: string,
  store: string,
  basket: string,
  product: string,
  qty: string,
  value: string,
  ts: string,
) => `${household},${store},${basket},${product},${qty},${value},0.0,0.0,0.0,11,${ts}`;

// US daylight saving starts 2017-03-12 02:00 EST (-0500) → 03:00 EDT (-0400).
const TRANSACTION_ROWS = [
  HEADER,
  line('1', '10', '200', '1001', '2', '3.5', '2017-03-12T01:30:00-0500'), // 06:30 UTC
  line('1', '10', '200', '1002', '1', '4.440892e-16', '2017-03-12T01:30:00-0500'), // float residue → $0.00
  line('1', '10', '200', '5555', '1', '1.0', '2017-03-12T01:30:00-0500'), // not in the catalogue
  line('2', '11', '300', '1003', '1', '1.25', '2017-03-12T03:15:00-0400'), // 07:15 UTC: 45 min later, not 1 h 45
  line('3', '12', '100', '1001', '3', '6.0', '2017-03-12T03:30:00-0400'), // 07:30 UTC
  line('4', '12', '99', '5555', '1', '1.0', '2017-03-12T03:30:00-0400'), // same instant: 99 sorts before 100
  line('5', '13', '4.0128e+10', '9e+05', '1', '2.0', '2017-09-28T01:22:06-0400'), // R exponent form: basket 40128000000
  line('1', '10', '1.5e+0', '1001', '1', '1.0', '2017-03-13T10:00:00-0400'), // ID_INVALID: not an integer
  line('1', 'x10', '206', '1001', '1', '1.0', '2017-03-13T10:00:00-0400'), // ID_INVALID
  line('1', '10', '201', '1001', '0', '0.0', '2017-03-13T10:00:00-0400'), // QUANTITY_ZERO
  line('1', '10', '202', '1001', '1.5', '1.0', '2017-03-13T10:00:00-0400'), // QUANTITY_INVALID
  line('1', '10', '202', '1001', '-1', '1.0', '2017-03-13T10:00:00-0400'), // QUANTITY_INVALID
  line('1', '10', '203', '1001', '1', 'abc', '2017-03-13T10:00:00-0400'), // SALES_VALUE_INVALID
  line('1', '10', '203', '1001', '1', '-2.0', '2017-03-13T10:00:00-0400'), // SALES_VALUE_INVALID
  line('1', '10', '204', '1001', '1', '1.0', '2017-02-30T10:00:00-0500'), // TIMESTAMP_INVALID
  line('9', '10', '200', '1003', '1', '1.0', '2017-03-12T01:30:00-0500'), // BASKET_INCONSISTENT: household
  line('1', '10', '200', '1003', '1', '1.0', '2017-03-12T01:31:00-0500'), // BASKET_INCONSISTENT: time
  '1,10,205,1001,1', // COLUMN_COUNT
  '',
];

const PRODUCT_ROWS = [
  'product_id,manufacturer_id,department,brand,product_category,product_type,package_size',
  '1001,2,GROCERY,National,FRZN ICE,ICE - CRUSHED/CUBED,22 LB',
  '1002,2,MISCELLANEOUS,National,,,',
  '1003,5,DRUG GM,Private,"SOAP, BAR","BAR SOAP ""DEO""",3 OZ',
  '1003,5,GROCERY,National,X,Y,', // DUPLICATE_PRODUCT
  '9e+05,5,COSMETICS,National,FRAGRANCES,DESIGNER FRAGRANCES,.8 OZ', // R exponent form: product 900000
  'abc,5,GROCERY,National,X,Y,', // ID_INVALID
  '1006,5,,National,X,Y,', // DEPARTMENT_EMPTY
  '1007,5,GROCERY', // COLUMN_COUNT
  '',
];

async function synthetic() {
  const transactions = join(dir, 'transactions.csv');
  const products = join(dir, 'products.csv');
  await writeFile(transactions, TRANSACTION_ROWS.join('\n'));
  await writeFile(products, PRODUCT_ROWS.join('\r\n'));
  return loadBaskets(transactions, products);
}

describe('loading baskets', () => {
  it('groups receipt lines into baskets ordered by UTC time, then by basket id as a number', async () => {
    const { baskets } = await synthetic();
    expect(baskets.map((b) => [b.basket, b.household, b.store, b.ts])).toEqual([
      ['200', '1', '10', Date.UTC(2017, 2, 12, 6, 30)],
      ['300', '2', '11', Date.UTC(2017, 2, 12, 7, 15)],
      ['99', '4', '12', Date.UTC(2017, 2, 12, 7, 30)],
      ['100', '3', '12', Date.UTC(2017, 2, 12, 7, 30)],
      ['40128000000', '5', '13', Date.UTC(2017, 8, 28, 5, 22, 6)],
    ]);
    expect(baskets.at(-1)?.lines).toEqual([{ product: '900000', qty: 1, salesValue: 2 }]);
    expect(baskets[0]?.lines).toEqual([
      { product: '1001', qty: 2, salesValue: 3.5 },
      { product: '1002', qty: 1, salesValue: 0 },
      { product: '5555', qty: 1, salesValue: 1 },
    ]);
  });

  it('counts every rejected line and catalogue row by reason, and unknown products apart', async () => {
    const load = await synthetic();
    expect(load.rejects).toEqual({
      transactions: {
        ID_INVALID: 2,
        QUANTITY_ZERO: 1,
        QUANTITY_INVALID: 2,
        SALES_VALUE_INVALID: 2,
        TIMESTAMP_INVALID: 1,
        BASKET_INCONSISTENT: 2,
        COLUMN_COUNT: 1,
      },
      products: { DUPLICATE_PRODUCT: 1, ID_INVALID: 1, DEPARTMENT_EMPTY: 1, COLUMN_COUNT: 1 },
    });
    for (const reason of Object.keys(load.rejects.transactions)) {
      expect(TRANSACTION_REJECT_REASONS).toHaveProperty(reason);
    }
    for (const reason of Object.keys(load.rejects.products)) expect(PRODUCT_REJECT_REASONS).toHaveProperty(reason);
    expect(load.unknownProducts).toEqual({ lines: 2, distinct: 1 });
    const kept = load.baskets.reduce((n, b) => n + b.lines.length, 0);
    const rejected = Object.values(load.rejects.transactions).reduce((n, k) => n + k, 0);
    expect(kept + rejected).toBe(TRANSACTION_ROWS.length - 2);
  });

  it('reads the catalogue with RFC 4180 quoting and blank category as null, keeping the first duplicate', async () => {
    const { products } = await synthetic();
    expect([...products.keys()]).toEqual(['1001', '1002', '1003', '900000']);
    expect(products.get('1002')).toEqual({
      department: 'MISCELLANEOUS',
      brand: 'National',
      category: null,
      type: null,
    });
    expect(products.get('1003')).toEqual({
      department: 'DRUG GM',
      brand: 'Private',
      category: 'SOAP, BAR',
      type: 'BAR SOAP "DEO"',
    });
  });
});

describe.skipIf(missing !== undefined)(
  `the dunnhumby Complete Journey sample${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    const loading = loadBaskets(TRANSACTIONS, PRODUCTS);

    it('keeps every purchase line and rejects only the 416 zero-quantity ones', async () => {
      const load = await loading;
      expect(load.rejects).toEqual({ transactions: { QUANTITY_ZERO: 416 }, products: {} });
      // R wrote two ids in exponent form; they are exact and read back as digits.
      expect(load.products.get('900000')?.department).toBe('COSMETICS');
      expect(load.products.size).toBe(92_331);
      const kept = load.baskets.reduce((n, b) => n + b.lines.length, 0);
      expect(kept).toBe(75_000 - 416);
    });

    it('has one basket per distinct basket_id among valid lines, sorted by time then id', async () => {
      const { baskets } = await loading;
      // Independent count straight from the text: quantity > 0 and a plain integer basket id.
      const text = await readFile(TRANSACTIONS, 'utf8');
      const valid = new Set<string>();
      for (const row of text.split('\n').slice(1)) {
        const f = row.split(',');
        if (f.length === 11 && f[4] !== '0') valid.add(f[2] ?? '');
      }
      expect(baskets.length).toBe(valid.size);
      expect(new Set(baskets.map((b) => b.basket)).size).toBe(baskets.length);
      expect(baskets.every((b) => b.lines.length > 0)).toBe(true);
      const outOfOrder = baskets.findIndex((b, i) => {
        const a = baskets[i - 1];
        return a !== undefined && !(a.ts < b.ts || (a.ts === b.ts && BigInt(a.basket) < BigInt(b.basket)));
      });
      expect(outOfOrder).toBe(-1);
      expect(baskets[0]?.ts).toBeGreaterThanOrEqual(Date.UTC(2017, 0, 1));
      expect(baskets.at(-1)?.ts).toBeLessThan(Date.UTC(2018, 0, 1, 5));
    });

    it('finds each line in the catalogue or counts it as an unknown product', async () => {
      const { baskets, products, unknownProducts } = await loading;
      const lines = baskets.flatMap((b) => b.lines);
      const missing = lines.filter((l) => !products.has(l.product));
      expect(missing.length).toBe(unknownProducts.lines);
      expect(new Set(missing.map((l) => l.product)).size).toBe(unknownProducts.distinct);
      expect(unknownProducts.lines).toBeLessThan(lines.length * 0.01);
      expect(lines.every((l) => Number.isInteger(l.qty) && l.qty > 0 && l.salesValue >= 0)).toBe(true);
    });
  },
);
