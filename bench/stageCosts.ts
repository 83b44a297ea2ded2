/**
 * What an import costs per stage, in CPU seconds, measured apart:
 *
 * - the worker's side, in this process on one core with no database: parse (src/csv/recordReader.ts),
 *   validate (src/entities/rowValidator.ts), encode for COPY (src/imports/chunkBuffer.ts and the key
 *   filter), each as the difference between two passes over the same file that stop one step apart,
 *   exactly as stageFile.ts chains them;
 * - PostgreSQL's side, from DatabaseMonitor's samples of the backends during an import: backend-seconds
 *   in COPY into staging (stage), in the set-based merge statements (merge), in a fresh import's COPY
 *   straight into the entity's table with its ledger insert (direct), and in everything else
 *   (job bookkeeping, the queue, counts).
 */
import { createReadStream } from 'node:fs';
import { readCsv, type CsvRecord } from '../src/csv/recordReader.ts';
import { matchHeader } from '../src/entities/headerMatch.ts';
import { entityByName } from '../src/entities/registry.ts';
import { createRowValidator, type RowError } from '../src/entities/rowValidator.ts';
import { ChunkBuffer } from '../src/imports/chunkBuffer.ts';
import { CopyBuffer } from '../src/imports/copyBuffer.ts';
import { KeyFilter } from '../src/imports/keyFilter.ts';
import type { MonitorReport } from './databaseMonitor.ts';

export interface WorkerStageCosts {
  rows: number;
  /** CPU seconds for the whole file: reading + parsing, validating, encoding for COPY. */
  parse: number;
  validate: number;
  encode: number;
}

type Depth = 'parse' | 'validate' | 'encode';

/** One pass over the file that stops after `depth`; returns CPU seconds (user + system) and rows. */
async function pass(csvPath: string, depth: Depth, chunkSize: number): Promise<{ cpu: number; rows: number }> {
  const entity = entityByName('CONTACTS');
  const keyIndex = entity.columns.findIndex((c) => c.name === entity.key);
  const filter = new KeyFilter();
  const buffer = new CopyBuffer();
  let validate: ReturnType<typeof createRowValidator> | undefined;
  let chunk: ChunkBuffer | undefined;
  let rows = 0;
  const errors: RowError[] = [];
  const cpu0 = process.cpuUsage();
  // 16 KB reads, as the worker reads a stored file (src/storage/localBlobStore.ts).
  for await (const batch of readCsv(createReadStream(csvPath, { highWaterMark: 16 * 1024 }))) {
    for (const rec of batch as CsvRecord[]) {
      if (!('fields' in rec)) continue;
      if (!validate) {
        validate = createRowValidator(entity, matchHeader(entity, rec.fields));
        continue;
      }
      rows++;
      if (depth === 'parse') continue;
      errors.length = 0;
      const values = validate(rec.fields, rec.row, errors);
      if (depth === 'validate' || !values) continue;
      if (!chunk || chunk.rowCount >= chunkSize) chunk = new ChunkBuffer(entity, buffer, 0, rec.row);
      chunk.addValid(rec.row, values, filter.testAndAdd(values[keyIndex] as string));
    }
  }
  const used = process.cpuUsage(cpu0);
  return { cpu: (used.user + used.system) / 1e6, rows };
}

/** Best of `runs` for each depth (a disturbed run is only slower); costs are the differences. */
export async function measureWorkerStages(csvPath: string, chunkSize: number, runs = 2): Promise<WorkerStageCosts> {
  const best: Record<Depth, number> = { parse: Infinity, validate: Infinity, encode: Infinity };
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    for (const depth of ['parse', 'validate', 'encode'] as const) {
      const r = await pass(csvPath, depth, chunkSize);
      best[depth] = Math.min(best[depth], r.cpu);
      rows = r.rows;
    }
  }
  return {
    rows,
    parse: best.parse,
    validate: Math.max(0, best.validate - best.parse),
    encode: Math.max(0, best.encode - best.validate),
  };
}

export interface DatabaseStageCosts {
  /** Sampled backend-seconds of active statements (on CPU or waiting), by stage. */
  stage: number;
  merge: number;
  /** A fresh import's chunks: COPY straight into the entity's table, and their ledger entries (DIRECT_CHUNKS). */
  direct: number;
  other: number;
  /** Of which on CPU (no wait event). */
  stageOnCpu: number;
  mergeOnCpu: number;
  directOnCpu: number;
  otherOnCpu: number;
}

/** Sorts the monitor's samples of active backends into stage / merge / other. */
export function databaseStages(m: MonitorReport): DatabaseStageCosts {
  const perSample = m.samples > 0 ? m.seconds / m.samples : 0;
  const out: DatabaseStageCosts = { stage: 0, merge: 0, direct: 0, other: 0, stageOnCpu: 0, mergeOnCpu: 0, directOnCpu: 0, otherOnCpu: 0 };
  for (const [label, count] of m.activity) {
    if (!label.startsWith('active')) continue; // idle in transaction: the backend waits for its client
    const query = label.slice(35);
    const kind = /^COPY staging\./.test(query)
      ? 'stage'
      : /^WITH src AS/.test(query)
        ? 'merge'
        : /^COPY "|^INSERT INTO bulkport_ledger\./.test(query)
          ? 'direct'
          : 'other';
    out[kind] += count * perSample;
    if (label.startsWith('active on CPU')) out[`${kind}OnCpu`] += count * perSample;
  }
  return out;
}
