/**
 * Every setting Bulkport reads, in one place. Environment variables map onto
 * this object here and nowhere else; the rest of the code receives a Config.
 */
import path from 'node:path';

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  /** HTTP and WebSocket port. @default 4000 (env PORT) */
  port: number;
  /** Interface to listen on. @default '127.0.0.1' in development, '0.0.0.0' otherwise (env HOST) */
  host: string;
  /** PostgreSQL URL. @default unset: an embedded PostgreSQL under dataDir (env DATABASE_URL) */
  databaseUrl: string | undefined;
  /** Redis URL. @default unset: an in-process progress bus, single process only (env REDIS_URL) */
  redisUrl: string | undefined;
  /**
   * Publishing progress never waits for Redis; a publish Redis has not answered within this many ms is
   * given up (Redis paused or unreachable), and subscribers re-read PostgreSQL meanwhile. @default 1000 (env REDIS_PUBLISH_TIMEOUT_MS)
   */
  redisPublishTimeoutMs: number;
  /**
   * A watched job the bus has said nothing about for this long is re-read from PostgreSQL (once per API
   * process), so a subscriber waits at most about this plus a tenth for its next event: 700 keeps that
   * under the schema's one second, with room for the read itself. @default 700 (env PROGRESS_POLL_MS)
   */
  progressPollMs: number;
  /** Prefix of every Redis channel, so several deployments (or test files) share one Redis. @default 'bulkport:' (env REDIS_PREFIX) */
  redisPrefix: string;
  /** Where the embedded PostgreSQL and the local file store live. @default './.data' (env DATA_DIR) */
  dataDir: string;
  /** Local blob store directory. @default '<dataDir>/files' (env STORAGE_DIR) */
  storageDir: string;
  /** S3 bucket for files. @default unset: the local directory store (env S3_BUCKET) */
  s3Bucket: string | undefined;
  /** S3-compatible endpoint (MinIO, R2, ...). @default unset: AWS (env S3_ENDPOINT) */
  s3Endpoint: string | undefined;
  /** @default 'us-east-1' (env S3_REGION) */
  s3Region: string;
  /** Key prefix in the bucket. @default '' (env S3_PREFIX) */
  s3Prefix: string;
  /** Path-style URLs (most S3-compatible stores need them). @default true when S3_ENDPOINT is set (env S3_FORCE_PATH_STYLE) */
  s3ForcePathStyle: boolean;
  /** Credentials; unset uses the AWS SDK's default chain (AWS_ACCESS_KEY_ID, instance roles...). (env S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) */
  s3AccessKeyId: string | undefined;
  s3SecretAccessKey: string | undefined;
  /** Port of the embedded PostgreSQL. @default 54329 (env EMBEDDED_PG_PORT) */
  embeddedPgPort: number;
  /**
   * Running as root, the embedded PostgreSQL runs as user 'postgres'. When that user cannot enter the
   * checkout (it is under /root, mode 700), its binaries are copied to, and its data kept in, this
   * directory instead of node_modules and DATA_DIR. @default '/var/lib/bulkport' (env EMBEDDED_PG_RUN_DIR)
   */
  embeddedPgRunDir: string;
  /** Largest accepted upload, in bytes, enforced while streaming. @default 1 GiB (env MAX_UPLOAD_BYTES) */
  maxUploadBytes: number;
  /** Data rows per chunk: the unit of commit, progress and cancellation. @default 10000 (env CHUNK_SIZE) */
  chunkSize: number;
  /** A chunk also closes once its encoded rows and errors pass this many bytes. @default 32 MiB (env MAX_CHUNK_BYTES) */
  maxChunkBytes: number;
  /** Row errors stored per job; past it rows still fail and count in failedRows, and Job.errorsTruncated says so. @default 100000 (env MAX_ROW_ERRORS) */
  maxRowErrors: number;
  /** Jobs a workspace may run at once unless set per workspace; more wait QUEUED, in order. @default 10 (env WORKSPACE_MAX_CONCURRENT_JOBS) */
  workspaceMaxConcurrentJobs: number;
  /** Rows a workspace may hold per entity unless set per workspace. @default unset: no limit (env WORKSPACE_MAX_ROWS) */
  workspaceMaxRows: number | undefined;
  /** Tasks one worker process runs at once: one import reads its file while the others merge. @default 3 (env WORKER_CONCURRENCY) */
  workerConcurrency: number;
  /**
   * log2 of the bits of the in-file duplicate filter each import holds at most (26 = 8 MB); a smaller
   * file gets 16 bits per byte of it, at least 8 KB (keyFilter.ts). Smaller saves memory but defers more
   * rows to the set-based check after staging. @default 26 (env KEY_FILTER_BITS)
   */
  keyFilterBits: number;
  /**
   * A fresh import's chunks are COPied straight into the entity's table by the stage task while no
   * key of the file exists yet (one pass over the data: fastest when the database shares the
   * machine). false stages every chunk and merges it as a task any worker process can run, which
   * spreads the database work over workers (a separate database server with cores to spare).
   * Imports that meet existing keys merge either way. @default true (env DIRECT_CHUNKS)
   */
  directChunks: boolean;
  /**
   * An import's file of at least this many bytes is parsed and validated in a worker thread while
   * the task commits the chunks before it: both cores work, and PostgreSQL's answers are read at
   * once. A thread costs tens of milliseconds to start, so small files are parsed in the task.
   * 0 parses every file in a thread; a value above MAX_UPLOAD_BYTES none. @default 8 MiB (env PARSE_THREAD_MIN_BYTES)
   */
  parseThreadMinBytes: number;
  /** Attempts at a task that fails with an error before its job is FAILED (retries back off exponentially, with jitter). @default 5 (env JOB_MAX_ATTEMPTS) */
  jobMaxAttempts: number;
  /** A RUNNING job with no task left that can run, and no update for this long, is failed by the sweeper. @default 120 (env STUCK_JOB_SECONDS) */
  stuckJobSeconds: number;
  /** How often a worker process records its heartbeat (and runs the reaper). @default 2000 (env HEARTBEAT_INTERVAL_MS) */
  heartbeatIntervalMs: number;
  /** A worker whose heartbeat is older than this is dead: its tasks are freed and resume elsewhere. @default 10 (env WORKER_DEAD_AFTER_SECONDS) */
  workerDeadAfterSeconds: number;
  /** A process asked to stop (SIGTERM) exits after at most this long, handing back the work it has not finished. @default 10000 (env SHUTDOWN_TIMEOUT_MS) */
  shutdownTimeoutMs: number;
  /** Days after a job ends before its uploaded file and export result are deleted. @default 7 (env FILE_RETENTION_DAYS) */
  fileRetentionDays: number;
  /**
   * zlib level of `gzip: true` exports, 1 (fastest) to 9 (smallest). @default 1 (env EXPORT_GZIP_LEVEL):
   * measured on 1M contacts, level 1 took 40% less CPU than zlib's usual 6 for a file 30% larger.
   */
  exportGzipLevel: number;
  /** How long a download link stays valid, in seconds. @default 3600 (env DOWNLOAD_LINK_TTL_SECONDS) */
  downloadLinkTtlSeconds: number;
  /** Key that signs download links. @default unset: a random key kept in the database, shared by every instance (env SIGNING_SECRET) */
  signingSecret: string | undefined;
  /** Public base URL of the API for links (behind a proxy). @default unset: taken from the request's Host (env PUBLIC_URL) */
  publicUrl: string | undefined;
  /** PostgreSQL pool size per process. @default 10 (env PG_POOL_SIZE) */
  pgPoolSize: number;
  /**
   * Anything but 'development' runs as production: errors are masked (no driver messages, no stack traces)
   * and introspection is off. @default 'development' for `npm start` (role all), 'production' for
   * `npm run api` and `npm run worker` (env NODE_ENV)
   */
  nodeEnv: string;
  /** Print a development token for the 'dev' workspace on first start. @default true in development (env DEV_WORKSPACE) */
  devWorkspace: boolean;
  /** Largest WebSocket frame accepted, in bytes, before and after authentication. @default 1 MiB (env WS_MAX_PAYLOAD_BYTES) */
  wsMaxPayloadBytes: number;
  /** Live subscriptions one WebSocket connection may hold at once. @default 100 (env WS_MAX_SUBSCRIPTIONS) */
  wsMaxSubscriptions: number;
  /** Most tokens the GraphQL parser accepts in one document: bounds the work a request can cause before any check. @default 2000 (env GRAPHQL_MAX_TOKENS) */
  graphqlMaxTokens: number;
  /**
   * Largest cost of one GraphQL operation (see src/graphql/queryCost.ts: 1 per field, 100 per field that
   * queries the database, a page's items counted `first` times). Over it the operation is refused with
   * QUERY_TOO_COMPLEX before anything runs. @default 50000 (env GRAPHQL_MAX_COST)
   */
  graphqlMaxCost: number;
  /**
   * PostgreSQL `statement_timeout` of the API's own connections, in ms: a statement running longer is
   * cancelled. Workers (long COPYs and merges) and migrations use other connections, without it. 0 turns
   * it off. @default 15000 (env API_STATEMENT_TIMEOUT_MS)
   */
  apiStatementTimeoutMs: number;
  /** Least severe log level written: fatal, error, warn, info, debug, trace or silent. @default 'info' (env LOG_LEVEL) */
  logLevel: LogLevel;
  /**
   * 'json': one JSON object per line (for log collectors); 'pretty': human-readable lines (pino-pretty).
   * @default 'pretty' when stdout is a terminal or in development, 'json' otherwise (env LOG_FORMAT)
   */
  logFormat: 'json' | 'pretty';
  /**
   * Port of a worker process's own HTTP server for /metrics, /healthz and /readyz (role worker only:
   * the API serves them on PORT, and with role all its /metrics covers the worker too). 0 turns it off.
   * @default 9464 (env METRICS_PORT)
   */
  metricsPort: number;
  /** Interface the worker's metrics server listens on. @default HOST (env METRICS_HOST) */
  metricsHost: string;
  /** A webhook attempt that has no complete answer within this many ms counts as failed. @default 5000 (env WEBHOOK_TIMEOUT_MS) */
  webhookTimeoutMs: number;
  /**
   * Retries of a failed webhook back off exponentially with jitter: the n-th retry waits between half and
   * all of min(WEBHOOK_RETRY_MAX_DELAY_MS, this × 2^(n−1)). @default 5000 (env WEBHOOK_RETRY_BASE_MS)
   */
  webhookRetryBaseMs: number;
  /** Longest wait between two attempts at a webhook. @default 3600000, one hour (env WEBHOOK_RETRY_MAX_DELAY_MS) */
  webhookRetryMaxDelayMs: number;
  /** A webhook is retried for this long after the job ended; an attempt that would come later is not made, and the delivery is FAILED. @default 86400, a day (env WEBHOOK_RETRY_FOR_SECONDS) */
  webhookRetryForSeconds: number;
  /** After rotateWebhookSecret, the previous secret keeps signing (beside the new one) for this long. @default 86400, a day (env WEBHOOK_ROTATION_OVERLAP_SECONDS) */
  webhookRotationOverlapSeconds: number;
  /**
   * In production mode (NODE_ENV=production, or anything but 'development'), webhook URLs whose host resolves
   * to a loopback, private, link-local or other non-public address are refused, at registration and again at
   * every delivery (DNS can change), unless this is true. In development they are allowed, so a local
   * receiver works. @default false (env WEBHOOK_ALLOW_PRIVATE)
   */
  webhookAllowPrivate: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

