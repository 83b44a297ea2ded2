import { dataOrThrow, GRAPHQL_PATH, GraphQLRequestError } from './graphqlRequest.ts';
import { START_IMPORT, type JobSummaryFields, type StartImportVariables } from './operations.ts';

/**
 * startImport as a GraphQL multipart request (the spec the API follows), with upload progress.
 * XMLHttpRequest rather than fetch: fetch reports nothing while a large file is being sent.
 * `apollo-require-preflight` is required: the API's CSRF prevention refuses multipart without it.
 */
export function uploadImport(token: string, input: StartImportVariables, file: File, onProgress: (sentFraction: number) => void): Promise<JobSummaryFields> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: START_IMPORT, variables: { input: { ...input, file: null } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', GRAPHQL_PATH);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('apollo-require-preflight', 'true');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new GraphQLRequestError([{ message: 'the upload did not reach the API; check your connection and try again' }]));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // handled by dataOrThrow
      }
      try {
        resolve(dataOrThrow<{ startImport: JobSummaryFields }>(xhr.status, body).startImport);
      } catch (err) {
        reject(err);
      }
    };
    xhr.send(form);
  });
}
