import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (apt-get install -y chromium): never a browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const SCREENSHOTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

function isLoopback(url: URL): boolean {
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return true; // data:, blob:: not the network
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

export interface OfflinePage {
  page: Page;
  context: BrowserContext;
  /** Every request to anything but this machine: aborted, and listed here for the test to assert on. */
  outsideRequests: string[];
  close(): Promise<void>;
}

/**
 * A fresh browser context in which every HTTP(S) request and WebSocket to anything but loopback is
 * aborted and recorded: a page that works here works offline and loads nothing from a CDN.
 */
export async function openOfflinePage(browser: Browser, viewport = DESKTOP): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  // A missing element fails the test in seconds, naming what it waited for, instead of at the test's timeout.
  context.setDefaultTimeout(15_000);
  const outsideRequests: string[] = [];
  await context.route(
    (url) => !isLoopback(url),
    (route) => {
      outsideRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  await context.routeWebSocket(
    (url) => !isLoopback(url),
    (ws) => {
      outsideRequests.push(ws.url());
      return ws.close();
    },
  );
  const page = await context.newPage();
  return { page, context, outsideRequests, close: () => context.close() };
}

/** Saves what the page shows as docs/screenshots/<name>.png (the README shows them). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: options.fullPage ?? true, animations: 'disabled' });
}

/** Signs in through the form, as a person would, and waits for the first page behind it. */
export async function signIn(page: Page, baseUrl: string, token: string, pathname = '/'): Promise<void> {
  await page.goto(new URL(pathname, baseUrl).toString());
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The web app's root URL for a test server whose GraphQL URL is given. */
export function appUrl(graphqlUrl: string): string {
  return new URL('/', graphqlUrl).toString();
}

/** A link of the app's main navigation (Import, Export, History, Playground). */
export function navLink(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}
