import type { FileEncoding } from '../csv/fileEncoding.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { CountingSource } from './countingSource.ts';
import { openCsv } from './openCsv.ts';

/**
 * The header row of a stored upload, read as the stage task will read it (openCsv), or null when the
 * file has none the import could use (not CSV, empty, a malformed header): the stage task then fails
 * the job with its usual reason. Reads only as far as the header's end (at most the reader's record
 * limit), then releases the file.
 */
export async function readHeaderRow(store: BlobStore, key: string, encoding: FileEncoding): Promise<string[] | null> {
  const source = new CountingSource(store.read(key));
  try {
    const csv = await openCsv(source, encoding);
    if (csv.notCsv !== null) return null;
    for await (const batch of csv.records) {
      const first = batch[0];
      return 'fields' in first ? first.fields : null;
    }
    return null;
  } finally {
    await source.close();
  }
}
