import { apiError } from '../auth/api-error.js';

/** `?state=open,claimed` (or repeated) as a list of known states; absent or empty: every state. */
export function stateFilter<S extends string>(query: unknown, known: readonly S[]): S[] | undefined {
  if (query === undefined) return undefined;
  const values = (Array.isArray(query) ? query : [query]).flatMap((q) => String(q).split(',')).filter((s) => s !== '');
  if (values.length === 0) return undefined;
  const bad = values.filter((v) => !known.includes(v as S));
  if (bad.length > 0)
    throw apiError(400, 'VALIDATION_FAILED', `/state: ${bad.join(', ')} is not one of ${known.join(', ')}`);
  return values as S[];
}
