import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render as renderPlain, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { useServer } from 'graphql-ws/use/ws';
import type { Client } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { JobProgressFields } from '../api/operations.ts';
import { createProgressClient, progressSourceOf, type ProgressSource } from '../api/progressSource.ts';
import { LiveProgress } from './LiveProgress.tsx';
import type { ProgressView } from './mergeProgress.ts';

/**
 * The live bar against a real graphql-ws server speaking the API's schema (schema.graphql), whose
 * jobProgress events the test sends one by one, and whose sockets it can cut. Only the job queue
 * behind it is stubbed: this is a unit test of the UI.
 */
const SDL = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schema.graphql'), 'utf8');

interface FakeProgressServer {
  url: string;
  /** One entry per subscription the server received: its variables and a way to send it events. */
  subscriptions: { jobId: string; send(e: Partial<JobProgressFields>): void; end(): void }[];
  connectionParams: unknown[];
  /** Cuts every open socket without a close handshake, as a dropped network would. */
  dropConnections(): void;
  close(): Promise<void>;
}

async function startFakeProgressServer(): Promise<FakeProgressServer> {
  const subscriptions: FakeProgressServer['subscriptions'] = [];
  const connectionParams: unknown[] = [];
  const schema = makeExecutableSchema({
    typeDefs: SDL,
    resolvers: {
      Subscription: {
        jobProgress: {
          subscribe: async function* (_: unknown, args: { jobId: string }) {
            const queue: (Partial<JobProgressFields> | 'end')[] = [];
            let wake: (() => void) | null = null;
            subscriptions.push({
              jobId: args.jobId,
              send: (e) => (queue.push(e), wake?.()),
              end: () => (queue.push('end'), wake?.()),
            });
            for (;;) {
              while (queue.length === 0) await new Promise<void>((r) => (wake = r));
              const next = queue.shift()!;
              if (next === 'end') return;
              yield { jobProgress: { jobId: args.jobId, ...next } };
            }
          },
        },
      },
    },
  });
  const server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  // graphql-ws's server, not a React hook: its name only looks like one.
  // eslint-disable-next-line react-hooks/rules-of-hooks
  useServer({ schema, onConnect: (ctx) => void connectionParams.push(ctx.connectionParams) }, wss);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    subscriptions,
    connectionParams,
    dropConnections: () => wss.clients.forEach((socket) => socket.terminate()),
    close: () =>
      new Promise<void>((r) => {
        wss.clients.forEach((socket) => socket.terminate());
        wss.close();
        server.close(() => r());
      }),
  };
}

const event = (processedRows: number, extra: Partial<JobProgressFields> = {}): Partial<JobProgressFields> => ({
  status: 'RUNNING',
  totalRows: 1000,
  processedRows,
  succeededRows: processedRows,
  failedRows: 0,
  percent: processedRows / 10,
  rowsPerSecond: 250,
  etaSeconds: Math.round((1000 - processedRows) / 250),
  ...extra,
});

const QUEUED: ProgressView = {
  status: 'QUEUED',
  totalRows: null,
  processedRows: 0,
  succeededRows: 0,
  failedRows: 0,
  percent: 0,
  rowsPerSecond: null,
  etaSeconds: null,
};

/** The source the app uses, recording each event as it reaches the page. */
function recording(source: ProgressSource): { source: ProgressSource; received: JobProgressFields[] } {
  const received: JobProgressFields[] = [];
  return {
    received,
    source: {
      subscribe: (jobId, sink) => source.subscribe(jobId, { ...sink, next: (e) => (received.push(e), sink.next(e)) }),
    },
  };
}

/** As the app renders: in StrictMode, whose double effects once made a stale `complete` end the bar early. */
const render = (ui: ReactNode) => renderPlain(ui, { wrapper: StrictMode });

const bar = () => screen.getByRole('progressbar', { name: 'Import progress' });
const barValue = () => Number(bar().getAttribute('aria-valuenow'));

