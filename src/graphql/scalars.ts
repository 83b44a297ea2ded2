import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** ISO 8601 date-time with time zone, e.g. "2026-11-23T14:45:00.000Z". */
export const DateTime = new GraphQLScalarType<Date | null, string>({
  name: 'DateTime',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return d.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T|$)/.test(value) || Number.isNaN(d.getTime())) {
    throw new GraphQLError(`DateTime must be an ISO 8601 string such as 2026-01-31T00:00:00Z, got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return d;
}
