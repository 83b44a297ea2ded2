import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { AppServices } from '../appServices.ts';
import { createContext, type GraphQLContext } from '../graphql/context.ts';
import { resolvers } from '../graphql/resolvers.ts';
import { formatError } from './formatError.ts';
import { filesHandler } from './files.ts';
import { healthHandler } from './health.ts';
import { WEB_DIST, webAppRouter } from './webApp.ts';

const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');
const GRAPHQL_PATH = '/graphql';

export interface HttpServer {
  server: http.Server;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The only place that touches HTTP and WebSocket: POST /graphql (JSON and multipart uploads),
 * graphql-ws on the same path, and /healthz. Everything else is delegated to the domain.
 */
export async function createHttpServer(services: AppServices): Promise<HttpServer> {
  const schema = makeExecutableSchema({ typeDefs: fs.readFileSync(SCHEMA_FILE, 'utf8'), resolvers });
  const development = services.config.nodeEnv !== 'production';
  const app = express();
  const server = http.createServer(app);

  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH });
  const wsCleanup = useServer<Record<string, unknown>, { context?: GraphQLContext }>(
    {
      schema,
      context: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const host = ctx.extra.request.headers.host ?? 'localhost';
        return createContext(services, params.authorization ?? params.Authorization, services.config.publicUrl ?? `http://${host}`);
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    introspection: development,
    includeStacktraceInErrorResponses: development,
    stopOnTerminationSignals: false,
    formatError: formatError(development),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();

  app.get('/healthz', healthHandler(services.pool, development));
  app.get('/files/:jobId', filesHandler(services));
  app.use(
    GRAPHQL_PATH,
    // One file per request; +1 byte so that an oversized file is detected (the store enforces the exact limit).
    graphqlUploadExpress({ maxFileSize: services.config.maxUploadBytes + 1, maxFiles: 1 }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => createContext(services, req.headers.authorization, services.config.publicUrl ?? `${req.protocol}://${req.get('host')}`),
    }),
  );
  // The web app, the playground and GET /schema.graphql: after the API's routes, never shadowing them.
  app.use(webAppRouter({ distDir: WEB_DIST, schemaFile: SCHEMA_FILE }));
  // Errors raised before GraphQL runs (a malformed multipart request, too many files) still answer in GraphQL's shape.
  app.use((err: Error & { status?: number; expose?: boolean }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? 500;
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
      wsServer.close();
    },
  };
}
