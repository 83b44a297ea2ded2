import { createClient, type Client } from 'graphql-ws';
import { JOB_PROGRESS, type JobProgressFields } from './operations.ts';

export type ConnectionState = 'connected' | 'reconnecting';

export interface ProgressSink {
  next(event: JobProgressFields): void;
  error(message: string): void;
  complete(): void;
  /** The socket dropped (reconnecting) or is back (connected); the subscription resumes by itself. */
  connection(state: ConnectionState): void;
}

/** Live progress of one job: subscribe, get events, unsubscribe with the returned function. */
export interface ProgressSource {
  subscribe(jobId: string, sink: ProgressSink): () => void;
}

export interface ProgressClientOptions {
  /** ws:// or wss:// URL of /graphql. */
  url: string;
  token: string;
  /** For tests outside a browser. */
  webSocketImpl?: unknown;
  /** Delay before reconnect attempt n (from 0). @default exponential from 0.5 s up to 10 s, with jitter */
  retryWait?: (attempt: number) => Promise<void>;
}

/** graphql-ws's close code for a refused token (checked in connection_init). */
const FORBIDDEN_CLOSE = 4403;

function defaultRetryWait(attempt: number): Promise<void> {
  const ms = Math.min(10_000, 500 * 2 ** attempt) + Math.random() * 300;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isCloseEvent(value: unknown): value is { code: number } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as { code: unknown }).code === 'number';
}

/**
 * One graphql-ws connection per signed-in session. graphql-ws resubscribes every active
 * subscription after a reconnect and the server answers a new subscription with the job's
 * current state first, so a dropped socket costs at most a gap, never a stuck bar.
 */
export function createProgressClient(options: ProgressClientOptions): Client {
  return createClient({
    url: options.url,
    connectionParams: { authorization: `Bearer ${options.token}` },
    lazy: true,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait: options.retryWait ?? defaultRetryWait,
    // A refused token stays refused: stop instead of hammering the server.
    shouldRetry: (errOrClose) => !(isCloseEvent(errOrClose) && errOrClose.code === FORBIDDEN_CLOSE),
    ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
  });
}

function describeError(err: unknown): string {
  if (Array.isArray(err)) return err.map((e: { message?: string }) => e.message ?? String(e)).join('; ');
  if (isCloseEvent(err)) return err.code === FORBIDDEN_CLOSE ? 'the API refused this token for live progress' : `the live connection closed (${err.code})`;
  if (err instanceof Error) return err.message;
  return 'the live connection failed';
}

export function progressSourceOf(client: Client): ProgressSource {
  return {
    subscribe(jobId, sink) {
      // INVARIANT: the sink hears nothing once this subscription is over. graphql-ws calls
      // `complete` even after a local unsubscribe, and lazy mode closes the socket on purpose after
      // the last subscription ends: neither is news for the page.
      let live = true;
      let dropped = false;
      const offClosed = client.on('closed', () => {
        if (live && !dropped) {
          dropped = true;
          sink.connection('reconnecting');
        }
      });
      const offConnected = client.on('connected', () => {
        if (live && dropped) {
          dropped = false;
          sink.connection('connected');
        }
      });
      const end = () => {
        const wasLive = live;
        live = false;
        offClosed();
        offConnected();
        return wasLive;
      };
      const unsubscribe = client.subscribe<{ jobProgress: JobProgressFields }>(
        { query: JOB_PROGRESS, variables: { jobId } },
        {
          next: (msg) => {
            if (!live) return;
            if (msg.errors?.length) sink.error(describeError(msg.errors));
            else if (msg.data) sink.next(msg.data.jobProgress);
          },
          error: (err) => {
            if (end()) sink.error(describeError(err));
          },
          complete: () => {
            if (end()) sink.complete();
          },
        },
      );
      return () => {
        end();
        unsubscribe();
      };
    },
  };
}
