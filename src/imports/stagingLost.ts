/**
 * PostgreSQL's crash recovery empties UNLOGGED tables, so after a database crash an import's staged
 * rows are gone while its jobs row (logged) still counts them. Whoever notices raises this; the
 * import is then restaged from its stored file (see stagingPlan.ts) and finishes exactly.
 */
export class StagingLost extends Error {
  constructor(
    readonly jobId: string,
    detail: string,
  ) {
    super(`the staged rows of import ${jobId} were lost (PostgreSQL restarted after a crash): ${detail}; restaging from the stored file`);
    this.name = 'StagingLost';
  }
}
