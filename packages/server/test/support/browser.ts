import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { PageWindow } from './page-dom.ts';

/**
 * The dashboard's browser tests: Playwright (playwright-core, which downloads no browser) driving
 * Debian's Chromium (`apt-get install chromium`; .ci/run installs it). One browser per test file
 * (`launchTestBrowser` in beforeAll, `close` in afterAll), a fresh context (cookies, storage) per
 * test (`open`), every console error, page error, CSP violation and dialog of a context collected
 * (`problems`) so a test can say that a page ran clean or that an attack was blocked.
 */

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The browser's executable: ABCA_TEST_CHROMIUM, else `chromium` on the PATH (Debian: /usr/bin/chromium). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.ABCA_TEST_CHROMIUM?.trim();
  const candidates = override
    ? [override]
    : [
        ...(env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, 'chromium')),
        '/usr/bin/chromium',
      ];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error(
    override
      ? `ABCA_TEST_CHROMIUM=${override} is not an executable file: point it at a Chromium binary.`
      : 'Chromium is not installed: the dashboard browser tests need it. Install it with ' +
          '`apt-get install -y chromium` (Debian), or set ABCA_TEST_CHROMIUM to a Chromium binary.',
  );
}

/** A page's CSP violation, as the `securitypolicyviolation` event reported it. */
export interface CspViolation {
  directive: string;
  blockedURI: string;
  sample: string;
  url: string;
}

/** What went wrong in a browser context, as it happened. */
export interface Problems {
  /**
   * Console messages of type error (Chromium also logs each CSP refusal here). Its "Failed to load
   * resource" lines are left to `httpErrors`, which names the request.
   */
  consoleErrors: string[];
  /**
   * Responses of 400 and up, as `<status> <method> <path>`. Not /favicon.ico: the browser asks for
   * it on its own, and whether it does varies from page to page.
   */
  httpErrors: string[];
  /** Uncaught exceptions in a page. */
  pageErrors: string[];
  cspViolations: CspViolation[];
  /** alert/confirm/prompt texts (each dismissed, so nothing hangs). */
  dialogs: string[];
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  problems: Problems;
  /** Signs in through the real /login form with an API key (asserts nothing: the caller does). */
  signIn(key: string, opts?: { next?: string }): Promise<void>;
  /** Accepts (instead of dismissing and reporting) the confirm dialogs whose text matches: a person's "yes". */
  acceptConfirms(pattern: RegExp): void;
  /**
   * Throws, listing them, when the context saw a console error, an HTTP error, a page error, a CSP
   * violation or a dialog.
   */
  expectClean(): void;
  close(): Promise<void>;
}

export interface TestBrowser {
  browser: Browser;
  /** A new context and page against the platform at `baseUrl`, its problems collected from the start. */
  open(baseUrl: string): Promise<BrowserSession>;
  /** Closes every context opened and the browser: no Chromium process outlives the file. */
  close(): Promise<void>;
}

/** The binding a page calls (from the init script) to report a CSP violation to the test. */
const CSP_BINDING = '__abcaReportCspViolation' as const;

