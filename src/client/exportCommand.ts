import { ApiClient } from './apiClient.ts';
import { ApiError } from './apiError.ts';
import { downloadTo } from './download.ts';
import { EXPORT_USAGE, parseExportArgs } from './exportArgs.ts';
import { bytes, rows } from './numbers.ts';
import { DOWNLOAD_URL, START_EXPORT, type StartedJob } from './operations.ts';
import { runJob } from './runJob.ts';

/** `export --entity E --out FILE …`: start, follow, download. Returns the exit code (0 or 1). */
export async function run(argv: string[]): Promise<number> {
  const opts = parseExportArgs(argv);
  if (opts === 'help') {
    process.stdout.write(`${EXPORT_USAGE}\n`);
    return 0;
  }
  const api = new ApiClient(opts.connection);
  process.stdout.write(`exporting ${opts.input.entity.toLowerCase()} from ${opts.connection.httpUrl}\n`);
  const { jobId, end } = await runJob(api, 'export', opts.progressIntervalMs, async () => {
    const r = await api.request<{ startExport: StartedJob }>(START_EXPORT, { input: opts.input });
    return r.startExport.id;
  });
  if (end.status !== 'COMPLETED') {
    const { job } = await api.request<{ job: { failureReason: string | null } | null }>(`query ($id: ID!) { job(id: $id) { failureReason } }`, { id: jobId });
    process.stdout.write(`${end.status}: export job ${jobId}${job?.failureReason ? `\n  reason: ${job.failureReason}` : ''}\n`);
    return 1;
  }
  const { job } = await api.request<{ job: { downloadUrl: string | null } | null }>(DOWNLOAD_URL, { id: jobId });
  if (!job?.downloadUrl) throw new ApiError(`export job ${jobId} has no file to download (it may have passed its retention period)`, 'NOT_FOUND');
  const size = await downloadTo(new URL(job.downloadUrl, opts.connection.httpUrl).toString(), opts.out);
  process.stdout.write(`COMPLETED: export job ${jobId}, ${rows(end.totalRows ?? end.processedRows)} saved to ${opts.out} (${bytes(size)})\n`);
  return 0;
}
