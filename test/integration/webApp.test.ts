import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APP_MARKER = '<div id="root"></div>';
const PLAYGROUND_MARKER = '<div id="playground"></div>';

/** A GET as a browser sends it for a page. */
async function getPage(base: string, pathname: string): Promise<{ status: number; type: string; body: string; headers: Headers }> {
  const res = await fetch(new URL(pathname, base), { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text(), headers: res.headers };
}

describe('the web app, the playground and the schema file, served by the API process', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp({}, 'api');
    base = new URL('/', t.url).toString();
  });
  afterAll(() => t?.stop());

  it('should serve schema.graphql at GET /schema.graphql, byte for byte, without a token', async () => {
    const res = await fetch(new URL('/schema.graphql', base));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(fs.readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));
  });

  it('should answer / and the app’s client routes with the app’s page, and /playground with the playground’s', async () => {
    for (const pathname of ['/', '/jobs', '/jobs/8c1f0000-0000-0000-0000-000000000000', '/exports/new']) {
      const page = await getPage(base, pathname);
      expect({ pathname, status: page.status, app: page.body.includes(APP_MARKER) }).toEqual({ pathname, status: 200, app: true });
    }
    const playground = await getPage(base, '/playground');
    expect(playground.status).toBe(200);
    expect(playground.body).toContain(PLAYGROUND_MARKER);
  });

  it('should send pages with a same-origin Content-Security-Policy and no caching', async () => {
    const page = await getPage(base, '/');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
  });

  it('should serve the bundles the page names, cached for good, and answer a missing one with a plain 404', async () => {
    const page = await getPage(base, '/');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, base));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');

    const missing = await getPage(base, '/assets/not-in-this-build.js');
    expect(missing.status).toBe(404);
    expect(missing.body).not.toContain(APP_MARKER);
    expect(missing.body).not.toContain(ROOT); // no file system paths
  });

  it('should never answer the API’s own paths with a page', async () => {
    const health = await getPage(base, '/healthz');
    expect(health.type).toMatch(/json/);
    const file = await getPage(base, '/files/8c1f0000-0000-0000-0000-000000000000');
    expect(file.type).toMatch(/json/);
    for (const pathname of ['/readyz', '/metrics', '/files', '/graphql/anything', '/schema.graphql/x']) {
      const page = await getPage(base, pathname);
      expect({ pathname, app: page.body.includes(APP_MARKER) }).toEqual({ pathname, app: false });
    }
    const token = await t.token('web-paths');
    expect((await gql(t.url, token, '{ jobs(first: 1) { nodes { id } } }')).data).toEqual({ jobs: { nodes: [] } });
  });
});
