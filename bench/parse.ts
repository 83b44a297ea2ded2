/**
 * Parse-only throughput of our readCsv against fast-csv, csv-parse and papaparse, each
 * streaming the same generated contacts file. Figures are relative to readCsv in the same
 * run, so machines can be compared by their ratios.
 *
 *   npx tsx bench/parse.ts [rows=1000000] [runs=2]     (best of `runs` is reported)
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as fastCsvParse } from '@fast-csv/parse';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { readCsv } from '../src/csv/recordReader.ts';
import { generateContactsCsv } from './generateContacts.ts';

interface Contender {
  name: string;
  /** Streams the file and returns how many records it read, header included. */
  countRecords(path: string): Promise<number>;
}

const contenders: Contender[] = [
  {
    name: 'readCsv (ours)',
    async countRecords(path) {
      let records = 0;
      let malformed = 0;
      for await (const batch of readCsv(createReadStream(path))) {
        records += batch.length;
        for (const record of batch) if ('malformed' in record) malformed++;
      }
      if (malformed > 0) throw new Error(`readCsv reported ${malformed} malformed rows in a well-formed file`);
      return records;
    },
  },
  {
    name: 'fast-csv',
    countRecords: (path) =>
      new Promise((resolve, reject) => {
        let records = 0;
        createReadStream(path)
          .pipe(fastCsvParse({ headers: false }))
          .on('data', () => records++)
          .on('error', reject)
          .on('end', () => resolve(records));
      }),
  },
  {
    name: 'csv-parse',
    async countRecords(path) {
      let records = 0;
      for await (const _record of createReadStream(path).pipe(csvParse())) records++;
      return records;
    },
  },
  {
    name: 'papaparse',
    countRecords: (path) =>
      new Promise((resolve, reject) => {
        let records = 0;
        Papa.parse(createReadStream(path, { encoding: 'utf8' }), {
          skipEmptyLines: true, // else the final line break reads as one more, empty, row
          chunk: (results) => {
            records += results.data.length;
          },
          complete: () => resolve(records),
          error: reject,
        });
      }),
  },
];

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 2);
  const path = join(tmpdir(), `bulkport-bench-contacts-${process.pid}.csv`);
  try {
    const started = performance.now();
    const { bytes } = await generateContactsCsv(path, rows, { seed: 42 });
    console.log(
      `generated ${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB (${(bytes / (rows + 1)).toFixed(0)} B/row) ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s; best of ${runs} runs, Node ${process.version}\n`,
    );

    const results: { name: string; records: number; seconds: number }[] = [];
    for (const contender of contenders) {
      let best = Infinity;
      let records = 0;
      for (let run = 0; run < runs; run++) {
        (globalThis as { gc?: () => void }).gc?.();
        const t0 = performance.now();
        records = await contender.countRecords(path);
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      results.push({ name: contender.name, records, seconds: best });
    }
    printTable(results, bytes);

    const counts = new Set(results.map((r) => r.records));
    if (counts.size !== 1) {
      console.error(`\nrecord counts differ: ${results.map((r) => `${r.name}=${r.records}`).join(', ')}`);
      process.exitCode = 1;
    } else {
      console.log(`\nall parsers read ${results[0]!.records.toLocaleString('en')} records (header included)`);
    }
  } finally {
    await rm(path, { force: true });
  }
}

function printTable(results: { name: string; records: number; seconds: number }[], bytes: number): void {
  const baseline = results[0]!.seconds;
  const rows = [
    ['parser', 'records', 'seconds', 'rows/s', 'MB/s', 'vs readCsv'],
    ...results.map((r) => [
      r.name,
      r.records.toLocaleString('en'),
      r.seconds.toFixed(2),
      Math.round(r.records / r.seconds).toLocaleString('en'),
      (bytes / 1e6 / r.seconds).toFixed(1),
      `${(r.seconds / baseline).toFixed(2)}x time`,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  }
}

await main();
