import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
  /** The JSON body, or undefined when it is not JSON. */
  json: any;
}

/**
 * Sends bytes exactly as given to the server of `url` and reads the answer until the server closes
 * the connection or `timeoutMs` passes: for requests no well-behaved client would send (NUL bytes in
 * part headers, truncated bodies) and that fetch or FormData would refuse or repair.
 * With `hangUpAfterMs`, the client closes its side that long after sending (a truncated upload).
 */
export function rawRequest(url: string, request: Buffer | string, timeoutMs = 5_000, hangUpAfterMs?: number): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      let body = rest.join('\r\n\r\n');
      if (/transfer-encoding: chunked/i.test(head)) body = unchunk(body);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body, json });
    };
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined); // a reset after the answer is fine; a missing answer shows as status 0
    socket.on('close', finish);
    // Not end(): a half-closed client socket makes Node's HTTP server abort the request it is reading.
    socket.on('connect', () => {
      socket.write(request);
      if (hangUpAfterMs !== undefined) setTimeout(() => socket.end(), hangUpAfterMs);
    });
    socket.once('error', (err) => chunks.length === 0 && reject(err));
  });
}

function unchunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return out;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** An HTTP/1.1 POST /graphql request with a multipart body, as bytes. `Connection: close` ends the exchange. */
export function multipartPost(url: string, boundary: string, body: Buffer | string, headers: Record<string, string> = {}): Buffer {
  const { host, pathname } = new URL(url);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head =
    `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${bytes.length}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** One part of a multipart body. `disposition` is written as given (it may hold any bytes). */
export function part(boundary: string, disposition: string, content: string, extraHeaders = ''): string {
  return `--${boundary}\r\nContent-Disposition: form-data; ${disposition}\r\n${extraHeaders}\r\n${content}\r\n`;
}

export const START_IMPORT_OPERATIONS = JSON.stringify({
  query: 'mutation($input: StartImportInput!) { startImport(input: $input) { id status } }',
  variables: { input: { entity: 'CONTACTS', file: null } },
});

/** A complete, valid startImport multipart body for `csv`, with the file part's disposition replaceable. */
export function startImportBody(boundary: string, csv: string, fileDisposition = 'name="0"; filename="contacts.csv"'): string {
  return (
    part(boundary, 'name="operations"', START_IMPORT_OPERATIONS) +
    part(boundary, 'name="map"', '{"0":["variables.input.file"]}') +
    part(boundary, fileDisposition, csv, 'Content-Type: text/csv\r\n') +
    `--${boundary}--\r\n`
  );
}
