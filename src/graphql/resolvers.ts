import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import { notFound } from '../errors.ts';
import { downloadLinkFor, type DownloadLink } from '../exports/exportDownload.ts';
import type { StartExportInput } from '../exports/exportRequest.ts';
import { startExport } from '../exports/exportService.ts';
import { cancelJob, findJob, startImport, type JobServiceDeps } from '../jobs/importService.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import type { ProgressEvent } from '../jobs/progressBus.ts';
import { listJobs, listRowErrors } from '../jobs/jobQueries.ts';
import type { DuplicateStrategy, JobKind, JobStatus } from '../jobs/jobStatus.ts';
import { etaSeconds, rowsPerSecond, toProgressEvent } from '../jobs/progressMath.ts';
import { latestRevertOf, startRevert } from '../reverts/revertService.ts';
import { listJobDeliveries } from '../webhooks/deliveryQueries.ts';
import { createEndpoint, deleteEndpoint, listEndpoints, rotateSecret } from '../webhooks/endpointService.ts';
import type { WebhookEventType } from '../webhooks/webhookEvent.ts';
import { suggestMapping, type ColumnChoice } from '../entities/columnMapping.ts';
import { entityByName } from '../entities/registry.ts';
import { failedRowsLinkFor } from '../imports/failedRowsLink.ts';
import { listMappings, saveMapping } from '../mappings/savedMappings.ts';
import type { GraphQLContext } from './context.ts';
import { workspaceView } from '../workspaces/workspaceView.ts';
import { DateTime } from './scalars.ts';

function serviceDeps(ctx: GraphQLContext): JobServiceDeps {
  const { pool, store, bus, config, metrics } = ctx.services;
  return { pool, store, bus, metrics, limits: config, jobMaxAttempts: config.jobMaxAttempts };
}

/** The base name of a file name as the browser sent it (the transport has refused control characters). */
function baseFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop()?.trim() ?? '';
  return base || 'upload.csv';
}

const links = new WeakMap<JobRecord, Promise<DownloadLink | null>>();

/** One link per job object per request, so downloadUrl and downloadExpiresAt agree. */
function downloadLink(ctx: GraphQLContext, job: JobRecord): Promise<DownloadLink | null> {
  let link = links.get(job);
  if (!link) {
    const { pool, store, config } = ctx.services;
    link = downloadLinkFor({ pool, store, signingSecret: config.signingSecret, ttlSeconds: config.downloadLinkTtlSeconds }, job, ctx.origin);
    links.set(job, link);
  }
  return link;
}

interface StartImportArgs {
  input: {
    entity: string;
    file: Promise<FileUpload>;
    duplicateStrategy?: DuplicateStrategy | null;
    idempotencyKey?: string | null;
    encoding?: string | null;
    dryRun?: boolean | null;
    mapping?: ColumnChoice[] | null;
    mappingName?: string | null;
  };
}

