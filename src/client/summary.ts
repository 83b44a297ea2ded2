import { count, rows } from './numbers.ts';
import type { JobSummary } from './operations.ts';

/** The end of an import, as the person at the terminal reads it. */
export function importSummary(job: JobSummary): string {
  const lines: string[] = [];
  const outcome =
    job.status === 'COMPLETED' && job.failedRows > 0 ? `COMPLETED with ${count(job.failedRows)} failed row${job.failedRows === 1 ? '' : 's'}` : job.status;
  lines.push(`${outcome}: import job ${job.id}${job.fileName ? ` (${job.fileName})` : ''}`);
  if (job.status === 'FAILED' && job.failureReason) lines.push(`  reason: ${job.failureReason}`);
  if (job.status === 'CANCELLED') lines.push('  cancelled: the rows committed before the cancel stay, and the counts below are exactly those');
  lines.push(
    `  ${rows(job.processedRows)} processed: ${count(job.succeededRows)} succeeded (${count(job.insertedRows)} inserted, ` +
      `${count(job.updatedRows)} updated, ${count(job.unchangedRows)} unchanged), ${count(job.failedRows)} failed`,
  );
  if (job.dryRun) {
    lines.push(`  dry run: nothing was written; would insert ${count(job.wouldInsert ?? 0)}, would update ${count(job.wouldUpdate ?? 0)}`);
  }
  if (job.ignoredColumns.length > 0) lines.push(`  ignored columns (no such field): ${job.ignoredColumns.join(', ')}`);
  const shown = job.errors.nodes;
  if (shown.length > 0) {
    lines.push(`  first row errors (${shown.length} of ${count(job.errors.totalCount)}):`);
    const widths = [0, 1, 2].map((i) => Math.max(...shown.map((e) => errorCells(e)[i].length)));
    for (const e of shown)
      lines.push(
        `    ${errorCells(e)
          .map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c))
          .join('  ')}`,
      );
    if (job.errors.totalCount > shown.length) lines.push(`  all of them: job(id: "${job.id}") { errors(first, after) { … } } or --failed-rows OUT.csv`);
  }
  return lines.join('\n') + '\n';
}

function errorCells(e: JobSummary['errors']['nodes'][number]): [string, string, string, string] {
  return [`row ${e.row}`, e.column ?? '-', e.code, e.message];
}
