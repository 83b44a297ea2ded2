import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The request's path: one receiver can play several endpoints. */
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The status this receiver answered with. */
  answered: number;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>, to which a test appends a path per endpoint. */
  url: string;
  received: ReceivedWebhook[];
  /** Received messages answered 2xx. */
  accepted(): ReceivedWebhook[];
  /** Resolves once `until` holds for what was received (bounded: throws after timeoutMs). */
  waitFor(until: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type Answer = number | { status: number; afterMs: number };

/**
 * A real HTTP server that plays a partner's webhook endpoint: it records every request (headers and
 * raw body, byte for byte as signed) and answers with what `answer` says for it (a status, maybe
 * after a delay), given how many requests with the same webhook-id came before. By default 200 at once.
 */
export async function startWebhookReceiver(
  answer: (msg: Omit<ReceivedWebhook, 'answered'>, seenBefore: number) => Answer = () => 200,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const msg = { path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
      const seenBefore = received.filter((r) => r.headers['webhook-id'] === headers['webhook-id']).length;
      const a = answer(msg, seenBefore);
      const { status, afterMs } = typeof a === 'number' ? { status: a, afterMs: 0 } : a;
      received.push({ ...msg, answered: status });
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try again');
      }, afterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    accepted: () => received.filter((r) => r.answered >= 200 && r.answered < 300),
    async waitFor(until, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!until(received)) {
        if (Date.now() > deadline) throw new Error(`the receiver did not get the expected webhooks in ${timeoutMs} ms; got ${received.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
