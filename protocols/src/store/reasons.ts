/**
 * The Store view's REST refusals of its own (alert acknowledgements, foot-traffic history), each
 * with the HTTP status it is answered with; a bad body or query gets the hub's `VALIDATION_FAILED`,
 * a site outside a staff member's scope `FORBIDDEN_SITE`.
 */
export const STORE_API_ERRORS = {
  SITE_UNKNOWN: { status: 404, text: 'The site is not in the registry (`POST /api/sites`).' },
  ALERT_NOT_HELD: {
    status: 409,
    text: 'No alert with this key holds at the site (never raised, or cleared since): nothing to acknowledge.',
  },
  ALERT_RAISED_AGAIN: {
    status: 409,
    text: 'The alert was raised again after the raising being acknowledged (its `since` differs): the new raising needs its own acknowledgement.',
  },
  FOOTFALL_RANGE_TOO_LONG: {
    status: 400,
    text: 'The foot-traffic range `from`–`to` is longer than the hub serves (`footfall.maxRangeHours`).',
  },
} as const;
export type StoreApiError = keyof typeof STORE_API_ERRORS;
