/**
 * Why the hub's recommender left an item out of a list (`skipped` in each answer, counted in
 * `aisle_hub_recommendation_filtered_total{reason}`): the items ranked above the last one shown
 * that a filter removed. The other items of the list are still served.
 */
export const RECOMMENDATION_FILTER_REASONS = {
  ALREADY_BOUGHT: 'The customer bought it before: `mode=discover` shows new items only (`buy-again` keeps them).',
  OUT_OF_STOCK: 'Every lane of the SKU at this site reports 0 units right now (live shelf levels).',
  NOT_CARRIED: "The site's planogram has no lane for the SKU.",
  EXCLUDED_CATEGORY: 'Its category is in `recommendation.rules.excludeCategories` (a business rule).',
} as const;
export type RecommendationFilterReason = keyof typeof RECOMMENDATION_FILTER_REASONS;

/**
 * The recommendation API's refusals of its own, each with the HTTP status it is answered with; a
 * bad query gets the hub's `VALIDATION_FAILED`, a site outside a staff member's scope `FORBIDDEN_SITE`.
 */
export const RECOMMENDATION_API_ERRORS = {
  RECOMMENDER_NOT_TRAINED: {
    status: 503,
    text: 'No model is trained yet (the first training runs at start; `POST /api/recommendations/retrain`).',
  },
  UNKNOWN_SKU: { status: 404, text: 'The SKU was never sold nor listed in a planogram, so nothing is known of it.' },
} as const;
export type RecommendationApiError = keyof typeof RECOMMENDATION_API_ERRORS;
