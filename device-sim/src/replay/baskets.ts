import { CSV_REJECT_REASONS, forEachCsvRow, parseOffsetDateTime, RowRejects } from '@aisle/protocols/csv';

/**
 * Shopping baskets from the dunnhumby "Complete Journey" receipt lines (`transactions_sample.csv`)
 * joined to its product catalogue (`products.csv`), for replaying real purchases against simulated
 * shelves. Ids stay strings: they are opaque labels, and basket ids exceed 32 bits.
 */

/** Why a receipt line was rejected; one reason per line, the first that applies in this order. */
export const TRANSACTION_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  ID_INVALID:
    'household_id, store_id, basket_id or product_id is not an integer of at most 15 digits (R exponent form such as `4.0128e+10` is accepted).',
  TIMESTAMP_INVALID: 'transaction_timestamp is not `YYYY-MM-DDThh:mm:ss±hhmm` with a real date.',
  QUANTITY_INVALID: 'quantity is not a non-negative integer.',
  SALES_VALUE_INVALID: 'sales_value is not a finite number ≥ 0.',
  QUANTITY_ZERO: 'quantity is 0: a return or void, not a purchase.',
  BASKET_INCONSISTENT: 'The line names another household, store or time than earlier lines of its basket.',
} as const;
type TransactionRejectReason = keyof typeof TRANSACTION_REJECT_REASONS;

/** Why a catalogue row was rejected. */
export const PRODUCT_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  ID_INVALID: 'product_id is not an integer of at most 15 digits (R exponent form such as `9e+05` is accepted).',
  DEPARTMENT_EMPTY: 'department is empty.',
  DUPLICATE_PRODUCT: 'product_id appeared on an earlier row; the first row is kept.',
} as const;
type ProductRejectReason = keyof typeof PRODUCT_REJECT_REASONS;

export interface Product {
  readonly department: string;
  /** `National` or `Private` (store) label. */
  readonly brand: string;
  /** Product category and type; `null` where the catalogue leaves them blank. */
  readonly category: string | null;
  readonly type: string | null;
}

export interface BasketLine {
  readonly product: string;
  /** Units bought (for fuel, the catalogue's unit of volume: expect thousands). */
  readonly qty: number;
  /** Dollars the retailer received for the line, rounded to the cent. */
  readonly salesValue: number;
}

export interface Basket {
  readonly basket: string;
  readonly household: string;
  readonly store: string;
  /** Checkout time, ms UTC. */
  readonly ts: number;
  /** In file order. */
  readonly lines: readonly BasketLine[];
}

export interface BasketLoad {
  /** Sorted by `ts`, then by basket id as a number. */
  readonly baskets: readonly Basket[];
  readonly products: ReadonlyMap<string, Product>;
  /** Kept lines whose product is not in the catalogue: real purchases, but without metadata. */
  readonly unknownProducts: { readonly lines: number; readonly distinct: number };
  readonly rejects: {
    readonly transactions: Partial<Record<TransactionRejectReason, number>>;
    readonly products: Partial<Record<ProductRejectReason, number>>;
  };
}

const TRANSACTION_COLUMNS = [
  'household_id',
  'store_id',
  'basket_id',
  'product_id',
  'quantity',
  'sales_value',
  'transaction_timestamp',
] as const;
const PRODUCT_COLUMNS = ['product_id', 'department', 'brand', 'product_category', 'product_type'] as const;
// Up to 15 digits keeps every id exactly representable if a consumer turns it into a number.
const PLAIN_ID = /^\d{1,15}$/;
// R's write.csv prints a number in exponent form when that is shorter (`9e+05`, `4.0128e+10`), with
// up to 15 significant digits, so such an id is exact and is read back as its plain digits.
const EXPONENT_ID = /^\d(\.\d{1,14})?[eE]\+?\d{1,2}$/;
const QUANTITY = /^\d{1,9}$/;
// Plain decimals, plus the exponent form R writes for float residue such as `4.440892e-16`.
const DECIMAL = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** An id as plain decimal digits, or `undefined` if the text is no integer id. */
function decimalId(text: string): string | undefined {
  if (PLAIN_ID.test(text)) return text;
  if (!EXPONENT_ID.test(text)) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n < 1e15 ? String(n) : undefined;
}

/** Loads the catalogue, then the receipt lines grouped into baskets. Throws only if a file or column is missing. */
export async function loadBaskets(transactionsPath: string, productsPath: string): Promise<BasketLoad> {
  const productRejects = new RowRejects<ProductRejectReason>();
  const products = new Map<string, Product>();
  await forEachCsvRow(productsPath, PRODUCT_COLUMNS, (row) => {
    if (!row.ok) {
      productRejects.add(row.reason);
      return;
    }
    const v = row.value;
    const id = decimalId(v.product_id);
    if (id === undefined) productRejects.add('ID_INVALID');
    else if (v.department === '') productRejects.add('DEPARTMENT_EMPTY');
    else if (products.has(id)) productRejects.add('DUPLICATE_PRODUCT');
    else {
      products.set(id, {
        department: v.department,
        brand: v.brand,
        category: v.product_category === '' ? null : v.product_category,
        type: v.product_type === '' ? null : v.product_type,
      });
    }
  });

  const rejects = new RowRejects<TransactionRejectReason>();
  const byId = new Map<string, { basket: string; household: string; store: string; ts: number; lines: BasketLine[] }>();
  const unknown = new Set<string>();
  let unknownLines = 0;
  await forEachCsvRow(transactionsPath, TRANSACTION_COLUMNS, (row) => {
    if (!row.ok) {
      rejects.add(row.reason);
      return;
    }
    const v = row.value;
    const household = decimalId(v.household_id);
    const store = decimalId(v.store_id);
    const basketId = decimalId(v.basket_id);
    const product = decimalId(v.product_id);
    if (household === undefined || store === undefined || basketId === undefined || product === undefined) {
      rejects.add('ID_INVALID');
      return;
    }
    const at = parseOffsetDateTime(v.transaction_timestamp);
    if (at === undefined) {
      rejects.add('TIMESTAMP_INVALID');
      return;
    }
    if (!QUANTITY.test(v.quantity)) {
      rejects.add('QUANTITY_INVALID');
      return;
    }
    const salesValue = Number(v.sales_value);
    if (!DECIMAL.test(v.sales_value) || !Number.isFinite(salesValue)) {
      rejects.add('SALES_VALUE_INVALID');
      return;
    }
    const qty = Number(v.quantity);
    if (qty === 0) {
      rejects.add('QUANTITY_ZERO');
      return;
    }
    let basket = byId.get(basketId);
    if (basket === undefined) {
      basket = { basket: basketId, household, store, ts: at.utcMs, lines: [] };
      byId.set(basketId, basket);
    } else if (basket.household !== household || basket.store !== store || basket.ts !== at.utcMs) {
      rejects.add('BASKET_INCONSISTENT');
      return;
    }
    if (!products.has(product)) {
      unknownLines++;
      unknown.add(product);
    }
    basket.lines.push({ product, qty, salesValue: Math.round(salesValue * 100) / 100 });
  });

  const baskets: Basket[] = [...byId.values()].sort((a, b) => a.ts - b.ts || compareDecimalIds(a.basket, b.basket));
  return {
    baskets,
    products,
    unknownProducts: { lines: unknownLines, distinct: unknown.size },
    rejects: { transactions: rejects.snapshot(), products: productRejects.snapshot() },
  };
}

/** Numeric order of two digit strings, compared as text so no id ever loses precision. */
function compareDecimalIds(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
