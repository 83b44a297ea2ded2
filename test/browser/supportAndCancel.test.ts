import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appUrl, launchChromium, navLink, openOfflinePage, screenshot, signIn, type OfflinePage } from '../helpers/browser.ts';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

describe('a support token reads every workspace’s jobs read-only, and a member cancels a job from the app', () => {
  let t: TestApp;
  let browser: Browser;
  const tabs: OfflinePage[] = [];

  beforeAll(async () => {
    // The API without a worker: a started import stays QUEUED for as long as the test needs.
    t = await startTestApp({}, 'api');
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const tab of tabs) {
      expect(tab.outsideRequests).toEqual([]);
      await tab.close();
    }
    await browser?.close();
    await t?.stop();
  });

  it('should show support the job without any write action, and show both of them its cancellation live', async () => {
    const member = await openOfflinePage(browser);
    const support = await openOfflinePage(browser);
    tabs.push(member, support);

    await signIn(member.page, appUrl(t.url), await t.token('acme'));
    await member.page.getByLabel('CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(validContactsCsv(20)) });
    await member.page.getByRole('table', { name: 'First rows of contacts.csv' }).waitFor();
    await member.page.getByRole('button', { name: 'Start import' }).click();
    await member.page.getByRole('heading', { name: 'Waiting for a worker' }).waitFor();
    const jobPath = new URL(member.page.url()).pathname;
    expect(await member.page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');

    // Support: lands on History, sees the other workspace's job, and no write action anywhere.
    await signIn(support.page, appUrl(t.url), await t.token('staff', 'support'), '/');
    await support.page.waitForURL('**/jobs');
    await support.page.getByRole('note').filter({ hasText: 'read-only' }).waitFor();
    expect(await support.page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['History', 'Playground']);
    await support.page.getByRole('link', { name: 'Import of contacts.csv' }).click();
    await support.page.waitForURL(`**${jobPath}`);
    await support.page.getByRole('progressbar', { name: 'Import progress' }).waitFor();
    expect(await support.page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await screenshot(support.page, 'support-job');
    await support.page.goto(new URL('/exports/new', t.url).toString());
    await support.page.waitForURL('**/jobs');

    await support.page.goto(new URL(jobPath, t.url).toString());
    await support.page.getByRole('progressbar', { name: 'Import progress' }).waitFor();

    // The member cancels; both pages learn it from their subscriptions.
    await member.page.getByRole('button', { name: 'Cancel' }).click();
    await member.page.getByText('CANCELLED', { exact: true }).waitFor({ timeout: 20_000 });
    await support.page.getByText('CANCELLED', { exact: true }).waitFor({ timeout: 20_000 });
    await screenshot(member.page, 'job-cancelled');
    expect(await support.page.getByText('No row errors.').count()).toBe(1);

    await navLink(support.page, 'History').click();
    const row = support.page.getByRole('row').filter({ has: support.page.getByRole('link', { name: 'Import of contacts.csv' }) });
    await expect.poll(() => row.getByRole('cell').nth(1).textContent()).toBe('CANCELLED');
    await screenshot(support.page, 'support-history');
  });
});
