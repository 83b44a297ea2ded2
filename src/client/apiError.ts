/**
 * Anything the API (or the way to it) refused, in words for the person at the terminal. `code` is the
 * GraphQL `extensions.code` when the server gave one, or CONNECTION / HTTP for transport failures.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}
