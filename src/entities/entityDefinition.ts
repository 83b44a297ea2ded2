/**
 * What the pipeline needs to know about an importable/exportable entity. A new entity is one
 * file that exports an EntityDefinition, registered in entities/registry.ts, plus its migration.
 */

/** A stable, machine-readable reason a cell is rejected (RowError.code): see rowErrorCodes.ts. */
import type { RowErrorCode } from './rowErrorCodes.ts';

export type { RowErrorCode };

export interface CellError {
  code: RowErrorCode;
  message: string;
}

/** A parsed cell value: a string, a string array (text[]), or null (SQL NULL). */
export type CellValue = string | string[] | null;

export interface ColumnDefinition {
  /** Column name in CSV headers, exports and SQL (snake_case). */
  name: string;
  /** PostgreSQL type of the column in the staging table and target table. */
  sqlType: 'text' | 'text[]' | 'numeric(14,2)' | 'char(3)' | 'date';
  required?: boolean;
  /**
   * Turns a trimmed, non-empty cell into its stored value, or a CellError whose message
   * is a whole sentence a user can act on (it names the column and quotes the value).
   * Pure and allocation-light: it runs once per cell on the hot path.
   */
  parse?: (value: string, column: string) => CellValue | CellError;
  /** Value stored when the cell is empty (or the column is absent) on a new row. @default null */
  emptyValue?: CellValue;
  /** Other header spellings that mean this column (compared after normalisation). */
  aliases?: string[];
}

export interface EntityDefinition {
  /** GraphQL Entity enum value. */
  name: string;
  /** Target table; it has workspace_id, import_job_id, created_at and updated_at besides the columns. */
  table: string;
  /** In CSV/export order. */
  columns: ColumnDefinition[];
  /** Column that identifies a row within a workspace: unique (workspace_id, key). */
  key: string;
  /** Text columns searched by an export's `search` filter. */
  searchColumns: string[];
  /** Columns behind the export filters that only some entities have (tagsAny, statusIn). */
  filterColumns: { tags?: string; status?: string };
}

export function isCellError(v: CellValue | CellError): v is CellError {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
