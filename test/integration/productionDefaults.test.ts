import { afterAll, describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphqlClient.ts';
import { startServerProcesses, type ServerProcesses } from '../helpers/serverProcess.ts';

const INTROSPECTION = `{ __schema { queryType { name } } }`;
const started: ServerProcesses[] = [];
afterAll(() => Promise.all(started.map((s) => s.stop())));

async function start(role: 'api' | 'all', env: NodeJS.ProcessEnv): Promise<ServerProcesses> {
  const s = await startServerProcesses(role, env);
  started.push(s);
  return s;
}

describe('npm run api with NODE_ENV unset', () => {
  it('should run as production: no introspection, no stack traces, and say so when it starts', async () => {
    const s = await start('api', { NODE_ENV: undefined, HOST: undefined });
    const token = await s.token('prod');
    const introspection = await gql(s.url, token, INTROSPECTION);
    expect(introspection.errors?.[0].message).toMatch(/introspection/i);
    expect(introspection.errors?.[0].extensions?.stacktrace).toBeUndefined();
    const invalid = await gql(s.url, token, `{ nope }`);
    expect(invalid.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(invalid.errors?.[0].extensions?.stacktrace).toBeUndefined();
    expect(s.api.tail()).toContain('production mode: errors masked, introspection off');
    expect(s.api.tail()).toContain('API ready at http://localhost:'); // 0.0.0.0: every interface, as a server behind a proxy needs
  });
});

describe('npm start with NODE_ENV unset', () => {
  it('should keep the development quick start: introspection on, stack traces, loopback only, and say so', async () => {
    const s = await start('all', { NODE_ENV: undefined, HOST: undefined });
    const token = await s.token('dev');
    const introspection = await gql(s.url, token, INTROSPECTION);
    expect(introspection).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const invalid = await gql(s.url, token, `{ nope }`);
    expect(invalid.errors?.[0].extensions?.stacktrace).toEqual(expect.any(Array));
    expect(s.api.tail()).toMatch(/development mode: .*listening on 127\.0\.0\.1 only/);
  });
});
