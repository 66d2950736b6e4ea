import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createJwtgateServer, type JwtgateServer } from '../../src/runtime/create-server.js';
import { underCi } from './services.js';
import { makeTempDir } from './temp-dir.js';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from './test-server.js';

/** Debian's Chromium, which `.ci/run` installs when it is missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go (git-ignored); one of each is copied by hand into docs/ for the README. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // `localhost` straight to IPv4, where the test server listens.
  '--host-resolver-rules=MAP localhost 127.0.0.1',
];

/**
 * `describe` when Chromium is installed; under CI (`CI` set) a missing
 * browser is a failure, elsewhere the browser tests are skipped with a note.
 */
export function describeWithBrowser(): typeof describe | typeof describe.skip {
  if (existsSync(CHROMIUM_PATH)) return describe;
  if (underCi()) {
    throw new Error(`${CHROMIUM_PATH} is missing: CI runs the browser tests (see .ci/run, which installs chromium)`);
  }
  console.warn(
    `Skipping the browser tests: no Chromium at ${CHROMIUM_PATH}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
  );
  return describe.skip;
}

const pageProblems = new WeakMap<Page, string[]>();

/** One device: a headless Chromium with a fresh profile of its own (cookies, storage, locks). */
export interface Device {
  readonly context: BrowserContext;
  /** A new tab. */
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchDevice(options: { width?: number; height?: number } = {}): Promise<Device> {
  const profile = makeTempDir('jwtgate-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: options.width ?? 1100, height: options.height ?? 900 },
    timeout: 60_000,
  });
  // Generous: other test suites share this machine's two cores.
  context.setDefaultTimeout(20_000);
  const blank = context.pages();
  return {
    context,
    async open(url) {
      const page = blank.pop() ?? (await context.newPage());
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        // A refused refresh while signed out is an expected 401; anything else is a bug in the page.
        if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(message.text());
      });
      pageProblems.set(page, problems);
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      profile.remove();
    },
  };
}

/** Script errors and console errors a page has had (CSP violations included). */
export function problemsOf(page: Page): readonly string[] {
  return pageProblems.get(page) ?? [];
}

/** A session event as the server logs it. */
export interface LoggedEvent {
  readonly event: string;
  readonly sessionId: string;
  readonly generation?: number;
  readonly time: number;
}

/** A real jwtgate on a free port, with the real clock, as a browser reaches it. */
export interface BrowserServer {
  /** `http://localhost:<port>`: a secure context, so the `Secure` cookie works over plain HTTP. */
  readonly url: string;
  readonly server: JwtgateServer;
  /** Session events logged so far, in order. */
  events(type?: string): readonly LoggedEvent[];
  close(): Promise<void>;
}

/**
 * Starts the server the way `jwtgate start` does, listening on 127.0.0.1:0,
 * and records its session events from the log, so a test can count the
 * rotations the server really performed.
 */
export async function startBrowserServer(env: Readonly<Record<string, string>> = {}): Promise<BrowserServer> {
  const dir = makeTempDir('jwtgate-browser-');
  const events: LoggedEvent[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      pending += String(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as Partial<LoggedEvent>;
          if (typeof entry.event === 'string' && typeof entry.sessionId === 'string') events.push(entry as LoggedEvent);
        } catch {
          // Not JSON: not an event.
        }
      }
      done();
    },
  });
  const config = loadConfig({
    env: {
      JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET,
      JWTGATE_DATA_DIR: dir.path,
      JWTGATE_HOST: '127.0.0.1',
      JWTGATE_PORT: '0',
      JWTGATE_AUTH_CLOCK_LEEWAY: '0',
      ...env,
    },
    cwd: dir.path,
  });
  const server = await createJwtgateServer({ config, logger: { level: 'debug', stream }, devModeBanner: false });
  const address = await server.listen();
  return {
    url: `http://localhost:${new URL(address).port}`,
    server,
    events: (type) => (type === undefined ? events : events.filter((event) => event.event === type)),
    async close() {
      await server.close();
      dir.remove();
    },
  };
}

/** Makes sure the artifacts folder exists and returns the path of `name` in it. */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR}${name}`;
}

/** Where the screenshots that the docs show are committed. */
const SCREENSHOTS_DIR = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));

/**
 * Saves a full-page screenshot among the test artifacts, and into
 * docs/screenshots as well when `UPDATE_SCREENSHOTS=1`.
 *
 * @example
 * await screenshot(page, 'admin-user.png');
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const path = artifact(name);
  await page.screenshot({ path, fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    copyFileSync(path, `${SCREENSHOTS_DIR}${name}`);
  }
}

/**
 * The `amr` of the access token the page shows, once it shows one.
 *
 * @example
 * expect(await shownAmr(page)).toEqual(['pwd']);
 */
export async function shownAmr(page: Page): Promise<unknown> {
  await expect.poll(() => page.locator('[data-field="token-claims"]').innerText()).toContain('"amr"');
  return JSON.parse(await page.locator('[data-field="token-claims"]').innerText()).amr;
}