export const resolvers = {
  Upload: GraphQLUpload,
  DateTime,

  Query: {
    job: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => findJob(ctx.services.pool, await ctx.viewer(), args.id),
    jobs: async (_: unknown, args: { first: number; after?: string; status?: JobStatus; kind?: JobKind }, ctx: GraphQLContext) =>
      listJobs(ctx.services.pool, await ctx.viewer(), args),
    webhookEndpoints: async (_: unknown, _args: unknown, ctx: GraphQLContext) => listEndpoints(ctx.services.pool, await ctx.viewer()),
    workspace: async (_: unknown, __: unknown, ctx: GraphQLContext) => workspaceView(ctx.services.pool, ctx.services.config, await ctx.viewer()),
    suggestMapping: async (_: unknown, args: { entity: string; headers: string[] }, ctx: GraphQLContext) => {
      await ctx.viewer();
      return suggestMapping(entityByName(args.entity), args.headers);
    },
    mappings: async (_: unknown, args: { entity?: string | null }, ctx: GraphQLContext) => listMappings(ctx.services.pool, await ctx.viewer(), args.entity),
  },

  Mutation: {
    startImport: async (_: unknown, { input }: StartImportArgs, ctx: GraphQLContext) => {
      const viewer = await ctx.viewer();
      const upload = await input.file;
      return startImport(serviceDeps(ctx), viewer, {
        entity: input.entity,
        fileName: baseFileName(upload.filename),
        file: upload.createReadStream(),
        duplicateStrategy: input.duplicateStrategy ?? 'SKIP',
        idempotencyKey: input.idempotencyKey,
        encoding: input.encoding,
        dryRun: input.dryRun,
        mapping: input.mapping,
        mappingName: input.mappingName,
      });
    },
    cancelJob: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => cancelJob(serviceDeps(ctx), await ctx.viewer(), args.id),
    revertImport: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => startRevert(ctx.services, await ctx.viewer(), args.id),
    startExport: async (_: unknown, args: { input: StartExportInput & { idempotencyKey?: string | null } }, ctx: GraphQLContext) =>
      startExport(serviceDeps(ctx), await ctx.viewer(), args.input),
    createWebhookEndpoint: async (_: unknown, args: { input: { url: string; events?: WebhookEventType[] | null } }, ctx: GraphQLContext) =>
      createEndpoint(ctx.services, await ctx.viewer(), args.input),
    deleteWebhookEndpoint: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => deleteEndpoint(ctx.services.pool, await ctx.viewer(), args.id),
    rotateWebhookSecret: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => rotateSecret(ctx.services, await ctx.viewer(), args.id),
    saveMapping: async (_: unknown, args: { input: { name: string; entity: string; mapping: ColumnChoice[] } }, ctx: GraphQLContext) =>
      saveMapping(ctx.services.pool, await ctx.viewer(), args.input),
  },

  Subscription: {
    jobProgress: {
      // The stream is returned as is (no async generator around it): a client that leaves releases
      // its share of the job's watch at once, even while it is waiting for the next event.
      subscribe: async (_: unknown, args: { jobId: string }, ctx: GraphQLContext) => {
        const job = await findJob(ctx.services.pool, await ctx.viewer(), args.jobId);
        if (!job) throw notFound(`no job with id '${args.jobId}'`);
        return ctx.services.watches.watch(job);
      },
      resolve: (event: ProgressEvent) => event,
    },
  },

  Job: {
    percent: (job: JobRecord) => toProgressEvent(job).percent,
    revertedBy: (job: JobRecord, _: unknown, ctx: GraphQLContext) => (job.kind === 'IMPORT' ? latestRevertOf(ctx.services.pool, job.id) : null),
    reverts: async (job: JobRecord, _: unknown, ctx: GraphQLContext) =>
      job.revertsJobId ? findJob(ctx.services.pool, await ctx.viewer(), job.revertsJobId) : null,
    // A dry run inserted and updated nothing: its counters say what the import WOULD do.
    insertedRows: (job: JobRecord) => (job.dryRun ? 0 : job.insertedRows),
    updatedRows: (job: JobRecord) => (job.dryRun ? 0 : job.updatedRows),
    wouldInsert: (job: JobRecord) => (job.dryRun ? job.insertedRows : null),
    wouldUpdate: (job: JobRecord) => (job.dryRun ? job.updatedRows : null),
    rowsPerSecond: (job: JobRecord) => rowsPerSecond(job),
    etaSeconds: (job: JobRecord) => etaSeconds(job),
    ignoredColumns: (job: JobRecord) => (job.options as { ignoredColumns?: string[] } | null)?.ignoredColumns ?? [],
    downloadUrl: async (job: JobRecord, _: unknown, ctx: GraphQLContext) => (await downloadLink(ctx, job))?.url ?? null,
    downloadExpiresAt: async (job: JobRecord, _: unknown, ctx: GraphQLContext) => (await downloadLink(ctx, job))?.expiresAt ?? null,
    // The job was found within the viewer's scope, so its deliveries are the viewer's to read.
    webhookDeliveries: (job: JobRecord, _: unknown, ctx: GraphQLContext) => listJobDeliveries(ctx.services.pool, job.id),
    failedRowsUrl: async (job: JobRecord, _: unknown, ctx: GraphQLContext) => {
      const { pool, config } = ctx.services;
      const link = await failedRowsLinkFor({ pool, signingSecret: config.signingSecret, ttlSeconds: config.downloadLinkTtlSeconds }, job, ctx.origin);
      return link?.url ?? null;
    },
    errors: async (job: JobRecord, args: { first: number; after?: string }, ctx: GraphQLContext) => {
      const page = await listRowErrors(ctx.services.prisma, job.id, args);
      return { nodes: page.nodes, pageInfo: page.pageInfo, totalCount: page.totalCount };
    },
  },
  RowErrorConnection: {
    totalCount: (conn: { totalCount: () => Promise<number> }) => conn.totalCount(),
  },
};
