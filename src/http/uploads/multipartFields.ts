import { uploadRefused } from './uploadRefused.ts';

/** The `operations` field of a multipart request: one GraphQL request (batches are not accepted). */
export interface GraphQLOperation {
  query?: unknown;
  operationName?: unknown;
  variables?: Record<string, unknown> | null;
  extensions?: unknown;
}

const SPEC = 'see https://github.com/jaydenseric/graphql-multipart-request-spec';
const refuse = (message: string) => uploadRefused(400, 'MALFORMED_MULTIPART', `${message} (${SPEC})`);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseJson(field: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw refuse(`the '${field}' field is not valid JSON`);
  }
}

export function readOperations(value: string): GraphQLOperation {
  const v = parseJson('operations', value);
  if (Array.isArray(v)) throw refuse('batched operations are not accepted: send one operation per request');
  if (!isPlainObject(v)) throw refuse("the 'operations' field must be a JSON object");
  return v as GraphQLOperation;
}

/**
 * The `map` field: file field name → the ONE path in the operation where that file goes.
 * A file named at several paths is refused: it would start several imports from one stream.
 */
export function readMap(value: string, maxFiles: number): Array<[string, string]> {
  const v = parseJson('map', value);
  if (!isPlainObject(v)) throw refuse("the 'map' field must be a JSON object");
  const entries = Object.entries(v);
  if (entries.length > maxFiles) {
    throw uploadRefused(413, 'TOO_MANY_FILES', `this request may carry at most ${maxFiles} file(s); 'map' names ${entries.length}`);
  }
  const seen = new Set<string>();
  return entries.map(([field, paths]) => {
    if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || p.trim() === '')) {
      throw refuse(`'map' must give each file an array of paths such as ["variables.input.file"]; '${field}' has ${JSON.stringify(paths)}`);
    }
    if (paths.length > 1 || seen.has(paths[0])) {
      throw uploadRefused(400, 'UPLOAD_USED_TWICE', 'one uploaded file can be used in one place only: send one request per import');
    }
    seen.add(paths[0]);
    return [field, paths[0] as string];
  });
}

/**
 * Puts `value` at a dotted path such as `variables.input.file` of the operation. The path must lead
 * to an existing null placeholder inside `variables`: nothing else of the operation can be replaced.
 */
export function placeUpload(operation: GraphQLOperation, path: string, value: unknown): void {
  const props = path.split('.');
  if (props[0] !== 'variables' || props.length < 2) throw refuse(`map path '${path}' must point into 'variables'`);
  let target: unknown = operation;
  for (let i = 0; i < props.length - 1; i++) {
    const prop = props[i];
    if (FORBIDDEN_KEYS.has(prop) || target === null || typeof target !== 'object' || !Object.hasOwn(target, prop)) {
      throw refuse(`map path '${path}' does not exist in the operation's variables`);
    }
    target = (target as Record<string, unknown>)[prop];
  }
  const last = props[props.length - 1];
  if (FORBIDDEN_KEYS.has(last) || target === null || typeof target !== 'object' || !Object.hasOwn(target, last)) {
    throw refuse(`map path '${path}' does not exist in the operation's variables`);
  }
  if ((target as Record<string, unknown>)[last] !== null) throw refuse(`map path '${path}' must point at a null placeholder`);
  (target as Record<string, unknown>)[last] = value;
}
