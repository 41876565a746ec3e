/**
 * Velocity (ABC) classes by share of sales: SKUs ranked by units sold, descending; a SKU is A while
 * the SKUs ranked before it hold less than `cutoffs.A` of all sales (so the top seller is always
 * A, and so is the one that crosses the cutoff), B while they hold less than `cutoffs.B`, else C.
 * Each class has its own target service level: fast movers earn the most protection per unit.
 */

export const VELOCITY_CLASSES = ['A', 'B', 'C'] as const;
export type VelocityClass = (typeof VELOCITY_CLASSES)[number];

/** Target cycle service level per class, each within (0, 1). */
export type ServiceLevels = Readonly<Record<VelocityClass, number>>;

export const DEFAULT_SERVICE_LEVELS: ServiceLevels = { A: 0.98, B: 0.95, C: 0.9 };

export interface VelocityCutoffs {
  readonly A: number;
  readonly B: number;
}

/** Ties in sales are ranked by SKU, so the classes do not depend on the map's order. */
export function classifyVelocity(
  unitsSold: ReadonlyMap<string, number>,
  cutoffs: VelocityCutoffs = { A: 0.8, B: 0.95 },
): Map<string, VelocityClass> {
  const ranked = [...unitsSold].map(([sku, units]) => [sku, Math.max(0, Number.isFinite(units) ? units : 0)] as const);
  ranked.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const total = ranked.reduce((sum, [, units]) => sum + units, 0);
  const classes = new Map<string, VelocityClass>();
  let before = 0;
  for (const [sku, units] of ranked) {
    const share = total === 0 ? 1 : before / total;
    classes.set(sku, units === 0 ? 'C' : share < cutoffs.A ? 'A' : share < cutoffs.B ? 'B' : 'C');
    before += units;
  }
  return classes;
}
