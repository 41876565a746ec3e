import { HttpException } from '@nestjs/common';
import type { Refused } from './lifecycle.js';

/**
 * Codes of the replenishment API beside the hub's own (`auth/api-error.ts`), in the same body
 * `{ statusCode, code, message }`: 409 with a transition refusal (`lifecycle.ts`
 * TRANSITION_REFUSALS), 409 `CHANGED_CONCURRENTLY` when the value kept changing under the request,
 * and 400 `DELIVERY_SITE_UNKNOWN` for an order to a site without a delivery point
 * (`replenishment.delivery.sites`).
 */
export function refusedTransition(refusal: Refused): HttpException {
  return new HttpException({ statusCode: 409, code: refusal.refused, message: refusal.message }, 409);
}

export function changedConcurrently(what: string): HttpException {
  return new HttpException(
    { statusCode: 409, code: 'CHANGED_CONCURRENTLY', message: `${what} kept changing meanwhile; try again` },
    409,
  );
}

export function deliverySiteUnknown(site: string): HttpException {
  return new HttpException(
    {
      statusCode: 400,
      code: 'DELIVERY_SITE_UNKNOWN',
      message: `site ${site} has no delivery point (replenishment.delivery.sites.${site})`,
    },
    400,
  );
}
