// Monaco's workers, bundled by Vite: never the esm.sh variant, which loads them from a CDN.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { readSession } from '../api/session.ts';
import { authorizationHeaders, exampleTabs } from './exampleOperations.ts';

const httpUrl = new URL('/graphql', window.location.href).toString();
const wsUrl = httpUrl.replace(/^http/, 'ws');

// With subscriptionUrl, the toolkit opens graphql-ws with the Headers tab as connection params,
// so `{"Authorization": "Bearer …"}` authenticates subscriptions exactly as it does HTTP requests.
const fetcher = createGraphiQLFetcher({ url: httpUrl, subscriptionUrl: wsUrl });

/**
 * Docs and autocomplete come from the SDL the API serves, not from introspection: introspection is
 * off in production, the schema file is not.
 */
async function loadSchema(): Promise<GraphQLSchema> {
  const res = await fetch('/schema.graphql');
  if (!res.ok) throw new Error(`GET /schema.graphql answered ${res.status}`);
  return buildSchema(await res.text());
}

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('playground')!);
  // A token the web app holds for this browser session (same origin) saves pasting it again.
  const token = readSession()?.token ?? null;
  try {
    const schema = await loadSchema();
    root.render(
      <StrictMode>
        <GraphiQL
          fetcher={fetcher}
          schema={schema}
          defaultTabs={exampleTabs(token)}
          defaultHeaders={authorizationHeaders(token)}
          // Tokens stay out of localStorage: only queries and variables are remembered.
          shouldPersistHeaders={false}
        />
      </StrictMode>,
    );
  } catch (err) {
    root.render(<p role="alert">The playground could not load the schema: {(err as Error).message}</p>);
  }
}

void start();
