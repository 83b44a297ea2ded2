import type http from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { WebSocketServer } from 'ws';
import type { AppServices } from '../appServices.ts';
import { authenticate, type Viewer } from '../auth/tokens.ts';
import { isDevelopment } from '../config.ts';
import { createContext } from '../graphql/context.ts';
import { badUserInput, nulProblem } from '../graphql/inputChecks.ts';
import { queryLimitError } from '../graphql/queryLimits.ts';
import { formatError } from './formatError.ts';

/** The codes Apollo gives the same errors over HTTP, so clients switch on one set of codes. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

type Extra = { viewer?: Viewer } & Record<PropertyKey, unknown>;

/**
 * graphql-ws on the HTTP server's /graphql path: the WebSocket side of the API, kept to what the
 * protocol needs. Close codes are graphql-ws's own: 4403 for a missing or bad token at
 * connection_init, 1009 for a frame over the size limit (enforced by ws before anything is parsed).
 *
 * INVARIANT: one bad subscribe message (a syntax error, an invalid query, one subscription too many)
 * answers THAT subscription id with an error; the connection and its other subscriptions go on.
 */
export function attachGraphQLWebSocket(server: http.Server, path: string, schema: GraphQLSchema, services: AppServices) {
  const { config } = services;
  const development = isDevelopment(config);
  const formatHttp = formatError(development);
  // As over HTTP, minus `extensions.http` (the status Apollo sends over HTTP, meaningless here).
  const format = (error: GraphQLError): GraphQLFormattedError => {
    const formatted = formatHttp(error.toJSON(), error);
    if (!formatted.extensions || !('http' in formatted.extensions)) return formatted;
    const { http: _http, ...extensions } = formatted.extensions;
    return { ...formatted, extensions };
  };
  const rules = [...specifiedRules, ...(development ? [] : [NoSchemaIntrospectionCustomRule])];
  const wsServer = new WebSocketServer({ server, path, maxPayload: config.wsMaxPayloadBytes });

  const cleanup = useServer<Record<string, unknown> | undefined, Extra>(
    {
      isProd: !development,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const viewer = await authenticate(services.pool, params.authorization ?? params.Authorization);
        if (!viewer) return false; // graphql-ws closes with 4403 Forbidden
        ctx.extra.viewer = viewer;
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        // ctx.subscriptions already holds this one.
        if (Object.keys(ctx.subscriptions).length > config.wsMaxSubscriptions) {
          return [
            new GraphQLError(`a connection may hold ${config.wsMaxSubscriptions} subscriptions at once: complete one first`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: config.graphqlMaxTokens });
        } catch (err) {
          return [withCode(err instanceof GraphQLError ? err : new GraphQLError('the query could not be parsed'), ApolloServerErrorCode.GRAPHQL_PARSE_FAILED)];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors.map((e) => withCode(e, ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED));
        const nul = nulProblem(document, payload.variables);
        if (nul) return [badUserInput(nul)];
        // The same bound as over HTTP, before anything runs (graphql-ws executes only what this returns).
        const tooMuch = queryLimitError(schema, document, getOperationAST(document, payload.operationName), payload.variables, config.graphqlMaxCost);
        if (tooMuch) return [tooMuch];
        const host = ctx.extra.request.headers.host ?? 'localhost';
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext(services, { viewer: ctx.extra.viewer }, config.publicUrl ?? `http://${host}`),
        };
      },
      // The same masking as over HTTP: no driver message or stack trace leaves outside development.
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(format) } : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wsServer,
  );

  return {
    /** Closes every connection with 1001 (going away), so clients reconnect to another instance. */
    close: () => cleanup.dispose(),
  };
}
