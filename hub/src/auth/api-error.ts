import type {
  RecommendationApiError,
  ReplenishmentApiError,
  ReplenishmentTransitionRefusal,
  RoutingApiError,
  StoreApiError,
} from '@aisle/protocols';
import type { BundleRejectReason } from '@aisle/protocols/model-bundle';
import { HttpException } from '@nestjs/common';

/**
 * Error codes of the REST API; the body is always `{ statusCode, code, message }`. A refused model
 * bundle carries its `BUNDLE_REJECT_REASONS` code; the replenishment API adds its refusals
 * (`REPLENISHMENT_TRANSITION_REFUSALS`, `REPLENISHMENT_API_ERRORS` in `@aisle/protocols`), the
 * routing API its own (`ROUTING_API_ERRORS`), the recommendation API its own
 * (`RECOMMENDATION_API_ERRORS`), the Store view's alert acknowledgements and foot traffic theirs
 * (`STORE_API_ERRORS`).
 */
export type ApiErrorCode =
  | 'AUTH_REQUIRED'
  | 'AUTH_INVALID'
  | 'LOGIN_FAILED'
  | 'FORBIDDEN_ROLE'
  | 'FORBIDDEN_SITE'
  | 'RATE_LIMITED'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'MODEL_TOO_LARGE'
  | 'RANGE_NOT_SATISFIABLE'
  | BundleRejectReason
  | ReplenishmentTransitionRefusal
  | ReplenishmentApiError
  | RoutingApiError
  | RecommendationApiError
  | StoreApiError;

export function apiError(statusCode: number, code: ApiErrorCode, message: string): HttpException {
  return new HttpException({ statusCode, code, message }, statusCode);
}
