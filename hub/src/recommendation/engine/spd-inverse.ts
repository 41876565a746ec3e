/**
 * In-place inverse of a dense symmetric positive-definite matrix (row-major n×n Float64Array) by
 * Gauss-Jordan elimination without pivoting. Pivoting is unnecessary for SPD matrices: every
 * pivot is a Schur complement of an SPD matrix, hence positive, and elimination is backward
 * stable (Higham, Accuracy and Stability of Numerical Algorithms, §10). A pivot that is not
 * positive means the input was not SPD (or λ was too small for the rounding), and it throws
 * rather than returning garbage. Cost n³ multiply-adds; rows are walked contiguously.
 */
export class NotPositiveDefiniteError extends Error {
  readonly code = 'MATRIX_NOT_POSITIVE_DEFINITE';
}

export function invertSpdInPlace(a: Float64Array, n: number): void {
  if (a.length !== n * n) throw new RangeError(`expected ${n}×${n} values, got ${a.length}`);
  for (let k = 0; k < n; k++) {
    const rowK = k * n;
    const pivot = a[rowK + k] as number;
    if (!(pivot > 0)) throw new NotPositiveDefiniteError(`pivot ${k} is ${pivot}`);
    const inv = 1 / pivot;
    a[rowK + k] = 1;
    for (let j = 0; j < n; j++) a[rowK + j] = (a[rowK + j] as number) * inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const rowI = i * n;
      const f = a[rowI + k] as number;
      if (f === 0) continue;
      a[rowI + k] = 0;
      for (let j = 0; j < n; j++) a[rowI + j] = (a[rowI + j] as number) - f * (a[rowK + j] as number);
    }
  }
}
