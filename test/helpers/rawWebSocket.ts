import WebSocket from 'ws';

/**
 * A graphql-transport-ws connection driven message by message, for tests of the protocol's edges
 * (frames a client library would never send). Every frame received is recorded in order.
 */
export class RawGraphQLSocket {
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WebSocket;
  private waiters: Array<() => void> = [];

  private constructor(url: string) {
    this.ws = new WebSocket(url, 'graphql-transport-ws');
    this.ws.on('error', () => undefined); // a refused frame shows as the close code
    this.ws.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        parsed = String(data);
      }
      this.messages.push(parsed);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
  }

  static async open(url: string): Promise<RawGraphQLSocket> {
    const s = new RawGraphQLSocket(url);
    await new Promise<void>((resolve, reject) => {
      s.ws.once('open', () => resolve());
      s.ws.once('close', (code) => reject(new Error(`closed with ${code} before opening`)));
    });
    return s;
  }

  /** Opens a connection and completes connection_init with this token; rejects unless acknowledged. */
  static async acknowledged(url: string, token: string): Promise<RawGraphQLSocket> {
    const s = await RawGraphQLSocket.open(url);
    s.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    const ack = await s.next((m) => m.type === 'connection_ack');
    if (!ack) throw new Error(`connection was not acknowledged: ${JSON.stringify(await s.closed)}`);
    return s;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }

  /** The first message (received so far or later) that matches, or undefined if the socket closes or timeoutMs passes. */
  async next(match: (m: any) => boolean, timeoutMs = 10_000): Promise<any | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      if (this.ws.readyState === WebSocket.CLOSED || Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}
