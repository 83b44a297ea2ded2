import { GraphQLError, Kind, visit, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * Checks on a GraphQL request that hold for every field, made once at the boundary rather than in
 * each resolver. PostgreSQL cannot store a NUL character in text, and no argument of ours needs one:
 * a NUL anywhere is a client error, answered as such, never a driver error from deep inside.
 */

export function badUserInput(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extra, http: { status: 400 } } });
}

/** True when a string literal written in the document holds a NUL character. */
export function hasNulInStringLiterals(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  return found;
}

/** The message for a NUL found in the document or at a variable path; null when there is none. */
export function nulProblem(document: DocumentNode, variables: Record<string, unknown> | null | undefined): string | null {
  if (hasNulInStringLiterals(document)) return 'a string argument contains a NUL character (\\u0000), which no field accepts';
  const path = findNulInVariables(variables);
  return path && `${path} contains a NUL character (\\u0000), which no field accepts`;
}

/** The path ("$input.idempotencyKey") of the first variable string holding a NUL character, or null. */
export function findNulInVariables(variables: Record<string, unknown> | null | undefined): string | null {
  const visit = (value: unknown, path: string, depth: number): string | null => {
    if (typeof value === 'string') return value.includes('\u0000') ? path : null;
    if (depth > 32 || value === null || typeof value !== 'object') return null;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = visit(value[i], `${path}[${i}]`, depth + 1);
        if (found) return found;
      }
      return null;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return null; // an Upload, not client text
    for (const [key, v] of Object.entries(value)) {
      const found = visit(v, `${path}.${key}`, depth + 1);
      if (found) return found;
    }
    return null;
  };
  for (const [name, value] of Object.entries(variables ?? {})) {
    const found = visit(value, `$${name}`, 0);
    if (found) return found;
  }
  return null;
}

/** Top-level fields the operation selects (fragments followed, __typename not counted). */
export function rootFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += s.name.value === '__typename' ? 0 : 1;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) n += count(f.selectionSet);
      }
    }
    return n;
  };
  return count(operation.selectionSet);
}
