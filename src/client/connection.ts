/** Where the API is and who is calling: from flags, else the environment, else the local default. */
export interface Connection {
  /** http(s)://…/graphql: queries, mutations and uploads */
  httpUrl: string;
  /** ws(s)://…/graphql: the jobProgress subscription (graphql-ws) */
  wsUrl: string;
  token: string;
}

/** What `npm start` listens on. */
export const DEFAULT_URL = 'http://localhost:4000/graphql';
export const URL_ENV = 'BULKPORT_URL';
export const TOKEN_ENV = 'BULKPORT_TOKEN';

/**
 * Resolves --url/--token against BULKPORT_URL/BULKPORT_TOKEN. A URL without a path (http://host:4000)
 * means its /graphql. Throws with the fix in the message when something is missing or malformed.
 */
export function resolveConnection(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const raw = flags.url ?? (env[URL_ENV] || undefined) ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url '${raw}' is not a URL: use e.g. ${DEFAULT_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--url must start with http:// or https://, got '${raw}'`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  const token = flags.token ?? (env[TOKEN_ENV] || undefined);
  if (!token) {
    throw new Error(`no API token: pass --token TOKEN or set ${TOKEN_ENV} (an operator creates one with: cli token create --workspace NAME)`);
  }
  const httpUrl = url.toString();
  return { httpUrl, wsUrl: httpUrl.replace(/^http/, 'ws'), token };
}
