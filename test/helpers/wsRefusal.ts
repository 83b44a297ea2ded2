import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { JOB_PROGRESS } from './graphqlClient.ts';

/**
 * How the WebSocket transport refuses a token for a jobProgress subscription: a GraphQL error's
 * code (per-subscription authentication) or the close code (authentication in connection_init).
 * Resolves 'ACCEPTED' if an event arrives instead.
 */
export function wsRefusal(wsUrl: string, token: string, jobId: string): Promise<string | number> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  return new Promise<string | number>((resolve) => {
    const end = (outcome: string | number) => {
      resolve(outcome);
      void client.dispose();
    };
    client.subscribe(
      { query: JOB_PROGRESS, variables: { id: jobId } },
      {
        next: (msg) => end(msg.errors ? String(msg.errors[0].extensions?.code) : 'ACCEPTED'),
        error: (err) => {
          if (Array.isArray(err)) return end(String(err[0]?.extensions?.code));
          if (err && typeof err === 'object' && 'code' in err) return end((err as { code: number }).code);
          end(`error: ${String(err)}`);
        },
        complete: () => end('COMPLETED WITHOUT EVENT'),
      },
    );
  });
}
