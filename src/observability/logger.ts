import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config.ts';

export type { Logger };

/**
 * The process's one root logger (pino). JSON lines for collectors, or pino-pretty's readable lines
 * in a terminal (Config.logFormat). Both write synchronously: the last lines before process.exit
 * (a failed start, a forced stop) are never lost.
 *
 * Modules ask for it at the moment they log (log('redis').warn(...)), never keep it from import
 * time: configureLogging replaces the root once the process has read its configuration.
 */
/**
 * Until a server process configures it, the root writes to stderr: the command line (src/cli.ts) never
 * does, and its stdout is for what it prints (a token, a job id), which a log line must not corrupt.
 */
let root: Logger = build({ logLevel: 'info', logFormat: process.stderr.isTTY ? 'pretty' : 'json' }, 2);

function build(o: Pick<Config, 'logLevel' | 'logFormat'>, fd: 1 | 2 = 1): Logger {
  const options = { level: o.logLevel, base: { pid: process.pid } };
  if (o.logFormat === 'json') return pino(options, pino.destination({ dest: fd, sync: true }));
  // One line per entry: '[time] LEVEL: [component] message {"jobId":…,"task":…}'.
  return pino(
    options,
    pretty({
      sync: true,
      destination: fd,
      colorize: Boolean((fd === 1 ? process.stdout : process.stderr).isTTY),
      singleLine: true,
      ignore: 'pid,hostname,component',
      messageFormat: '{if component}[{component}] {end}{msg}',
      translateTime: 'SYS:HH:MM:ss.l',
    }),
  );
}

/** Applies LOG_LEVEL and LOG_FORMAT, and writes to stdout from then on; called once a server process knows its Config (src/app.ts). */
export function configureLogging(o: Pick<Config, 'logLevel' | 'logFormat'>): void {
  root = build(o);
}

/** The root logger, or a child whose every line says which part of Bulkport wrote it. */
export function log(component?: string): Logger {
  return component ? root.child({ component }) : root;
}

/** The fields every line about a job carries (a child logger binds them once per task run). */
export interface JobLogFields {
  jobId: string;
  workspace: string;
  task: string;
  /** The chunk a merge works on (-1: the deferred rows), absent for tasks about the whole job. */
  chunk?: number;
}

export function jobLogger(fields: JobLogFields): Logger {
  return root.child({ component: 'worker', ...fields });
}
