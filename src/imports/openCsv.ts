import type { CsvRecord } from '../csv/recordReader.ts';
import { readCsv } from '../csv/recordReader.ts';
import type { FileEncoding } from '../csv/fileEncoding.ts';
import { decodeSource } from '../csv/transcode.ts';
import { sniffDelimiter, sniffNotCsv, type CountingSource } from './countingSource.ts';

export type OpenedCsv = { notCsv: string; records?: undefined } | { notCsv: null; records: AsyncGenerator<CsvRecord[]> };

/**
 * A stored upload as the import reads it: decoded from its encoding, refused when it is not CSV text,
 * split with the delimiter sniffed from its header line. Every reader of an upload (the stage task,
 * startImport's header check, the failed-rows file) goes through here, so they all see the same
 * records with the same row numbers. The caller closes `source`.
 */
export async function openCsv(source: CountingSource, encoding: FileEncoding): Promise<OpenedCsv> {
  const text = decodeSource(source, encoding); // UTF-8 passes through untouched
  const head = await text.head();
  const notCsv = sniffNotCsv(head, await source.head());
  if (notCsv) return { notCsv };
  return { notCsv: null, records: readCsv(text, { delimiter: sniffDelimiter(head) }) };
}
