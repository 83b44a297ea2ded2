import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from './apiError.ts';
import type { Connection } from './connection.ts';

interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string };
}

/** Which CLI flag made us send which input field: to explain a refusal by an older server. */
export type FlagFields = Record<string, string>;

/** GraphQL over HTTP with a bearer token: JSON requests and multipart uploads (the GraphQL multipart request spec). */
export class ApiClient {
  constructor(
    readonly connection: Connection,
    /** e.g. { dryRun: '--dry-run' } */
    private readonly flagFields: FlagFields = {},
  ) {}

  request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return this.send<T>({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  }

  /**
   * Sends `variables.input.file` as a multipart upload streamed from disk (never read into memory).
   * `apollo-require-preflight` is what Apollo's CSRF prevention asks of a multipart request.
   */
  async upload<T>(query: string, variables: { input: Record<string, unknown> }, filePath: string, signal?: AbortSignal): Promise<T> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables: { ...variables, input: { ...variables.input, file: null } } }));
    form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.append('0', await fs.openAsBlob(filePath, { type: 'text/csv' }), path.basename(filePath));
    return this.send<T>({ headers: { 'apollo-require-preflight': 'true' }, body: form, signal });
  }

  private async send<T>(init: { headers: Record<string, string>; body: string | FormData; signal?: AbortSignal }): Promise<T> {
    const url = this.connection.httpUrl;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { ...init.headers, authorization: `Bearer ${this.connection.token}` },
        body: init.body,
        signal: init.signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(`cannot reach ${url}: ${cause?.message ?? (err as Error).message}`, 'CONNECTION', { cause: err });
    }
    let body: { data?: T; errors?: GraphQLError[] };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new ApiError(`${url} answered HTTP ${res.status} without a GraphQL response: is it a Bulkport API URL?`, 'HTTP');
    }
    if (body.errors?.length) throw this.explain(body.errors[0]);
    if (!body.data) throw new ApiError(`${url} answered HTTP ${res.status} with no data`, 'HTTP');
    return body.data;
  }

  private explain(error: GraphQLError): ApiError {
    const code = error.extensions?.code ?? 'GRAPHQL_ERROR';
    if (code === 'UNAUTHENTICATED') {
      return new ApiError(`the server refused the API token (it is unknown, expired or revoked): ${error.message}`, code);
    }
    // An older server refuses input fields it does not know; say which flag needs a newer one.
    for (const [field, flag] of Object.entries(this.flagFields)) {
      if (error.message.includes(`"${field}"`) && /not defined|Cannot query field/.test(error.message)) {
        return new ApiError(`this server does not support ${flag} yet: it does not know the field "${field}"`, code);
      }
    }
    return new ApiError(`${error.message} (${code})`, code);
  }
}
