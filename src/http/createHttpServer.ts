import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { AppServices } from '../appServices.ts';
import { authenticate } from '../auth/tokens.ts';
import { isDevelopment } from '../config.ts';
import { createContext, type GraphQLContext } from '../graphql/context.ts';
import { resolvers } from '../graphql/resolvers.ts';
import { formatError } from './formatError.ts';
import { failedRowsHandler, filesHandler } from './files.ts';
import { attachGraphQLWebSocket } from './graphqlWebSocket.ts';
import { answerProbe, PROBE_PATHS, type ProbeDeps } from './health.ts';
import { requestGuards } from './requestGuards.ts';
import { uploadGate } from './uploads/uploadGate.ts';
import { WEB_DIST, webAppRouter } from './webApp.ts';
import { log } from '../observability/logger.ts';

const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');
const GRAPHQL_PATH = '/graphql';
/** Largest `operations` or `map` multipart field, and largest JSON body. */
const MAX_FIELD_BYTES = 1024 * 1024;

export interface HttpServer {
  server: http.Server;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The only place that touches HTTP and WebSocket: POST /graphql (JSON and multipart uploads),
 * graphql-ws on the same path, /healthz, /readyz and /metrics. Everything else is delegated to the domain.
 */
export async function createHttpServer(services: AppServices): Promise<HttpServer> {
  const schema = makeExecutableSchema({ typeDefs: fs.readFileSync(SCHEMA_FILE, 'utf8'), resolvers });
  const development = isDevelopment(services.config);
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);
  const ws = attachGraphQLWebSocket(server, GRAPHQL_PATH, schema, services);

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    introspection: development,
    includeStacktraceInErrorResponses: development,
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: services.config.graphqlMaxTokens },
    formatError: formatError(development),
    plugins: [
      // In-flight requests get a third of the shutdown budget; the worker needs the rest.
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: Math.floor(services.config.shutdownTimeoutMs / 3) }),
      requestGuards<GraphQLContext>({ maxCost: services.config.graphqlMaxCost }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.close();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  const probes: ProbeDeps = {
    pool: services.pool,
    bus: services.bus,
    redisConfigured: Boolean(services.config.redisUrl),
    metrics: services.metrics,
    development,
  };
  for (const probePath of PROBE_PATHS) {
    app.get(probePath, async (_req, res) => {
      const answer = await answerProbe(probePath, probes);
      res.status(answer.status).type(answer.contentType).send(answer.body);
    });
  }
  app.get('/files/:jobId', filesHandler(services));
  app.get('/files/:jobId/failed-rows', failedRowsHandler(services));
  app.use(
    GRAPHQL_PATH,
    uploadGate({
      authenticate: (authorization) => authenticate(services.pool, authorization),
      // One file per request; +1 byte so that an oversized file is detected (the store enforces the exact limit).
      limits: { maxFileBytes: services.config.maxUploadBytes + 1, maxFiles: 1, maxFieldBytes: MAX_FIELD_BYTES },
    }),
    express.json({ limit: MAX_FIELD_BYTES }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(
          services,
          { authorization: req.headers.authorization, viewer: res.locals.viewer },
          services.config.publicUrl ?? `${req.protocol}://${req.get('host')}`,
        ),
    }),
  );
  // The web app, the playground and GET /schema.graphql: after the API's routes, never shadowing them.
  app.use(webAppRouter({ distDir: WEB_DIST, schemaFile: SCHEMA_FILE }));
  // Errors raised before GraphQL runs (a malformed JSON body, a database outage while authenticating)
  // still answer in GraphQL's shape, and say nothing of internals outside development.
  app.use((err: Error & { status?: number; expose?: boolean }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? 500;
    if (status >= 500) log('api').error({ err }, 'request failed');
    const message = status < 500 || development ? err.message : 'internal server error';
    res.status(status).json({ errors: [{ message, extensions: { code: status < 500 ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR' } }] });
  });

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      }),
    close: async () => {
      await apollo.stop();
    },
  };
}
