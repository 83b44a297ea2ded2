import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appUrl, launchChromium, openOfflinePage, screenshot, signIn, type OfflinePage } from '../helpers/browser.ts';
import { buildCsv, CONTACTS_HEADER, contactRow } from '../helpers/buildCsv.ts';
import { gql, importAndWait } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/** What a Monaco editor region shows, as plain text (Monaco renders spaces as no-break spaces). */
async function editorText(page: Page, region: string): Promise<string> {
  return (await page.getByRole('region', { name: region }).locator('.view-lines').filter({ visible: true }).innerText()).replace(/\u00a0/g, ' ');
}

/** Replaces a Monaco editor's whole content with balanced text, typed. */
async function replaceEditorText(page: Page, region: string, text: string): Promise<void> {
  const lines = page.getByRole('region', { name: region }).locator('.view-lines').filter({ visible: true });
  // Cleared first, and checked: an editor that has just been shown can miss the first keystrokes.
  await expect
    .poll(async () => {
      await lines.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      return (await editorText(page, region)).trim();
    })
    .toBe('');
  // Typed: Monaco closes brackets and quotes as they open and types over them as they close.
  await page.keyboard.type(text);
  await expect.poll(() => editorText(page, region)).toBe(text);
}

describe('the playground for support staff, in Chromium, with everything outside this machine blocked', () => {
  let t: TestApp;
  let browser: Browser;
  let tab: OfflinePage;
  let jobId: string;
  let supportToken: string;
  /** Bodies of every POST /graphql the playground sent. */
  let graphqlBodies: string[];
  /** connection_init payloads of every graphql-ws connection the playground opened. */
  let connectionInits: unknown[];

  beforeAll(async () => {
    // Production: introspection is off, so docs and autocomplete can only come from /schema.graphql.
    t = await startTestApp({ nodeEnv: 'production' });
    const member = await t.token('playground-ws');
    supportToken = await t.token('staff', 'support');
    const csv = buildCsv([CONTACTS_HEADER, contactRow(1, 'pg'), ['not-an-email', 'Bob', '', '', '', ''], contactRow(3, 'pg')]);
    jobId = (await importAndWait(t.url, member, csv)).id;
    browser = await launchChromium();
  });
  afterEach(async () => {
    expect(tab.outsideRequests).toEqual([]);
    await tab.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  async function openPlayground(): Promise<Page> {
    tab = await openOfflinePage(browser);
    const { page } = tab;
    graphqlBodies = [];
    connectionInits = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/graphql') graphqlBodies.push(r.postData() ?? '');
    });
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        const msg = JSON.parse(String(f.payload)) as { type: string; payload?: unknown };
        if (msg.type === 'connection_init') connectionInits.push(msg.payload);
      }),
    );
    // Signed in to the web app in this tab: the playground's Headers tab starts with that token.
    await signIn(page, appUrl(t.url), supportToken);
    await page.goto(new URL('/playground', t.url).toString());
    // Ready once the editor shows the first example (a tab clicked before that keeps its old text).
    await expect.poll(() => editorText(page, 'Operation Editor'), { timeout: 30_000 }).toContain('query JobWithErrors');
    return page;
  }

  it('should prefill the example operations and the Headers tab, and run a query over HTTP with those headers', async () => {
    const page = await openPlayground();
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['JobWithErrors', 'WorkspaceJobs', 'LiveProgress']);
    await page.getByRole('button', { name: 'Headers' }).click();
    expect(JSON.parse(await editorText(page, 'Headers'))).toEqual({ Authorization: `Bearer ${supportToken}` });

    await page.getByRole('button', { name: 'Variables' }).click();
    await replaceEditorText(page, 'Variables', JSON.stringify({ id: jobId }));
    await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();

    await expect.poll(() => editorText(page, 'Result Window'), { timeout: 20_000 }).toContain('INVALID_EMAIL');
    const result = await editorText(page, 'Result Window');
    expect(result).toContain(`"id": "${jobId}"`);
    expect(result).toContain('"totalCount": 1');
    expect(graphqlBodies.some((b) => b.includes('JobWithErrors'))).toBe(true);
    await screenshot(page, 'playground', { fullPage: false });
  });

  it('should run the live progress subscription over graphql-ws, sending the Headers tab as connection params', async () => {
    const page = await openPlayground();
    await page.getByRole('tab', { name: 'LiveProgress' }).getByRole('button', { name: 'LiveProgress' }).click();
    await expect.poll(() => editorText(page, 'Operation Editor')).toContain('subscription LiveProgress');
    await page.getByRole('button', { name: 'Variables' }).click();
    await replaceEditorText(page, 'Variables', JSON.stringify({ id: jobId }));
    await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();

    // A finished job: its terminal state, then the subscription completes.
    await expect.poll(() => editorText(page, 'Result Window'), { timeout: 20_000 }).toContain('"status": "COMPLETED"');
    const result = await editorText(page, 'Result Window');
    expect(result).toContain(`"jobId": "${jobId}"`);
    expect(result).toContain('"failedRows": 1');
    expect(connectionInits).toEqual([{ Authorization: `Bearer ${supportToken}` }]);
    // It went over the WebSocket, not HTTP.
    expect(graphqlBodies.some((b) => b.includes('LiveProgress'))).toBe(false);
  });

  it('should show docs and autocomplete from the schema file while the server refuses introspection', async () => {
    const introspection = await gql(t.url, supportToken, '{ __schema { queryType { name } } }');
    expect(introspection.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const page = await openPlayground();
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.getByRole('link', { name: 'Subscription' }).click();
    await page.getByText('current state first, then live progress').waitFor();
    await page.getByRole('link', { name: 'jobProgress' }).first().waitFor();
    await screenshot(page, 'playground-docs', { fullPage: false });

    await page.getByRole('button', { name: 'New tab' }).click();
    await replaceEditorText(page, 'Operation Editor', '{ jobs }');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+Space');
    const suggestions = page.locator('.suggest-widget .monaco-list-row');
    await expect.poll(() => suggestions.allInnerTexts(), { timeout: 15_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/^jobs?\b/)]));
    expect((await suggestions.allInnerTexts()).join(' ')).toMatch(/\bjobs\b/);

    expect(graphqlBodies.filter((b) => b.includes('__schema'))).toEqual([]);
  });
});