describe('the live progress bar', () => {
  let server: FakeProgressServer;
  let client: Client;
  let releaseReconnect: () => void;
  let observed: number[];
  let observer: MutationObserver | undefined;

  beforeEach(async () => {
    server = await startFakeProgressServer();
    client = createProgressClient({
      url: server.url,
      token: 'bp_test-token',
      webSocketImpl: WebSocket,
      // Reconnects wait for the test, so it can see the page while the socket is down.
      retryWait: () => new Promise<void>((r) => (releaseReconnect = r)),
    });
    observed = [];
  });
  afterEach(async () => {
    observer?.disconnect();
    cleanup();
    await client.dispose();
    await server.close();
  });

  /** Every value aria-valuenow takes, in order, as rendered. */
  function watchBar() {
    observed.push(barValue());
    observer = new MutationObserver(() => observed.push(barValue()));
    observer.observe(bar(), { attributes: true, attributeFilter: ['aria-valuenow'] });
  }

  it('should move with each event, show rows done of total, rows per second and time left, then end at 100', async () => {
    const onEnd = vi.fn();
    const { source } = recording(progressSourceOf(client));
    render(<LiveProgress source={source} jobId="job-1" kind="IMPORT" initial={QUEUED} onEnd={onEnd} />);
    watchBar();
    await waitFor(() => expect(server.subscriptions).toHaveLength(1));
    expect(server.subscriptions[0].jobId).toBe('job-1');
    expect(server.connectionParams).toEqual([{ authorization: 'Bearer bp_test-token' }]);

    server.subscriptions[0].send(event(250));
    await waitFor(() => expect(barValue()).toBe(25));
    expect(bar().getAttribute('aria-valuemin')).toBe('0');
    expect(bar().getAttribute('aria-valuemax')).toBe('100');
    expect(screen.getByText('250 of 1,000 rows')).toBeTruthy();
    expect(screen.getByText('250 rows/s')).toBeTruthy();
    expect(screen.getByText('about 3 s left')).toBeTruthy();

    server.subscriptions[0].send(event(1000, { status: 'COMPLETED', percent: 100, etaSeconds: 0 }));
    server.subscriptions[0].end();
    await waitFor(() => expect(onEnd).toHaveBeenCalledTimes(1));
    expect(barValue()).toBe(100);
    expect(onEnd.mock.calls[0][0]).toMatchObject({ status: 'COMPLETED', processedRows: 1000 });
    expect(observed).toEqual([0, 25, 100]);
  });

  it('should resubscribe after the connection drops and never show progress going backwards', async () => {
    const onEnd = vi.fn();
    const { source, received } = recording(progressSourceOf(client));
    render(<LiveProgress source={source} jobId="job-2" kind="IMPORT" initial={QUEUED} onEnd={onEnd} />);
    watchBar();
    await waitFor(() => expect(server.subscriptions).toHaveLength(1));
    server.subscriptions[0].send(event(100));
    await waitFor(() => expect(barValue()).toBe(10));
    server.subscriptions[0].send(event(400));
    await waitFor(() => expect(barValue()).toBe(40));

    server.dropConnections();
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/reconnecting/i));
    expect(barValue()).toBe(40);

    releaseReconnect();
    await waitFor(() => expect(server.subscriptions).toHaveLength(2));
    expect(server.subscriptions[1].jobId).toBe('job-2');
    expect(server.connectionParams).toHaveLength(2);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe(''));

    // The resubscription's first event is the job's state as stored, older than what was shown.
    server.subscriptions[1].send(event(300, { rowsPerSecond: 90 }));
    await waitFor(() => expect(received.map((e) => e.processedRows)).toEqual([100, 400, 300]));
    expect(barValue()).toBe(40);
    expect(screen.getByText('400 of 1,000 rows')).toBeTruthy();
    expect(screen.getByText('250 rows/s')).toBeTruthy();

    server.subscriptions[1].send(event(700));
    await waitFor(() => expect(barValue()).toBe(70));
    server.subscriptions[1].send(event(1000, { status: 'COMPLETED', percent: 100, etaSeconds: 0 }));
    server.subscriptions[1].end();
    await waitFor(() => expect(onEnd).toHaveBeenCalledTimes(1));

    // Every value the bar showed: never the stale 30.
    expect(observed).toEqual([0, 10, 40, 70, 100]);
  });

  it('should offer Cancel to members and call it, and offer none without a cancel action', async () => {
    const onCancel = vi.fn();
    const { source } = recording(progressSourceOf(client));
    const view = render(<LiveProgress source={source} jobId="job-3" kind="IMPORT" initial={QUEUED} onEnd={() => {}} onCancel={onCancel} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledTimes(1);

    view.rerender(<LiveProgress source={source} jobId="job-3" kind="IMPORT" initial={QUEUED} onEnd={() => {}} />);
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
  });
});
