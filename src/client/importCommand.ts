import fs from 'node:fs';
import { ApiClient } from './apiClient.ts';
import { ApiError } from './apiError.ts';
import { downloadTo } from './download.ts';
import { IMPORT_USAGE, parseImportArgs, startImportInput } from './importArgs.ts';
import { bytes, count } from './numbers.ts';
import { FAILED_ROWS_URL, jobSummaryQuery, START_IMPORT, type JobSummary, type StartedJob } from './operations.ts';
import { runJob } from './runJob.ts';
import { importSummary } from './summary.ts';

/** Which flag sent which field: an older server's refusal then names the flag. */
const FLAG_FIELDS = { mappingName: '--mapping', dryRun: '--dry-run', wouldInsert: '--dry-run', failedRowsUrl: '--failed-rows' };

/** `import FILE --entity E …`: upload, follow, summarise. Returns the exit code (0, 1 or 2). */
export async function run(argv: string[]): Promise<number> {
  const opts = parseImportArgs(argv);
  if (opts === 'help') {
    process.stdout.write(`${IMPORT_USAGE}\n`);
    return 0;
  }
  const stat = fs.statSync(opts.file, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw new Error(`cannot read '${opts.file}': ${stat ? 'not a file' : 'no such file'}`);
  const api = new ApiClient(opts.connection, FLAG_FIELDS);

  process.stdout.write(`uploading ${opts.file} (${bytes(stat.size)}) to ${opts.connection.httpUrl}${opts.dryRun ? ' (dry run)' : ''}\n`);
  const { jobId } = await runJob(api, 'import', opts.progressIntervalMs, async (signal) => {
    const r = await api.upload<{ startImport: StartedJob }>(START_IMPORT, { input: startImportInput(opts) }, opts.file, signal);
    return r.startImport.id;
  });

  const { job } = await api.request<{ job: JobSummary | null }>(jobSummaryQuery({ dryRun: opts.dryRun }), { id: jobId, errors: opts.showErrors });
  if (!job) throw new ApiError(`job ${jobId} is not visible with this token any more`, 'NOT_FOUND');
  process.stdout.write(importSummary(job));

  if (opts.failedRowsOut) {
    if (job.failedRows === 0) {
      process.stdout.write(`no failed rows: ${opts.failedRowsOut} not written\n`);
    } else {
      const { job: links } = await api.request<{ job: { failedRowsUrl: string | null } | null }>(FAILED_ROWS_URL, { id: jobId });
      if (!links?.failedRowsUrl)
        throw new ApiError(`the server offers no failed-rows file for job ${jobId} (it may have passed its retention period)`, 'NOT_FOUND');
      const size = await downloadTo(new URL(links.failedRowsUrl, opts.connection.httpUrl).toString(), opts.failedRowsOut);
      process.stdout.write(`saved the ${count(job.failedRows)} failed rows to ${opts.failedRowsOut} (${bytes(size)})\n`);
    }
  }
  if (job.status !== 'COMPLETED') return 1;
  return job.failedRows > 0 ? 2 : 0;
}
