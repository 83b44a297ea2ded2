/**
 * Errors the domain raises for the caller to see. `code` is stable and becomes the GraphQL
 * `extensions.code`; clients switch on it. Anything else is an internal error and is not shown.
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail, e.g. { reason: 'FILE_TOO_LARGE' }. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** graphql-js copies an original error's `extensions` onto the GraphQLError it wraps it in. */
  get extensions(): Record<string, unknown> {
    return { code: this.code, ...this.details };
  }
}

export const unauthenticated = () => new AppError('UNAUTHENTICATED', 'a valid API token is required: send "Authorization: Bearer <token>"');
export const forbidden = (what: string) => new AppError('FORBIDDEN', what);
export const notFound = (what: string) => new AppError('NOT_FOUND', what);
export const badInput = (message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) =>
  new AppError('BAD_USER_INPUT', message, details, options);
