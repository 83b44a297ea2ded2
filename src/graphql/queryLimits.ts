import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { MAX_PAGE } from '../jobs/jobQueries.ts';
import { badUserInput } from './inputChecks.ts';
import { operationCost } from './queryCost.ts';

/** The largest `first` of a paged field inside another one's items: `jobs { nodes { errors(first:) } } }`. */
export const MAX_NESTED_PAGE = 100;

/** The code of an operation refused for its cost; clients switch on it. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * The error to answer an operation with when it asks for more work than one request may cause, or
 * null when it may run. Both transports call this after validation and BEFORE any resolver runs, so
 * a refused operation has touched neither the database nor anything else.
 */
export function queryLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  maxCost: number,
): GraphQLError | null {
  // No operation to run (a name that matches none): execution refuses the request by itself.
  if (!operation) return null;
  const result = operationCost(schema, document, operation, variables, { maxPage: MAX_PAGE, maxNestedPage: MAX_NESTED_PAGE });
  // Variables that do not fit their types: execution refuses them by itself, before any resolver.
  if (!result) return null;
  if (result.cost > maxCost) {
    return new GraphQLError(
      `this query would cost ${count(result.cost)}, over the limit of ${count(maxCost)}: ask for fewer items per page ` +
        '(a smaller `first`, then the next page with `after`), fewer aliases or fewer nested lists',
      { extensions: { code: QUERY_TOO_COMPLEX, cost: result.cost, maxCost, http: { status: 400 } } },
    );
  }
  const nested = result.oversizedNestedPage;
  if (nested) {
    return badUserInput(
      `${nested.field}(first: ${nested.first}) inside ${nested.inside} may ask for at most ${MAX_NESTED_PAGE} items: ` +
        `ask for fewer, or query one item by id for pages of up to ${MAX_PAGE} (job(id) { ${nested.field}(first: …) })`,
    );
  }
  return null;
}
