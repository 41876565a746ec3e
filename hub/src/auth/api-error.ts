import { HttpException } from '@nestjs/common';

/** Error codes of the REST API; the body is always `{ statusCode, code, message }`. */
export type ApiErrorCode =
  | 'AUTH_REQUIRED'
  | 'AUTH_INVALID'
  | 'LOGIN_FAILED'
  | 'FORBIDDEN_ROLE'
  | 'FORBIDDEN_SITE'
  | 'RATE_LIMITED'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT';

export function apiError(statusCode: number, code: ApiErrorCode, message: string): HttpException {
  return new HttpException({ statusCode, code, message }, statusCode);
}
