import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '../errors.ts';
import { log } from '../observability/logger.ts';

/**
 * Shapes every GraphQL error the API returns. Domain errors keep their stable code; anything
 * unexpected is logged and, outside development, reduced to a generic message with no internals.
 */
export function formatError(development: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    // A domain error: graphql-js has already copied its code and details into the extensions.
    if (original instanceof AppError) return formatted;
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      log('api').error({ err: original }, 'unexpected error');
      if (!development) return { message: 'internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    return formatted;
  };
}
