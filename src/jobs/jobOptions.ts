/**
 * What jobs.options holds, by kind of job. Written by the API (exports) or by the stage task
 * (imports, once the header is read) and read back by workers and resolvers.
 */

import type { ColumnChoice } from '../entities/headerMatch.ts';

/** An import's options: its mapping from startImport, the rest filled in when its header row has been read. */
export interface ImportOptions {
  /**
   * The column mapping startImport resolved against the file's header (explicit choices, then a
   * saved mapping's); absent when the import had none (automatic header matching only).
   */
  mapping?: ColumnChoice[];
  /** Entity columns the file has, in entity order (an UPDATE overwrites only these). */
  columns?: string[];
  /** Header cells that matched no column. */
  ignoredColumns?: string[];
  /** Spreadsheet row number of the header. */
  headerRow?: number;
  /**
   * The chunk size and key filter size the file was first staged with. A restage (after a crash,
   * on another worker) MUST cut the same chunks and defer the same rows, whatever its own config.
   */
  chunkSize?: number;
  keyFilterBits?: number;
  /** A chunk also closes past this many bytes (as chunkSize, fixed by the first staging). */
  maxChunkBytes?: number;
}

export type ExportFormat = 'CSV' | 'JSONL';

/** An export as stored in jobs.options: everything the worker needs, validated once at the API. */
export interface ExportOptions {
  filter: {
    createdAfter?: string;
    createdBefore?: string;
    updatedAfter?: string;
    tagsAny?: string[];
    statusIn?: string[];
    search?: string;
  };
  columns: string[];
  format: ExportFormat;
  gzip: boolean;
  /** CSV only: false neutralises cells that a spreadsheet would run as a formula. */
  rawCells: boolean;
  /** CSV only: a UTF-8 BOM and CRLF line ends, for Excel. */
  excelCompatible: boolean;
}

/** A revert's options, fixed by its first run: a retry must cut the ledger into the same chunks. */
export interface RevertOptions {
  chunkSize?: number;
}
