/**
 * What encodings cost: the upload-time detection scan, and parsing a Windows-1252 or UTF-16 file
 * (decoded while streaming) against parsing the same rows in UTF-8, in the same run.
 *
 *   npx tsx bench/encodings.ts [rows=1000000] [runs=3]     (best of `runs` is reported)
 *
 * The detection scan's worst case is a file that is valid UTF-8 to its last byte (every byte is
 * checked); a Windows-1252 file stops being scanned at its first non-UTF-8 byte.
 */
import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { EncodingDetector, EncodingSniffer } from '../src/csv/encodingDetect.ts';
import type { FileEncoding } from '../src/csv/fileEncoding.ts';
import { readCsv } from '../src/csv/recordReader.ts';
import { decodeSource } from '../src/csv/transcode.ts';
import { CountingSource } from '../src/imports/countingSource.ts';
import { generateContactsCsv } from './generateContacts.ts';

// The chunk sizes the service meets: 64 KB upload parts, 16 KB reads of the stored file (localBlobStore).
const UPLOAD_CHUNK = 64 * 1024;
const STORED_READ_CHUNK = 16 * 1024;

interface Case {
  name: string;
  /** Returns a count that must agree between cases of one group (bytes or records). */
  run(): Promise<number>;
}

/** Streams the file into a sink, through the upload's EncodingSniffer or not: what startImport adds. */
async function store(path: string, sniff: boolean): Promise<number> {
  let n = 0;
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => ((n += chunk.length), cb()) });
  const read = createReadStream(path, { highWaterMark: UPLOAD_CHUNK });
  if (!sniff) {
    await pipeline(read, sink);
    return n;
  }
  const sniffer = new EncodingSniffer();
  await pipeline(read, sniffer, sink);
  if (sniffer.encoding !== 'UTF-8') throw new Error(`detected ${sniffer.encoding}, expected UTF-8`);
  return n;
}

function scanInMemory(file: Buffer, chunk: number): number {
  const detector = new EncodingDetector();
  for (let i = 0; i < file.length; i += chunk) detector.push(file.subarray(i, i + chunk));
  if (detector.end() !== 'UTF-8') throw new Error('the generated file should be valid UTF-8');
  return file.length;
}

async function parse(path: string, encoding: FileEncoding): Promise<number> {
  let records = 0;
  const source = decodeSource(new CountingSource(createReadStream(path, { highWaterMark: STORED_READ_CHUNK })), encoding);
  for await (const batch of readCsv(source)) {
    records += batch.length;
    for (const record of batch) if ('malformed' in record) throw new Error(`malformed row ${record.row}: ${record.malformed}`);
  }
  return records;
}

/** Best of `runs` per case, the cases taking turns so a burst of load elsewhere hits them alike. */
async function measure(cases: Case[], runs: number): Promise<{ name: string; count: number; seconds: number }[]> {
  const results = cases.map((c) => ({ name: c.name, count: 0, seconds: Infinity }));
  for (let i = 0; i < runs; i++) {
    for (const [k, c] of cases.entries()) {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = performance.now();
      results[k]!.count = await c.run();
      results[k]!.seconds = Math.min(results[k]!.seconds, (performance.now() - t0) / 1000);
    }
  }
  return results;
}

function printGroup(title: string, results: { name: string; count: number; seconds: number }[], bytes: number): void {
  const base = results[0]!.seconds;
  console.log(`\n${title}`);
  for (const r of results) {
    const extra =
      r === results[0] ? 'baseline' : `${r.seconds - base >= 0 ? '+' : ''}${((r.seconds - base) * 1000).toFixed(0)} ms (${(r.seconds / base).toFixed(2)}x)`;
    console.log(`  ${r.name.padEnd(44)} ${r.seconds.toFixed(3).padStart(7)} s  ${(bytes / 1e6 / r.seconds).toFixed(0).padStart(6)} MB/s  ${extra}`);
  }
  if (new Set(results.map((r) => r.count)).size !== 1) throw new Error(`${title}: counts differ: ${results.map((r) => r.count).join(', ')}`);
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 3);
  const base = join(tmpdir(), `bulkport-bench-encodings-${process.pid}`);
  const utf8 = `${base}.utf8.csv`;
  const cp1252 = `${base}.cp1252.csv`;
  const utf16 = `${base}.utf16le.csv`;
  try {
    const { bytes } = await generateContactsCsv(utf8, rows, { seed: 42 });
    // Names outside Windows-1252 (Łukasz) become '?': the row count is what the groups compare.
    const text = (await readFile(utf8)).toString('utf8');
    await writeFile(cp1252, iconv.encode(text, 'windows-1252'));
    await writeFile(utf16, iconv.encode(text, 'utf-16le', { addBOM: true }));
    console.log(`${rows.toLocaleString('en')} contacts: UTF-8 ${(bytes / 1e6).toFixed(1)} MB; best of ${runs} runs, Node ${process.version}`);

    const inMemory = await readFile(utf8);
    console.log('\ndetection scan alone (CPU only, the file already in memory; its worst case: valid UTF-8, every byte checked)');
    const scans = await measure(
      [UPLOAD_CHUNK, STORED_READ_CHUNK].map((size) => ({ name: `${size / 1024} KB chunks`, run: async () => scanInMemory(inMemory, size) })),
      runs,
    );
    for (const r of scans)
      console.log(`  ${r.name.padEnd(44)} ${(r.seconds * 1000).toFixed(1).padStart(7)} ms ${(bytes / 1e9 / r.seconds).toFixed(1).padStart(5)} GB/s`);

    await store(utf8, false); // warm the page cache before comparing reads
    printGroup(
      `the upload path: file streamed to a sink in ${UPLOAD_CHUNK / 1024} KB chunks (page cache warm)`,
      await measure(
        [
          { name: 'without detection', run: () => store(utf8, false) },
          { name: 'through the EncodingSniffer', run: () => store(utf8, true) },
        ],
        runs,
      ),
      bytes,
    );
    printGroup(
      'parse (readCsv) the same rows in each encoding',
      await measure(
        [
          { name: 'UTF-8 (no transcoding)', run: () => parse(utf8, 'UTF-8') },
          { name: 'WINDOWS-1252 (decoded while streaming)', run: () => parse(cp1252, 'WINDOWS-1252') },
          { name: 'UTF-16LE (decoded while streaming)', run: () => parse(utf16, 'UTF-16LE') },
        ],
        runs,
      ),
      bytes,
    );
  } finally {
    await Promise.all([utf8, cp1252, utf16].map((p) => rm(p, { force: true })));
  }
}

await main();
