import type { CsvRecord } from '../csv/recordReader.ts';
import type { FileEncoding } from '../csv/fileEncoding.ts';
import { describeHeaderProblem, matchHeader, type ColumnChoice } from '../entities/headerMatch.ts';
import { entityByName } from '../entities/registry.ts';
import { createRowValidator, type RowError } from '../entities/rowValidator.ts';
import { ChunkBuffer } from './chunkBuffer.ts';
import { CopyBuffer } from './copyBuffer.ts';
import type { DirectTarget } from './directFormat.ts';
import type { CountingSource } from './countingSource.ts';
import type { KeyFilter } from './keyFilter.ts';
import { openCsv } from './openCsv.ts';

/** How a stage task cuts a file into chunks: everything parsing needs, and nothing of the database. */
export interface ChunkingPlan {
  entity: string;
  encoding: FileEncoding;
  mapping: ColumnChoice[] | undefined;
  chunkSize: number;
  maxChunkBytes: number;
  keyFilterBits: number;
  /** Row errors kept per job (MAX_ROW_ERRORS), and how many are kept already (a resumed task). */
  maxRowErrors: number;
  errorsKept: number;
  /** Records up to this spreadsheet row were staged before (a resumed task); 0 for none. */
  resumeAfterRow: number;
  /** Number of the first chunk this run cuts. */
  firstChunk: number;
  /** Where rows go while chunks are cut in the direct format (see ChunkBuffer). */
  direct: DirectTarget;
}

/** What the header row told: recorded in the job's options before the first chunk commits. */
export interface HeaderFacts {
  columns: string[];
  ignoredColumns: string[];
  headerRow: number;
}

export type ParsedEvent =
  | { kind: 'header'; header: HeaderFacts }
  | { kind: 'rejected'; reason: string }
  | { kind: 'chunk'; chunk: ChunkBuffer }
  /** The whole file was read: the last event of a file that was not rejected. */
  | { kind: 'end'; bytesRead: number };

/** Read by the parser as each chunk starts: false once the direct path was refused (then chunks are cut in the staging format). */
export interface ChunkControl {
  direct: boolean;
}

/**
 * Parses and validates a stored file and cuts it into chunks, in file order: first the header (or
 * why the file is refused), then each chunk, the last one included, then the end. Knows nothing of the database;
 * the stage task commits each chunk (stageFile.ts), in this thread or from a parse thread
 * (parseThread.ts).
 *
 * INVARIANT: a chunk closes at chunkSize records or maxChunkBytes, whichever comes first: the same
 * boundaries on every run over the file, so a restage cuts the same chunks.
 * Memory stays flat: the consumer must be done with a chunk before it asks for the chunk after the
 * next one (two CopyBuffers take turns).
 */
export async function* parseChunks(
  source: CountingSource,
  plan: ChunkingPlan,
  filter: KeyFilter,
  control: ChunkControl,
  /** 1 when the consumer copies each chunk out before asking for the next (a parse thread). */
  buffersInTurn = 2,
): AsyncGenerator<ParsedEvent> {
  const entity = entityByName(plan.entity);
  const keyIndex = entity.columns.findIndex((c) => c.name === entity.key);
  const buffers = Array.from({ length: buffersInTurn }, () => new CopyBuffer());
  let chunksStarted = 0;
  let nextChunk = plan.firstChunk;
  let errorsKept = plan.errorsKept;
  let validate: ReturnType<typeof createRowValidator> | undefined;
  let current: ChunkBuffer | undefined;
  const errors: RowError[] = [];

  const csv = await openCsv(source, plan.encoding);
  if (csv.notCsv !== null) {
    yield { kind: 'rejected', reason: csv.notCsv };
    return;
  }
  for await (const batch of csv.records) {
    for (const rec of batch as CsvRecord[]) {
      if (!validate) {
        if (!('fields' in rec)) {
          yield { kind: 'rejected', reason: `the header row is malformed: ${rec.malformed}` };
          return;
        }
        // NUL cannot be stored in jsonb or text: a header cell never needs one.
        const header = rec.fields.map((f) => f.replace(/\u0000/g, ''));
        const match = matchHeader(entity, header, plan.mapping);
        const problem = describeHeaderProblem(entity, match, header, plan.mapping !== undefined);
        if (problem) {
          yield { kind: 'rejected', reason: problem };
          return;
        }
        yield { kind: 'header', header: { columns: match.presentColumns, ignoredColumns: boundedList(match.unknown), headerRow: rec.row } };
        validate = createRowValidator(entity, match, plan.encoding);
        continue;
      }
      if (rec.row <= plan.resumeAfterRow) continue;
      if (current && (current.rowCount >= plan.chunkSize || current.bytes >= plan.maxChunkBytes)) {
        current.bytesRead = source.bytesRead;
        yield { kind: 'chunk', chunk: current };
        current = undefined;
      }
      current ??= new ChunkBuffer(entity, buffers[chunksStarted++ % buffers.length], nextChunk++, rec.row, control.direct ? plan.direct : null);
      errors.length = 0;
      if ('fields' in rec) {
        const values = validate(rec.fields, rec.row, errors);
        if (values) {
          current.addValid(rec.row, values, filter.testAndAdd(values[keyIndex] as string));
          continue;
        }
      } else {
        errors.push({ row: rec.row, column: '', code: 'MALFORMED_ROW', message: `malformed row: ${rec.malformed}`, value: rec.raw });
      }
      const kept = current.addRejected(rec.row, errors, plan.maxRowErrors - errorsKept);
      errorsKept += kept;
      if (kept < errors.length) current.errorsDropped = true;
    }
  }
  if (!validate) {
    yield { kind: 'rejected', reason: 'the file is empty: it has no header row and no data' };
    return;
  }
  if (current) {
    current.bytesRead = source.bytesRead;
    yield { kind: 'chunk', chunk: current };
  }
  yield { kind: 'end', bytesRead: source.bytesRead };
}

/** What the job keeps of a file's unknown header cells: enough to show, not a second copy of a hostile header. */
function boundedList(cells: string[]): string[] {
  return cells.slice(0, 100).map((c) => (c.length > 100 ? `${c.slice(0, 100)}…` : c));
}
