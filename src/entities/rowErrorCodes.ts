/**
 * Every RowError.code, with what it means: the ONE list. schema.graphql's `enum RowErrorCode` is
 * generated from it (`npm run schema:sync`), and a test fails when the two differ, so the API's
 * contract and the code cannot drift apart.
 */
export const ROW_ERROR_CODES = {
  REQUIRED: 'a required field is empty or its column is missing',
  INVALID_EMAIL: 'not an email address',
  TOO_LONG: 'longer than the field allows',
  INVALID_NUMBER: 'not a number the field accepts (amounts: at most 2 decimals, 1,234.50 accepted)',
  INVALID_DATE: 'not a date as YYYY-MM-DD',
  INVALID_ENUM: 'not one of the values the field allows',
  INVALID_CHARACTER: 'the cell holds a NUL character',
  INVALID_ENCODING: "bytes that are not text in the file's encoding (see Job.encoding)",
  MALFORMED_ROW: 'the line cannot be read as a CSV record: an unterminated quote, text after a closing quote, or the wrong number of fields',
  DUPLICATE_IN_FILE: 'a later occurrence of a key that an earlier row of the same file has',
  DUPLICATE_EXISTS: 'the key already exists and the duplicate strategy is FAIL',
  QUOTA_EXCEEDED: "a new row past the workspace's row limit for this entity (see the workspace query); the rows before it were imported",
  CHANGED_SINCE_IMPORT: 'a revert left this row alone: it was changed (or deleted) after the import it undoes',
} as const;

export type RowErrorCode = keyof typeof ROW_ERROR_CODES;

/** The schema.graphql block for the enum, as schema:sync writes it. */
export function rowErrorCodeEnumSdl(): string {
  const values = Object.entries(ROW_ERROR_CODES).map(([code, meaning]) => `  "${meaning.replaceAll('"', '\\"')}"\n  ${code}`);
  return `enum RowErrorCode {\n${values.join('\n')}\n}`;
}
