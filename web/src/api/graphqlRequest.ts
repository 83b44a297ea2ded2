/** GraphQL over HTTP from the browser: JSON POST /graphql with the session's bearer token. */

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A GraphQL (or transport) error, with the API's stable `extensions.code` when it sent one. */
export class GraphQLRequestError extends Error {
  readonly code: string | undefined;
  readonly errors: GraphQLErrorShape[];

  constructor(errors: GraphQLErrorShape[], fallback = 'the request failed') {
    super(errors[0]?.message ?? fallback);
    this.errors = errors;
    this.code = errors[0]?.extensions?.code;
  }
}

export const GRAPHQL_PATH = '/graphql';

/**
 * True when the server does not know an operation's fields or arguments. Issue 7's server half
 * (suggestMapping, mappings, saveMapping, dryRun, failedRowsUrl) may be missing from the API the
 * app talks to; the app then offers what that server supports instead of failing whole pages.
 */
export function isUnsupportedByServer(err: unknown): boolean {
  return err instanceof GraphQLRequestError && err.code === 'GRAPHQL_VALIDATION_FAILED';
}

/** Reads a GraphQL response body, throwing GraphQLRequestError when it carries errors. */
export function dataOrThrow<T>(status: number, body: unknown): T {
  const parsed = body as { data?: T; errors?: GraphQLErrorShape[] } | null;
  if (parsed?.errors?.length) throw new GraphQLRequestError(parsed.errors);
  if (!parsed?.data) throw new GraphQLRequestError([], `the API answered HTTP ${status} without data`);
  return parsed.data;
}

export async function graphqlRequest<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new GraphQLRequestError([{ message: 'the API cannot be reached; check your connection and try again' }], String(err));
  }
  const body: unknown = await res.json().catch(() => null);
  return dataOrThrow<T>(res.status, body);
}
