import { REPLENISHMENT_API_ERRORS, REPLENISHMENT_TRANSITION_REFUSAL_STATUS } from '@aisle/protocols';
import type { HttpException } from '@nestjs/common';
import { apiError } from '../auth/api-error.js';
import type { Refused } from './lifecycle.js';

/**
 * The replenishment API's own refusals, with the codes and statuses of the wire contract
 * (`@aisle/protocols` replenishment/reasons.ts, listed in docs/api/errors.md): 409 with a
 * transition refusal, 409 `CHANGED_CONCURRENTLY` when the value kept changing under the request,
 * and 400 `DELIVERY_SITE_UNKNOWN` for an order to a site without a delivery point
 * (`replenishment.delivery.sites`).
 */
export function refusedTransition(refusal: Refused): HttpException {
  return apiError(REPLENISHMENT_TRANSITION_REFUSAL_STATUS, refusal.refused, refusal.message);
}

export function changedConcurrently(what: string): HttpException {
  return apiError(
    REPLENISHMENT_API_ERRORS.CHANGED_CONCURRENTLY.status,
    'CHANGED_CONCURRENTLY',
    `${what} kept changing meanwhile; try again`,
  );
}

export function deliverySiteUnknown(site: string): HttpException {
  return apiError(
    REPLENISHMENT_API_ERRORS.DELIVERY_SITE_UNKNOWN.status,
    'DELIVERY_SITE_UNKNOWN',
    `site ${site} has no delivery point (replenishment.delivery.sites.${site})`,
  );
}
