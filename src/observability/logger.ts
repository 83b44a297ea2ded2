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
let root: Logger = build({ logLevel: 'info', logFormat: process.stdout.isTTY ? 'pretty' : 'json' });

function build(o: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  const options = { level: o.logLevel, base: { pid: process.pid } };
  if (o.logFormat === 'json') return pino(options, pino.destination({ dest: 1, sync: true }));
  // One line per entry: '[time] LEVEL: [component] message {"jobId":…,"task":…}'.
  return pino(
    options,
    pretty({
      sync: true,
      colorize: Boolean(process.stdout.isTTY),
      singleLine: true,
      ignore: 'pid,hostname,component',
      messageFormat: '{if component}[{component}] {end}{msg}',
      translateTime: 'SYS:HH:MM:ss.l',
    }),
  );
}

/** Applies LOG_LEVEL and LOG_FORMAT; called once a process knows its Config (src/app.ts). */
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