function str(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * The settings for a process of the given role. `npm start` (role 'all') is the development quick
 * start; the roles run apart (`npm run api`, `npm run worker`) are how Bulkport runs for real, so
 * they default to production: a protection is off only when someone says so.
 */
export function loadConfig(overrides: Partial<Config> = {}, role: Role = 'all'): Config {
  const dataDir = path.resolve(str('DATA_DIR') ?? './.data');
  const nodeEnv = overrides.nodeEnv ?? str('NODE_ENV') ?? (role === 'all' ? 'development' : 'production');
  const development = nodeEnv === 'development';
  const base: Config = {
    port: int('PORT', 4000),
    host: str('HOST') ?? (development ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl: str('DATABASE_URL'),
    redisUrl: str('REDIS_URL'),
    redisPrefix: str('REDIS_PREFIX') ?? 'bulkport:',
    redisPublishTimeoutMs: Math.max(1, int('REDIS_PUBLISH_TIMEOUT_MS', 1000)),
    progressPollMs: Math.max(50, int('PROGRESS_POLL_MS', 700)),
    dataDir,
    storageDir: path.resolve(str('STORAGE_DIR') ?? path.join(dataDir, 'files')),
    s3Bucket: str('S3_BUCKET'),
    s3Endpoint: str('S3_ENDPOINT'),
    s3Region: str('S3_REGION') ?? 'us-east-1',
    s3Prefix: str('S3_PREFIX') ?? '',
    s3ForcePathStyle: (str('S3_FORCE_PATH_STYLE') ?? (str('S3_ENDPOINT') ? 'true' : 'false')) === 'true',
    s3AccessKeyId: str('S3_ACCESS_KEY_ID'),
    s3SecretAccessKey: str('S3_SECRET_ACCESS_KEY'),
    embeddedPgPort: int('EMBEDDED_PG_PORT', 54329),
    embeddedPgRunDir: path.resolve(str('EMBEDDED_PG_RUN_DIR') ?? '/var/lib/bulkport'),
    maxUploadBytes: int('MAX_UPLOAD_BYTES', 1024 * 1024 * 1024),
    chunkSize: Math.max(1, int('CHUNK_SIZE', 10000)),
    maxChunkBytes: Math.max(64 * 1024, int('MAX_CHUNK_BYTES', 32 * 1024 * 1024)),
    maxRowErrors: int('MAX_ROW_ERRORS', 100_000),
    workspaceMaxConcurrentJobs: Math.max(1, int('WORKSPACE_MAX_CONCURRENT_JOBS', 10)),
    workspaceMaxRows: str('WORKSPACE_MAX_ROWS') === undefined ? undefined : int('WORKSPACE_MAX_ROWS', 0),
    workerConcurrency: Math.max(1, int('WORKER_CONCURRENCY', 3)),
    keyFilterBits: Math.min(30, Math.max(6, int('KEY_FILTER_BITS', 26))),
    directChunks: str('DIRECT_CHUNKS') !== 'false',
    parseThreadMinBytes: Math.max(0, int('PARSE_THREAD_MIN_BYTES', 8 * 1024 * 1024)),
    jobMaxAttempts: Math.max(1, int('JOB_MAX_ATTEMPTS', 5)),
    stuckJobSeconds: Math.max(10, int('STUCK_JOB_SECONDS', 120)),
    heartbeatIntervalMs: Math.max(100, int('HEARTBEAT_INTERVAL_MS', 2000)),
    workerDeadAfterSeconds: Math.max(2, int('WORKER_DEAD_AFTER_SECONDS', 10)),
    shutdownTimeoutMs: Math.max(1000, int('SHUTDOWN_TIMEOUT_MS', 10_000)),
    fileRetentionDays: Math.max(1, int('FILE_RETENTION_DAYS', 7)),
    exportGzipLevel: Math.min(9, Math.max(1, int('EXPORT_GZIP_LEVEL', 1))),
    downloadLinkTtlSeconds: Math.max(1, int('DOWNLOAD_LINK_TTL_SECONDS', 3600)),
    signingSecret: str('SIGNING_SECRET'),
    publicUrl: str('PUBLIC_URL')?.replace(/\/+$/, ''),
    pgPoolSize: Math.max(2, int('PG_POOL_SIZE', 10)),
    nodeEnv,
    devWorkspace: (str('DEV_WORKSPACE') ?? String(development)) === 'true',
    wsMaxPayloadBytes: Math.max(1024, int('WS_MAX_PAYLOAD_BYTES', 1024 * 1024)),
    wsMaxSubscriptions: Math.max(1, int('WS_MAX_SUBSCRIPTIONS', 100)),
    graphqlMaxTokens: Math.max(100, int('GRAPHQL_MAX_TOKENS', 2000)),
    graphqlMaxCost: Math.max(1000, int('GRAPHQL_MAX_COST', 50_000)),
    apiStatementTimeoutMs: int('API_STATEMENT_TIMEOUT_MS', 15_000),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: oneOf('LOG_FORMAT', ['json', 'pretty'] as const, process.stdout.isTTY || development ? 'pretty' : 'json'),
    metricsPort: int('METRICS_PORT', 9464),
    metricsHost: str('METRICS_HOST') ?? str('HOST') ?? (development ? '127.0.0.1' : '0.0.0.0'),
    webhookTimeoutMs: Math.max(100, int('WEBHOOK_TIMEOUT_MS', 5000)),
    webhookRetryBaseMs: Math.max(1, int('WEBHOOK_RETRY_BASE_MS', 5000)),
    webhookRetryMaxDelayMs: Math.max(1, int('WEBHOOK_RETRY_MAX_DELAY_MS', 3_600_000)),
    webhookRetryForSeconds: int('WEBHOOK_RETRY_FOR_SECONDS', 86_400),
    webhookRotationOverlapSeconds: int('WEBHOOK_ROTATION_OVERLAP_SECONDS', 86_400),
    webhookAllowPrivate: str('WEBHOOK_ALLOW_PRIVATE') === 'true',
  };
  return { ...base, ...overrides };
}

/** Development mode: detailed errors, stack traces and introspection. Only when NODE_ENV says so. */
export function isDevelopment(config: Pick<Config, 'nodeEnv'>): boolean {
  return config.nodeEnv === 'development';
}
