import type { ApolloServerPlugin } from '@apollo/server';
import { badUserInput, nulProblem, rootFieldCount } from '../graphql/inputChecks.ts';
import { queryLimitError } from '../graphql/queryLimits.ts';

/**
 * Request checks Apollo runs once the operation is known and before any resolver runs, so a
 * refused request has done nothing: no file stored, no job created.
 */
export function requestGuards<T extends object>(limits: { maxCost: number }): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, schema }) {
          // Bounded work per request. Refused here, a JSON request has not touched the database at all: its
          // token is looked up lazily, by the first resolver that needs the viewer.
          const tooMuch = queryLimitError(schema, document, operation, request.variables, limits.maxCost);
          if (tooMuch) throw tooMuch;
          const nul = nulProblem(document, request.variables);
          if (nul) throw badUserInput(nul);
          // One file cannot feed two fields: with aliases (a: startImport, b: startImport) the first
          // would store and queue its job, then the second fail, and the client never learn the first id.
          const multipart = request.http?.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data');
          if (multipart && operation && rootFieldCount(document, operation) > 1) {
            throw badUserInput('a request that uploads a file may contain only one field: send one request per import', { reason: 'UPLOAD_USED_TWICE' });
          }
        },
      };
    },
  };
}
