// biome-ignore-all lint/correctness/noPrecisionLoss: the coefficients are written as published (20 digits), so they can be checked against AS 241; each parses to the nearest double.
/**
 * The standard normal distribution's quantile function Φ⁻¹(p): Wichura's algorithm AS 241 (PPND16,
 * Applied Statistics 37 (1988) 477–484), accurate to about 1 part in 10¹⁶ over the whole of
 * (0, 1). Safety stock multiplies by it, so an approximation good to three digits (the tables in
 * textbooks) would put its error straight into every order.
 */

// Coefficients for |p − 0.5| ≤ 0.425.
const A = [
  3.387132872796366608, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
  4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3,
] as const;
const B = [
  1, 4.2313330701600911252e1, 6.871870074920579083e2, 5.3941960214247511077e3, 2.1213794301586595867e4,
  3.930789580009271061e4, 2.8729085735721942674e4, 5.226495278852854561e3,
] as const;
// Coefficients for r = √(−ln min(p, 1 − p)) ≤ 5, i.e. p not close to 0, 0.5 or 1.
const C = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258,
  2.4178072517745061177e-1, 2.27238449892691845833e-2, 7.7454501427834140764e-4,
] as const;
const D = [
  1, 2.05319162663775882187, 1.6763848301838038494, 6.8976733498510000455e-1, 1.4810397642748007459e-1,
  1.51986665636164571966e-2, 5.475938084995344946e-4, 1.05075007164441684324e-9,
] as const;
// Coefficients for p within about 10⁻¹¹ of 0 or 1.
const E = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 2.9656057182850489123e-1,
  2.6532189526576123093e-2, 1.2426609473880784386e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
] as const;
const F = [
  1, 5.9983220655588793769e-1, 1.3692988092273580531e-1, 1.48753612908506148525e-2, 7.868691311456132591e-4,
  1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15,
] as const;

/** Σ c[i]·x^i by Horner's rule. */
function polynomial(c: readonly number[], x: number): number {
  let sum = 0;
  for (let i = c.length - 1; i >= 0; i--) sum = sum * x + (c[i] as number);
  return sum;
}

/** Φ⁻¹(p) for p in (0, 1); −∞ at 0, +∞ at 1, `NaN` outside [0, 1]. */
export function inverseNormalCdf(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(A, r)) / polynomial(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = polynomial(C, r) / polynomial(D, r);
  } else {
    r -= 5;
    z = polynomial(E, r) / polynomial(F, r);
  }
  return q < 0 ? -z : z;
}

// Numerical Recipes' `erfcc` coefficients, t⁰ first.
const ERFC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
] as const;

/**
 * erfc(x), the complementary error function, by the Chebyshev-fitted approximation of Numerical
 * Recipes (Press et al., 2nd ed., §6.2, `erfcc`): fractional error below 1.2 × 10⁻⁷ for every x,
 * tails included, which is what the loss function below needs.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z + polynomial(ERFC, t));
  return x >= 0 ? r : 2 - r;
}

/** The standard normal loss function G(z) = φ(z) − z · (1 − Φ(z)): E[(X − z)⁺] for X ~ N(0, 1). */
export function normalLoss(z: number): number {
  return Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI) - z * 0.5 * erfc(z / Math.SQRT2);
}

/**
 * G⁻¹(g): the z at which the normal loss function equals g > 0, by bisection on [−10, 10] (G falls
 * from 10 to 10⁻²⁴ there, so every g a stock policy asks for is inside).
 */
export function inverseNormalLoss(g: number): number {
  if (!(g > 0)) return Number.POSITIVE_INFINITY;
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 64; i++) {
    const mid = (lo + hi) / 2;
    if (normalLoss(mid) > g) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
