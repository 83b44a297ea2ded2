import fs from 'node:fs';
import { buildSchema, getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationCost, type OperationCost } from './queryCost.ts';

const schema = buildSchema(fs.readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const LIMITS = { maxPage: 1000, maxNestedPage: 100 };

function costOf(query: string, variables: Record<string, unknown> = {}, operationName?: string): OperationCost | null {
  const document = parse(query);
  return operationCost(schema, document, getOperationAST(document, operationName)!, variables, LIMITS);
}
const cost = (query: string, variables: Record<string, unknown> = {}) => costOf(query, variables)!.cost;

// Weights from schema.graphql: job, jobs, errors, totalCount and mutations have @cost(weight: 100).
describe('the cost of an operation', () => {
  it('should count 1 per field and the weight of fields marked with @cost', () => {
    // job 100 + id 1 + status 1
    expect(cost('query { job(id: "x") { id status } }')).toBe(102);
  });

  it("should repeat a page's nodes `first` times and count its totalCount and pageInfo once", () => {
    // job 100 + errors 100 + totalCount 100 + nodes (1 + 1000 × 2 fields) + pageInfo (1 + 2)
    const q = 'query { job(id: "x") { errors(first: 1000) { totalCount nodes { row code } pageInfo { hasNextPage endCursor } } } }';
    expect(cost(q)).toBe(100 + 100 + 100 + 1 + 2000 + 3);
  });

  it("should use the argument's default, and a variable's value or default", () => {
    const page = (args: string) => `errors${args} { nodes { row } }`;
    const base = 100 + 100 + 1; // job + errors + nodes
    expect(cost(`query { job(id: "x") { ${page('')} } }`)).toBe(base + 50); // errors(first: Int = 50)
    expect(cost(`query($n: Int) { job(id: "x") { ${page('(first: $n)')} } }`, { n: 7 })).toBe(base + 7);
    expect(cost(`query($n: Int = 9) { job(id: "x") { ${page('(first: $n)')} } }`)).toBe(base + 9);
  });

  it('should count a page size out of range as the largest page the resolver accepts, never less than 0', () => {
    const q = (first: number) => `query { jobs(first: ${first}) { nodes { id } } }`;
    expect(cost(q(100_000))).toBe(cost(q(1000)));
    expect(cost(q(-5))).toBe(cost(q(0)));
    expect(cost(q(0))).toBe(101);
  });

  it('should count each alias as a field of its own', () => {
    const one = cost('query { jobs(first: 10) { nodes { id } } }');
    expect(cost('query { a: jobs(first: 10) { nodes { id } } b: jobs(first: 10) { nodes { id } } }')).toBe(2 * one);
    expect(cost('query { jobs(first: 10) { nodes { a: id b: id c: id } } }')).toBe(100 + 1 + 30);
  });

  it('should follow named and inline fragments, wherever they are spread', () => {
    const inline = cost('query { jobs(first: 10) { nodes { id errors(first: 5) { nodes { row } } } } }');
    const named = cost(`query { jobs(first: 10) { ...Page } }
      fragment Page on JobConnection { nodes { ...JobFields } }
      fragment JobFields on Job { id ... on Job { errors(first: 5) { nodes { row } } } }`);
    expect(named).toBe(inline);
  });

  it('should stay linear in the document when fragments spread each other twice at every level', () => {
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on Job { id }` : `fragment F${i} on Job { ...F${i + 1} ...F${i + 1} }`,
    ).join('\n');
    // 2^39 ids per job: far too many values to walk one by one, computed once per fragment.
    expect(cost(`query { job(id: "x") { ...F0 } } ${fragments}`)).toBe(100 + 2 ** (levels - 1));
  });

  it('should count fields under @skip and @include as selected', () => {
    expect(cost('query($no: Boolean = false) { job(id: "x") { id @include(if: $no) status @skip(if: true) } }')).toBe(102);
  });

  it('should make the expensive query of issue 8 cost millions, and a page of jobs with their fields thousands', () => {
    const expensive = `query { jobs(first: 1000) { nodes {
      a: errors(first: 1000) { totalCount nodes { row column code message value } }
      b: errors(first: 1000) { totalCount nodes { row column code message value } } } } }`;
    expect(cost(expensive)).toBeGreaterThan(10_000_000);
    const fields = 'id kind entity status fileName totalRows processedRows succeededRows failedRows percent rowsPerSecond etaSeconds createdAt';
    expect(cost(`query { jobs(first: 20) { nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`)).toBe(100 + 1 + 20 * 13 + 3);
  });

  it('should count the cost of the operation that runs, not of the others in the document', () => {
    const document = 'query Small { job(id: "x") { id } } query Big { jobs(first: 1000) { nodes { id } } }';
    expect(costOf(document, {}, 'Small')!.cost).toBe(101);
    expect(costOf(document, {}, 'Big')!.cost).toBe(1101);
  });

  it('should find the introspection query cheap', () => {
    expect(cost(getIntrospectionQuery())).toBeLessThan(500);
  });

  it('should give up (null) on variables that do not fit their types, which execution refuses by itself', () => {
    expect(costOf('query($n: Int) { jobs(first: $n) { nodes { id } } }', { n: 'many' })).toBeNull();
  });
});

describe('pages inside the items of another page', () => {
  it('should report a page of errors over 100 inside a list of jobs, naming both fields', () => {
    const r = costOf('query { jobs(first: 2) { nodes { errors(first: 101) { nodes { row } } } } }')!;
    expect(r.oversizedNestedPage).toEqual({ field: 'errors', inside: 'jobs', first: 101 });
  });

  it('should find it through variables and fragments too', () => {
    const r = costOf(
      `query($n: Int) { jobs(first: 2) { ...List } }
       fragment List on JobConnection { nodes { ...Errors } }
       fragment Errors on Job { errors(first: $n) { totalCount } }`,
      { n: 500 },
    )!;
    expect(r.oversizedNestedPage).toEqual({ field: 'errors', inside: 'jobs', first: 500 });
  });

  it('should accept 100 inside a list of jobs, and up to 1000 through job(id)', () => {
    expect(costOf('query { jobs(first: 2) { nodes { errors(first: 100) { nodes { row } } } } }')!.oversizedNestedPage).toBeNull();
    expect(costOf('query { job(id: "x") { errors(first: 1000) { nodes { row } } } }')!.oversizedNestedPage).toBeNull();
  });
});
