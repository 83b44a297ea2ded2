import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appUrl, launchChromium, navLink, openOfflinePage, PHONE, screenshot, signIn, type OfflinePage } from '../helpers/browser.ts';
import { buildCsv, CONTACTS_HEADER, contactRow } from '../helpers/buildCsv.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import { installImportGate, type ImportGate } from '../helpers/importGate.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const ROWS = 1000;

/** A contacts file with our own column names (no mapping needed); every 100th email is invalid. */
function plainContactsFile(): Buffer {
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const row = contactRow(i + 1, 'web');
    if ((i + 1) % 100 === 0) row[0] = `not-an-email-${i + 1}`;
    return row;
  });
  return Buffer.from(buildCsv([CONTACTS_HEADER, ...rows]));
}

/** Records every value the page's progress bar shows, from page load on. */
const RECORD_BAR = () => {
  const w = window as unknown as { barValues: number[] };
  w.barValues = [];
  new MutationObserver(() => {
    const bar = document.querySelector('[role="progressbar"]');
    const value = bar ? Number(bar.getAttribute('aria-valuenow')) : null;
    if (value !== null && w.barValues.at(-1) !== value) w.barValues.push(value);
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
};

describe('importing a spreadsheet through the web app, in Chromium, against the real server', () => {
  let t: TestApp;
  let browser: Browser;
  let gate: ImportGate;
  let token: string;
  let tab: OfflinePage | undefined;

  beforeAll(async () => {
    // Chunks of 100 rows: ten progress steps, and a gate between two of them.
    t = await startTestApp({ chunkSize: 100 });
    token = await t.token('web-import');
    gate = await installImportGate(t.databaseUrl);
    browser = await launchChromium();
  });
  afterEach(async () => {
    await gate.open(); // a failed test must not hold the next ones at the gate
    // Nothing the pages did may have left this machine.
    expect(tab?.outsideRequests).toEqual([]);
    await tab?.close();
    tab = undefined;
  });
  afterAll(async () => {
    await gate?.remove();
    await browser?.close();
    await t?.stop();
  });

  it('should refuse a wrong token on the sign-in page and say so', async () => {
    tab = await openOfflinePage(browser);
    const { page } = tab;
    await page.goto(appUrl(t.url));
    await screenshot(page, 'sign-in');
    // Keyboard only: Tab to the field, type, Enter.
    await page.keyboard.press('Tab'); // the page's first stop is the token field
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-token');
    await page.keyboard.type('bp_not-a-real-token');
    await page.keyboard.press('Enter');

    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This API token is not valid');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('should import a plain file: preview, a bar that moves while rows are merged, then COMPLETED with its row errors', async () => {
    tab = await openOfflinePage(browser);
    const { page } = tab;
    await page.addInitScript(RECORD_BAR);
    await signIn(page, appUrl(t.url), token);
    // The token lives in this tab's sessionStorage only.
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([1, 0]);

    await page.getByLabel('Entity').selectOption('CONTACTS');
    await page.getByLabel('CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: plainContactsFile() });
    const preview = page.getByRole('table', { name: 'First rows of contacts.csv' });
    await expect.poll(() => preview.getByRole('columnheader').allTextContents()).toEqual([...CONTACTS_HEADER]);
    await expect.poll(() => preview.getByRole('row').count()).toBe(6); // header + 5 rows
    await page.getByLabel('Skip it: keep the existing record').check();
    await screenshot(page, 'import');

    await gate.close(ROWS / 2);
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = page.url().split('/').pop()!;

    // Held at the gate with 500 of 1,000 rows merged: the bar shows it, live. (The percent can be
    // ahead of 50: while the total was unknown the server estimated it from bytes, and its percent
    // never goes back down.)
    await gate.waitForImport();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    await page.getByText(/^500 (of 1,000 rows|rows done)/).waitFor({ timeout: 20_000 });
    const held = Number(await bar.getAttribute('aria-valuenow'));
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(100);
    await page.getByRole('button', { name: 'Cancel' }).waitFor();
    await screenshot(page, 'progress');

    await gate.open();
    await page.getByText('COMPLETED', { exact: true }).waitFor({ timeout: 30_000 });
    const values = await page.evaluate(() => (window as unknown as { barValues: number[] }).barValues);
    expect(values).toContain(held);
    expect(values.at(-1)).toBe(100);
    expect(values).toEqual([...values].sort((a, b) => a - b)); // never backwards

    const counts = Object.fromEntries(
      await page.locator('.counts > div').evaluateAll((items) => items.map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent])),
    );
    expect(counts).toMatchObject({ 'Rows in the file': '1,000', Processed: '1,000', Succeeded: '990', Failed: '10', Inserted: '990' });

    const errors = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Code' }) });
    expect(await errors.getByRole('columnheader').allTextContents()).toEqual(['Row', 'Column', 'Code', 'Message', 'Value']);
    const firstError = errors.getByRole('row').nth(1);
    expect(await firstError.getByRole('cell').allTextContents()).toEqual([
      '101',
      'email',
      'INVALID_EMAIL',
      "invalid email 'not-an-email-100'",
      'not-an-email-100',
    ]);
    await expect.poll(() => errors.locator('tbody tr[aria-rowindex]').count()).toBe(10);
    expect(await page.getByText('Showing 10 of 10 row errors').count()).toBe(1);
    await screenshot(page, 'job-completed');
    expect(await countContacts(t.databaseUrl, 'web-import')).toBe(990);

    // History lists it, newest first; it opens the same detail view.
    await navLink(page, 'History').click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Import of contacts.csv' }) });
    await expect.poll(() => row.getByRole('cell').nth(1).textContent()).toBe('COMPLETED');
    await screenshot(page, 'history');
    await row.getByRole('link', { name: 'Import of contacts.csv' }).click();
    await page.waitForURL(`**/jobs/${jobId}`);
    // The URL changes before the detail view replaces the list (whose status filter also says COMPLETED).
    await page.locator('.counts').waitFor();
    await expect.poll(() => page.getByText('COMPLETED', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('region', { name: 'Jobs' }).count()).toBe(0);
  });

  it('should page through a long list of row errors as the user scrolls, keeping only the rows in view in the page', async () => {
    const ERRORS = 750;
    const allBad = buildCsv([CONTACTS_HEADER, ...Array.from({ length: ERRORS }, (_, i) => [`broken-${i + 1}`, `First${i}`, '', '', '', ''])]);
    tab = await openOfflinePage(browser);
    const { page } = tab;
    await signIn(page, appUrl(t.url), token);
    await page.getByLabel('CSV file').setInputFiles({ name: 'all-broken.csv', mimeType: 'text/csv', buffer: Buffer.from(allBad) });
    await page.getByRole('table', { name: 'First rows of all-broken.csv' }).waitFor();
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByText('COMPLETED', { exact: true }).waitFor({ timeout: 30_000 });

    const status = page.getByText(/^Showing [\d,]+ of 750 row errors/);
    await expect.poll(() => status.textContent()).toContain('Showing 100 of 750');
    const region = page.getByRole('region', { name: 'Row errors, scrollable' });
    const rendered = region.locator('tbody tr[aria-rowindex]');
    expect(await rendered.count()).toBeLessThan(60); // virtualised: not 100 rows in the DOM
    // Scroll to the end until every page has been fetched through errors(first, after).
    await expect
      .poll(
        async () => {
          await region.evaluate((el) => el.scrollTo(0, el.scrollHeight));
          return status.textContent();
        },
        { timeout: 30_000 },
      )
      .toContain('Showing 750 of 750');
    await expect.poll(() => rendered.last().getByRole('cell').first().textContent()).toBe(String(ERRORS + 1));
    expect(await rendered.count()).toBeLessThan(60);
    expect(await page.getByRole('button', { name: 'Load more row errors' }).count()).toBe(0);
  });

  it('should start an export from the app and download the file once it is done', async () => {
    tab = await openOfflinePage(browser);
    const { page } = tab;
    await signIn(page, appUrl(t.url), token);
    await navLink(page, 'Export').click();
    await page.getByLabel('Entity').selectOption('CONTACTS');
    await page.getByLabel('Tags (any of, comma-separated)').fill('vip');
    await page.getByLabel('CSV (spreadsheets)').check();
    await screenshot(page, 'export');
    await page.getByRole('button', { name: 'Start export' }).click();

    await page.getByText('COMPLETED', { exact: true }).waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download export' }).click()]);
    const lines = fs
      .readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\n');
    // Odd-numbered contacts are tagged vip; of those, rows 100, 200, … failed, and they are even.
    expect(lines[0]).toBe('email,first_name,last_name,phone,company,tags');
    expect(lines).toHaveLength(1 + 500);
    await screenshot(page, 'export-completed');
  });

  it('should fit a phone’s width: no sideways scrolling on the import page and the job page', async () => {
    tab = await openOfflinePage(browser, PHONE);
    const { page } = tab;
    await signIn(page, appUrl(t.url), token);
    // Dropped onto the drop zone rather than chosen: the same preview follows.
    const dataTransfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
      return dt;
    }, plainContactsFile().toString('utf8'));
    await page.locator('.drop-zone').dispatchEvent('dragover', { dataTransfer });
    await page.locator('.drop-zone').dispatchEvent('drop', { dataTransfer });
    await page.getByRole('table', { name: 'First rows of dropped.csv' }).waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'import-phone');

    await navLink(page, 'History').click();
    await page.getByRole('link', { name: 'Import of contacts.csv' }).first().click();
    await page.getByText('COMPLETED', { exact: true }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'job-phone');
  });
});
