/**
 * The playground's prefilled tabs: the questions support staff ask most. Each is a complete,
 * valid operation against schema.graphql, so it runs once its variables name a real job.
 */

const JOB_WITH_ERRORS = `# What happened to this job, and which rows failed?
# Put the job's id in Variables below, then run.
query JobWithErrors($id: ID!, $after: String) {
  job(id: $id) {
    id
    kind
    entity
    status
    failureReason
    fileName
    totalRows
    processedRows
    succeededRows
    failedRows
    createdAt
    completedAt
    errors(first: 50, after: $after) {
      totalCount
      nodes { row column code message value }
      pageInfo { hasNextPage endCursor }
    }
  }
}
`;

const WORKSPACE_JOBS = `# The jobs this token can see, newest first: a member token lists its own
# workspace's jobs, a support token every workspace's. Filter by status or kind.
query WorkspaceJobs($first: Int = 20, $after: String, $status: JobStatus, $kind: JobKind) {
  jobs(first: $first, after: $after, status: $status, kind: $kind) {
    nodes {
      id
      kind
      entity
      status
      fileName
      processedRows
      totalRows
      failedRows
      createdAt
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const LIVE_PROGRESS = `# Live progress of a job over graphql-ws: the current state first, then
# an event at least every second while it runs, then the final state.
subscription LiveProgress($id: ID!) {
  jobProgress(jobId: $id) {
    jobId
    status
    processedRows
    totalRows
    succeededRows
    failedRows
    percent
    rowsPerSecond
    etaSeconds
  }
}
`;

const JOB_ID_VARIABLES = JSON.stringify({ id: 'paste-a-job-id-here' }, null, 2);

export interface ExampleTab {
  query: string;
  variables?: string;
  headers?: string;
}

/** The Headers tab's content: what it holds is sent on HTTP and as the graphql-ws connection params. */
export function authorizationHeaders(token: string | null): string {
  return JSON.stringify({ Authorization: `Bearer ${token ?? 'paste-an-API-token-here'}` }, null, 2);
}

export function exampleTabs(token: string | null): ExampleTab[] {
  const headers = authorizationHeaders(token);
  return [
    { query: JOB_WITH_ERRORS, variables: JOB_ID_VARIABLES, headers },
    { query: WORKSPACE_JOBS, variables: JSON.stringify({ first: 20 }, null, 2), headers },
    { query: LIVE_PROGRESS, variables: JOB_ID_VARIABLES, headers },
  ];
}
