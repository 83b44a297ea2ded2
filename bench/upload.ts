/**
 * The API's memory while it receives one big upload: a contacts CSV of exactly MAX_UPLOAD_BYTES
 * (1 GiB by default) streamed from disk to `npm run api` as a GraphQL multipart startImport, with
 * no worker running (the job stays QUEUED: only the API's side is measured). Prints the API's peak
 * RSS (the kernel's VmHWM, reset just before the upload) against the 160 MB target, and the rate.
 * Fresh database and temp directory, removed at the end (also on failure or Ctrl-C).
 *
 *   npx tsx bench/upload.ts [megabytes=1024]          (npm run bench:upload)
 *
 * Environment: DATABASE_URL, REDIS_URL as for bench:import; BENCH_API_NODE_FLAGS: node flags for the
 * API (e.g. "--max-semi-space-size=2" or "--heapsnapshot-near-heap-limit=1").
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { sourceRevision } from '../test/helpers/appProcess.ts';
import { runBench } from './benchLifecycle.ts';
import { createBenchServices, createTokens, n, printTable, startApi, verdict } from './benchServices.ts';
import { generateContactsCsv } from './generateContacts.ts';
import { uploadImport } from './importClient.ts';
import { readMemory, resetPeakRss } from './procStats.ts';

const TARGET_API_PEAK_MB = 160;

async function main(): Promise<void> {
  const megabytes = Number(process.argv[2] ?? 1024);
  if (!Number.isInteger(megabytes) || megabytes < 1) throw new Error(`megabytes must be a positive integer, got '${process.argv[2]}'`);
  const bytes = megabytes * 1024 * 1024;
  console.log(`bench:upload  ${n(bytes)} bytes (${megabytes} MiB)  Node ${process.version}`);
  console.log(`source: ${sourceRevision()}`);
  const s = await createBenchServices('bulkport-bench-upload');
  // The upload limit must let the whole file through: at least the file's size.
  s.env.MAX_UPLOAD_BYTES = String(Math.max(bytes, Number(process.env.MAX_UPLOAD_BYTES || 0)));

  const csvPath = join(s.dir, 'upload.csv');
  const t = performance.now();
  await writeCsvOfSize(s.dir, csvPath, bytes);
  console.log(`generated ${csvPath}: ${n(statSync(csvPath).size)} bytes in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const token = (await createTokens(s, ['bench'])).get('bench')!;
  const apiFlags = (process.env.BENCH_API_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const api = await startApi(s, 'api', 'api', apiFlags);
  await new Promise((r) => setTimeout(r, 1000)); // let start-up settle before reading idle memory
  const idleMb = readMemory(api.pid)?.rssMb ?? 0;
  console.log(`api pid ${api.pid} on port ${api.port} (no worker: the job stays QUEUED), idle RSS ${idleMb.toFixed(0)} MB`);

  const resettable = resetPeakRss(api.pid);
  let sampledPeak = 0;
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, readMemory(api.pid)?.rssMb ?? 0)), 50);
  const t0 = performance.now();
  const progress = setInterval(() => {
    console.log(`  [${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s]  api RSS ${(readMemory(api.pid)?.rssMb ?? 0).toFixed(0)} MB`);
  }, 2000);
  let jobId: string;
  try {
    jobId = await Promise.race([uploadImport(api.graphqlUrl, token, csvPath, {}), api.exited]);
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
  }
  const seconds = (performance.now() - t0) / 1000;
  const memory = readMemory(api.pid);
  const peakMb = resettable && memory ? memory.peakMb : sampledPeak;
  console.log(`  upload stored and job ${jobId} queued in ${seconds.toFixed(2)} s (${(bytes / 1e6 / seconds).toFixed(0)} MB/s)`);

  console.log('\n== summary');
  printTable([
    ['', 'value', 'target', 'result'],
    ['API idle RSS', `${idleMb.toFixed(0)} MB`, '', ''],
    [
      `API peak RSS receiving ${megabytes} MiB (${resettable ? 'VmHWM' : '50 ms samples of VmRSS'})`,
      `${peakMb.toFixed(0)} MB`,
      `< ${TARGET_API_PEAK_MB} MB`,
      verdict(peakMb < TARGET_API_PEAK_MB),
    ],
    ['API RSS after the upload', `${(memory?.rssMb ?? 0).toFixed(0)} MB`, '', ''],
    ['upload to job QUEUED', `${seconds.toFixed(2)} s, ${(bytes / 1e6 / seconds).toFixed(0)} MB/s`, '', ''],
  ]);
}

/**
 * A valid contacts CSV of exactly `bytes` bytes: 100,000 generated rows repeated (emails repeat,
 * which only matters to an import, and no worker runs here), the last row padded with trailing
 * spaces (which the validator trims) to land on the size.
 */
async function writeCsvOfSize(dir: string, path: string, bytes: number): Promise<void> {
  const seedPath = join(dir, 'seed.csv');
  await generateContactsCsv(seedPath, 100_000, { seed: 7 });
  const seed = await readAll(seedPath);
  const headerEnd = seed.indexOf(10) + 1;
  const header = seed.subarray(0, headerEnd);
  const body = seed.subarray(headerEnd);
  const lastRow = Buffer.from('padding@example.com,Pad,Ding,,,');
  const out = createWriteStream(path);
  const write = async (b: Buffer) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  let written = 0;
  await write(header);
  written += header.length;
  while (written + body.length + lastRow.length + 1 <= bytes) {
    await write(body);
    written += body.length;
  }
  // Whole lines of the body up to the room left, then the padded last row.
  const room = bytes - written - lastRow.length - 1;
  const cut = body.lastIndexOf(10, room - 1) + 1;
  await write(body.subarray(0, cut));
  written += cut;
  await write(Buffer.concat([lastRow, Buffer.alloc(bytes - written - lastRow.length - 1, ' '), Buffer.from('\n')]));
  out.end();
  await once(out, 'finish');
}

async function readAll(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of createReadStream(path)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

await runBench('bench:upload', main);
