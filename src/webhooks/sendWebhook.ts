import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isPublicAddress, PrivateAddressRefused, publicOnlyLookup, urlHost } from './addressPolicy.ts';

export interface SendOutcome {
  /** The HTTP status of the answer; null when none came (refused address, connection error, timeout). */
  statusCode: number | null;
  durationMs: number;
  /** Why no answer came; null when one did. */
  error: string | null;
}

/** Bytes of an answer read (and thrown away) at most: a receiver's answer is not ours to store. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one webhook: its whole exchange (connect, send, answer) must end within timeoutMs. Redirects
 * are not followed (a 3xx is a failed attempt). With publicOnly, the address connected to is the one
 * checked: IP literals are checked here, names in the lookup the connection uses.
 * Never throws: every outcome is something to record.
 */
export async function sendWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  o: { timeoutMs: number; publicOnly: boolean },
): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const target = new URL(url);
    const host = urlHost(target);
    if (o.publicOnly && net.isIP(host) && !isPublicAddress(host)) throw new PrivateAddressRefused(host, host);
    const statusCode = await post(target, body, headers, o);
    return { statusCode, durationMs: elapsed(), error: null };
  } catch (err) {
    return { statusCode: null, durationMs: elapsed(), error: (err as Error).message || String(err) };
  }
}

function post(target: URL, body: string, headers: Record<string, string>, o: { timeoutMs: number; publicOnly: boolean }): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const send = target.protocol === 'https:' ? https.request : http.request;
    const req = send(target, {
      method: 'POST',
      agent: false, // one connection per attempt: no pooled socket outlives the address check
      lookup: o.publicOnly ? publicOnlyLookup : undefined,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Bulkport-Webhooks/1' },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy(); // the status is all we need
      });
      res.on('error', fail);
      res.on('close', () => {
        clearTimeout(timer);
        if (res.complete || read > MAX_ANSWER_BYTES) resolve(res.statusCode ?? 0);
        else reject(new Error(`the answer was cut off after ${read} bytes`));
      });
    });
    req.end(body);
  });
}
