/**
 * The text encodings an import file may be in: the names the API reports (Job.encoding) and
 * accepts (startImport's `encoding`). These names are a contract: never rename one.
 *
 * - UTF-8: with or without a byte order mark (the BOM is dropped);
 * - UTF-16LE, UTF-16BE: what Excel's "Unicode Text" writes; detected by their byte order mark;
 * - WINDOWS-1252: Excel's "CSV" on Western Windows. ISO-8859-1 (Latin-1) files read the same:
 *   every printable Latin-1 character has the same byte in Windows-1252.
 */
export const FILE_ENCODINGS = ['UTF-8', 'UTF-16LE', 'UTF-16BE', 'WINDOWS-1252'] as const;
export type FileEncoding = (typeof FILE_ENCODINGS)[number];

/** Other spellings a caller may send, after upper-casing; each maps onto one name above. */
const ALIASES: Record<string, FileEncoding> = {
  UTF8: 'UTF-8',
  'UTF-8-BOM': 'UTF-8',
  UTF16LE: 'UTF-16LE',
  UTF16BE: 'UTF-16BE',
  CP1252: 'WINDOWS-1252',
  'ISO-8859-1': 'WINDOWS-1252',
  LATIN1: 'WINDOWS-1252',
};

/** The encoding a caller named (any case, or an alias above), or null when it is not one we read. */
export function parseFileEncoding(name: string): FileEncoding | null {
  const upper = name.trim().toUpperCase();
  return (FILE_ENCODINGS as readonly string[]).includes(upper) ? (upper as FileEncoding) : (ALIASES[upper] ?? null);
}

/** The job's recorded encoding; jobs queued before encodings were recorded were read as UTF-8. */
export function encodingOfJob(recorded: string | null | undefined): FileEncoding {
  return (recorded && parseFileEncoding(recorded)) || 'UTF-8';
}
