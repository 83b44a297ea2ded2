import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ApiClient } from './apiClient.ts';
import { ApiError } from './apiError.ts';
import { JOB_PROGRESS, POLL_JOB, TERMINAL, type ProgressEvent } from './operations.ts';

export interface FollowOptions {
  /** Called for every progress event, the terminal one included. */
  onEvent: (event: ProgressEvent) => void;
  /** Called once if live progress is unavailable and the CLI falls back to polling. */
  onFallback?: (reason: string) => void;
  /** @default 1000 */
  pollIntervalMs?: number;
}

/**
 * Follows a job to its terminal state: the jobProgress subscription over graphql-ws, or, when the
 * WebSocket cannot be used (a proxy that drops upgrades, a refused connection, an error mid-way),
 * polling job(id) over HTTP. Resolves with the terminal event.
 */
export async function followJob(api: ApiClient, jobId: string, opts: FollowOptions): Promise<ProgressEvent> {
  try {
    const end = await subscribe(api, jobId, opts.onEvent);
    if (end.terminal) return end.terminal;
    opts.onFallback?.(end.reason);
  } catch (err) {
    opts.onFallback?.((err as Error).message);
  }
  return poll(api, jobId, opts);
}

type SubscriptionEnd = { terminal: ProgressEvent } | { terminal?: undefined; reason: string };

/**
 * A WebSocket can die without closing (a dropped NAT mapping, a proxy's idle timeout): after this long
 * without an event, polling takes over. The server sends one at least every second while rows move.
 */
const SILENT_SOCKET_MS = 30_000;

function subscribe(api: ApiClient, jobId: string, onEvent: (e: ProgressEvent) => void): Promise<SubscriptionEnd> {
  const { wsUrl, token } = api.connection;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
    connectionAckWaitTimeout: 10_000,
  });
  return new Promise<SubscriptionEnd>((resolve) => {
    let settled = false;
    let lastHeard = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastHeard > SILENT_SOCKET_MS) finish({ reason: `no event for ${SILENT_SOCKET_MS / 1000} s` });
    }, 1000);
    const finish = (end: SubscriptionEnd) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      resolve(end);
      void client.dispose();
    };
    client.subscribe<{ jobProgress: ProgressEvent }>(
      { query: JOB_PROGRESS, variables: { id: jobId } },
      {
        next: (msg) => {
          lastHeard = Date.now();
          if (msg.errors?.length) return finish({ reason: msg.errors.map((e) => e.message).join('; ') });
          const event = msg.data?.jobProgress;
          if (!event) return;
          onEvent(event);
          if (TERMINAL.includes(event.status)) finish({ terminal: event });
        },
        error: (err) => finish({ reason: describeSocketError(err) }),
        complete: () => finish({ reason: 'the subscription ended before the job did' }),
      },
    );
  });
}

/** graphql-ws reports a CloseEvent, an Error, or a list of GraphQL errors. */
function describeSocketError(err: unknown): string {
  if (Array.isArray(err)) return err.map((e: { message?: string }) => e.message).join('; ');
  if (err && typeof err === 'object' && 'code' in err && 'reason' in err) {
    const close = err as { code: number; reason: string };
    return `WebSocket closed (${close.code}${close.reason ? `: ${close.reason}` : ''})`;
  }
  return err instanceof Error ? err.message : String(err);
}

async function poll(api: ApiClient, jobId: string, opts: FollowOptions): Promise<ProgressEvent> {
  const interval = opts.pollIntervalMs ?? 1000;
  for (;;) {
    const { job } = await api.request<{ job: ProgressEvent | null }>(POLL_JOB, { id: jobId });
    if (!job) throw new ApiError(`job ${jobId} is not visible with this token any more`, 'NOT_FOUND');
    opts.onEvent(job);
    if (TERMINAL.includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
