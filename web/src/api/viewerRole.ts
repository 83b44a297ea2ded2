import { graphqlRequest, GraphQLRequestError } from './graphqlRequest.ts';
import { ROLE_PROBE } from './operations.ts';
import type { Role } from './session.ts';

export class InvalidTokenError extends Error {}

/** What this token may do, learnt from the API (see ROLE_PROBE); throws InvalidTokenError for a bad token. */
export async function viewerRole(token: string): Promise<Role> {
  try {
    await graphqlRequest(token, ROLE_PROBE);
  } catch (err) {
    if (!(err instanceof GraphQLRequestError)) throw err;
    if (err.code === 'UNAUTHENTICATED') throw new InvalidTokenError('This API token is not valid. Check it and try again.');
    if (err.code === 'FORBIDDEN') return 'support';
    if (err.code === 'NOT_FOUND') return 'member';
    throw err;
  }
  // No job has the nil id: an answer with data would mean the probe's premise is broken.
  throw new Error('unexpected answer from the API while checking the token');
}