/** Launches the file's one headless Chromium. */
export async function launchTestBrowser(): Promise<TestBrowser> {
  const executablePath = chromiumPath();
  const args = ['--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'];
  // Chromium refuses to start as root with its own sandbox on (CI and these machines run as
  // root). This is the test browser's renderer sandbox, loading only the test's own platform on
  // loopback; it has nothing to do with the bubblewrap sandbox the product runs agents in.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const browser = await chromium.launch({ executablePath, headless: true, args, timeout: 60_000 });
  const sessions = new Set<BrowserSession>();

  return {
    browser,
    async open(baseUrl) {
      const context = await browser.newContext({
        baseURL: baseUrl,
        viewport: { width: 1280, height: 800 },
        deviceScaleFactor: 1,
        locale: 'en-US',
        timezoneId: 'UTC',
        colorScheme: 'light',
      });
      // A busy 2-core machine: waits are on conditions, with room to spare.
      context.setDefaultTimeout(30_000);
      context.setDefaultNavigationTimeout(30_000);
      const problems: Problems = {
        consoleErrors: [],
        httpErrors: [],
        pageErrors: [],
        cspViolations: [],
        dialogs: [],
      };
      await context.exposeBinding(CSP_BINDING, (_source, v: CspViolation) => {
        problems.cspViolations.push(v);
      });
      // Runs before any script of every page (Playwright injects it through the DevTools protocol,
      // which the page's CSP does not govern).
      await context.addInitScript((binding: `__abca${string}`) => {
        const w = globalThis as unknown as PageWindow;
        w.document.addEventListener(
          'securitypolicyviolation',
          (e) => {
            w[binding]?.({
              directive: e.effectiveDirective,
              blockedURI: e.blockedURI,
              sample: e.sample,
              url: e.documentURI,
            });
          },
          true,
        );
      }, CSP_BINDING);
      context.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
          problems.consoleErrors.push(m.text());
        }
      });
      context.on('response', (r) => {
        const url = new URL(r.url());
        if (r.status() >= 400 && url.pathname !== '/favicon.ico') {
          problems.httpErrors.push(`${r.status()} ${r.request().method()} ${url.pathname}`);
        }
      });
      context.on('weberror', (e) => {
        problems.pageErrors.push(String(e.error()?.message ?? e.error()));
      });
      const accepted: RegExp[] = [];
      context.on('dialog', (d) => {
        if (d.type() === 'confirm' && accepted.some((re) => re.test(d.message()))) {
          d.accept().catch(() => {});
          return;
        }
        problems.dialogs.push(`${d.type()}: ${d.message()}`);
        d.dismiss().catch(() => {});
      });
      const page = await context.newPage();
      const session: BrowserSession = {
        context,
        page,
        problems,
        async signIn(key, opts = {}) {
          await page.goto(opts.next ? `/login?next=${encodeURIComponent(opts.next)}` : '/login');
          await page.getByLabel('API key').fill(key);
          await Promise.all([
            page.waitForNavigation({ waitUntil: 'load' }),
            page.getByRole('button', { name: 'Sign in' }).click(),
          ]);
        },
        acceptConfirms(pattern) {
          accepted.push(pattern);
        },
        expectClean() {
          const all = [
            ...problems.consoleErrors.map((m) => `console error: ${m}`),
            ...problems.httpErrors.map((m) => `HTTP error: ${m}`),
            ...problems.pageErrors.map((m) => `page error: ${m}`),
            ...problems.cspViolations.map((v) => `CSP violation: ${v.directive} ${v.blockedURI} ${v.sample}`),
            ...problems.dialogs.map((m) => `dialog: ${m}`),
          ];
          if (all.length > 0) throw new Error(`the browser saw problems:\n${all.join('\n')}`);
        },
        async close() {
          sessions.delete(session);
          await context.close().catch(() => {});
        },
      };
      sessions.add(session);
      return session;
    },
    async close() {
      for (const s of [...sessions]) await s.close();
      await browser.close();
    },
  };
}

/**
 * Where README pictures go, when asked: `ABCA_SCREENSHOTS=docs/images` (relative to the repository,
 * `npm run screenshots` sets it). Unset (every CI and developer run), nothing is written.
 */
export function screenshotDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.ABCA_SCREENSHOTS?.trim();
  if (!dir) return undefined;
  return isAbsolute(dir) ? dir : resolve(REPO_ROOT, dir);
}

/** Saves the page as `<dir>/<name>` when screenshots are asked for; returns the path, or undefined. */
export async function saveScreenshot(page: Page, name: string): Promise<string | undefined> {
  const dir = screenshotDir();
  if (!dir) return undefined;
  if (!/^[a-z0-9-]+\.png$/.test(name)) throw new Error(`screenshot name ${name}: lowercase words and .png`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  await page.screenshot({ path, fullPage: false, animations: 'disabled', caret: 'hide' });
  return path;
}
