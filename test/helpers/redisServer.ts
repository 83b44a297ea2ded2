import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './appProcess.ts';

/** One connection as CLIENT LIST shows it. */
export interface RedisClientInfo {
  id: string;
  name: string;
  /** 'N' normal, 'P' pub/sub... */
  flags: string;
  /** Channels it is subscribed to. */
  sub: number;
}

export interface OwnRedis {
  url: string;
  port: number;
  /** The test's own connection (named 'test-admin', never counted among the clients). */
  admin: Redis;
  /** Connections on the server, except the test's own (named 'test-…'). */
  clients(): Promise<RedisClientInfo[]>;
  /** Subscribers of a channel (PUBSUB NUMSUB). */
  subscribers(channel: string): Promise<number>;
  /** Stops the server (SIGKILL: every connection drops at once, nothing is saved anyway). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

const REDIS_SERVER = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';

/**
 * A redis-server of the test's own, on a free port, for tests that pause, kill or restart Redis:
 * the shared one at 6379 is never touched. Call stop() in afterAll (it is safe to call twice).
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;

  const start = async () => {
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: 'ignore',
    });
    server = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await sleep(50);
      } finally {
        probe.disconnect();
      }
    }
  };
  await start();
  const admin = new Redis(url, { connectionName: 'test-admin', maxRetriesPerRequest: null });
  admin.on('error', () => undefined); // reconnects by itself after a restart

  return {
    url,
    port,
    admin,
    async clients() {
      const list = (await admin!.client('LIST')) as string;
      return list
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('=', 2) as [string, string])))
        .filter((c) => !c.name?.startsWith('test-'))
        .map((c) => ({ id: c.id, name: c.name ?? '', flags: c.flags, sub: Number(c.sub) }));
    },
    async subscribers(channel) {
      const reply = (await admin!.pubsub('NUMSUB', channel)) as [string, number];
      return Number(reply[1]);
    },
    async stop() {
      const child = server;
      server = undefined;
      if (!child || child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
    start,
  };
}

/** Closes the admin connection and stops the server. */
export async function stopOwnRedis(redis: OwnRedis | undefined): Promise<void> {
  if (!redis) return;
  redis.admin.disconnect();
  await redis.stop();
}
