// A real browser for end-to-end tests, driven by puppeteer-core: Debian's Chromium over the DevTools protocol, and
// Debian's Firefox ESR over WebDriver BiDi. Nothing is downloaded: the browsers are the ones installed on the machine
// (.ci/run installs them), found by findBrowsers(). Each launch is headless, with a fresh profile and HOME of its own
// under the temporary folder, a fixed 1280x900 window, and the browser's own traffic to the internet turned off where
// a flag or a preference does it: the machines have no network but the package registries, and a browser waiting on
// an update or telemetry server slows or stalls a test. A launch that has not answered within its timeout fails
// saying so, and close() ends the browser's whole process group even when the browser no longer answers.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type LaunchOptions, type Page } from 'puppeteer-core';
import { describe, it } from 'vitest';

export type BrowserName = 'chromium' | 'firefox';

export interface FoundBrowser {
  readonly name: BrowserName;
  readonly executablePath: string;
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  /** A tab of its own (the browser's first is closed), focused, its viewport the window's size. */
  readonly page: Page;
  /** Closes the browser, kills what is left of it after a short grace period, and removes its profile. */
  close(): Promise<void>;
}

export interface LaunchBrowserOptions {
  /** How long the launch may take before it fails (default 30 s). */
  readonly timeoutMs?: number;
}

export const WINDOW = { width: 1280, height: 900, deviceScaleFactor: 1 } as const;
const LAUNCH_TIMEOUT_MS = 30_000;
/** How long a single protocol call may take: a stuck browser fails the test rather than holding it for minutes. */
const PROTOCOL_TIMEOUT_MS = 30_000;
/** How long close() lets the browser shut down by itself before killing it. */
const CLOSE_GRACE_MS = 5_000;
/** How long close() waits for the killed processes to be gone. */
const KILL_WAIT_MS = 5_000;

/** The candidates for each browser, first found wins: the environment's, then Debian's. */
function candidates(): { name: BrowserName; paths: string[] }[] {
  const env = process.env;
  return [
    { name: 'chromium', paths: env.SMS_MOCK_CHROMIUM ? [env.SMS_MOCK_CHROMIUM] : ['/usr/bin/chromium'] },
    {
      name: 'firefox',
      paths: env.SMS_MOCK_FIREFOX ? [env.SMS_MOCK_FIREFOX] : ['/usr/bin/firefox-esr', '/usr/bin/firefox'],
    },
  ];
}

/**
 * The browsers installed here: Chromium from SMS_MOCK_CHROMIUM, else /usr/bin/chromium; Firefox from SMS_MOCK_FIREFOX,
 * else /usr/bin/firefox-esr, else /usr/bin/firefox. A browser none of whose paths exists is left out.
 */
export function findBrowsers(): FoundBrowser[] {
  const found: FoundBrowser[] = [];
  for (const { name, paths } of candidates()) {
    const executablePath = paths.find((path) => existsSync(path));
    if (executablePath) found.push({ name, executablePath });
  }
  return found;
}

/** Where findBrowsers() looks for this browser, for a test that skips or fails to say so. */
export function browserPaths(name: BrowserName): string[] {
  return candidates().find((candidate) => candidate.name === name)?.paths ?? [];
}

// Debian's wrapper (/usr/bin/chromium) adds flags of its own from /etc/chromium.d; these come after and win.
// puppeteer-core adds --headless=new (what --headless means in current Chromium) and its own defaults (no first-run
// dialogs, no background networking, no sync, ...); the list repeats those that matter here, so that a change of
// puppeteer's defaults does not bring back a browser that calls home.
const CHROMIUM_ARGS = [
  '--no-sandbox', // the sandbox cannot start as root, and CI runs as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Still asked for with the flags above: accounts (ListAccounts), the network time and the update service. Their
  // names now fail at once, no DNS query leaves the machine, and every other name (a test's own) resolves as usual.
  '--host-resolver-rules=MAP *.google.com ~NOTFOUND, MAP *.googleapis.com ~NOTFOUND, MAP *.gstatic.com ~NOTFOUND',
  `--window-size=${WINDOW.width},${WINDOW.height}`,
];

// puppeteer-core's Firefox profile already turns off updates, Normandy, safe browsing, search updates and health
// reports, and points remote settings at nothing; these stop the rest of what Firefox fetches by itself.
const FIREFOX_PREFS: Record<string, unknown> = {
  'app.update.auto': false,
  'app.update.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.activity-stream.feeds.section.topstories': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.topsites.contile.enabled': false,
  'datareporting.usage.uploadEnabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'identity.fxaccounts.enabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.http.http3.enable': false,
  'network.predictor.enabled': false,
  'network.prefetch-next': false,
  'network.proxy.type': 0, // straight to 127.0.0.1, whatever proxy the environment names
  'network.trr.mode': 5,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.unified': false,
};

function launchOptions(found: FoundBrowser, profile: string, home: string): LaunchOptions {
  // HOME of its own: Firefox refuses to start as root with a HOME that another user owns, and neither browser then
  // writes caches or NSS databases into the real one.
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  const common: LaunchOptions = {
    executablePath: found.executablePath,
    headless: true,
    userDataDir: profile,
    defaultViewport: WINDOW,
    protocolTimeout: PROTOCOL_TIMEOUT_MS,
    // The test runner's own signal handling stays as it is; the browser is still killed when this process exits.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  };
  if (found.name === 'chromium') return { ...common, browser: 'chrome', args: CHROMIUM_ARGS, env };
  return {
    ...common,
    browser: 'firefox',
    args: [`--window-size=${WINDOW.width},${WINDOW.height}`],
    extraPrefsFirefox: FIREFOX_PREFS,
    // A release build ignores the remote settings server that puppeteer's profile sets unless this variable is set,
    // and then looks up firefox.settings.services.mozilla.com every few seconds.
    env: { ...env, MOZ_CRASHREPORTER_DISABLE: '1', MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
  };
}

/** Kills the browser's process group (puppeteer starts it as the group's leader), children included. */
function killGroup(child: ChildProcess | null | undefined): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone (ESRCH).
  }
}

/**
 * How many processes of the group led by `pgid` still run. A zombie does not count: when the browser is gone first,
 * its children pass to init, which here reaps them a second or two later.
 */
function runningInGroup(pgid: number): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    // No /proc: whether anything of the group, zombies included, is left.
    try {
      process.kill(-pgid, 0);
      return 1;
    } catch {
      return 0;
    }
  }
  let running = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so count from the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') running++;
  }
  return running;
}

/** Waits, at most `ms`, for the browser process to exit and no process of its group to be left running. */
async function waitForGroup(child: ChildProcess | null | undefined, ms: number): Promise<void> {
  if (!child?.pid) return;
  const deadline = Date.now() + ms;
  if (child.exitCode === null && child.signalCode === null) {
    await once(child, 'exit', { signal: AbortSignal.timeout(ms) }).catch(() => undefined);
  }
  while (runningInGroup(child.pid) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Settles with `promise`, or with undefined after `ms`; its timer does not outlive it. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A file the browser is still letting go of is retried a few times; what is left after that stays behind. */
function removeDir(path: string): Promise<void> {
  return rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => undefined);
}

/**
 * Launches `which` (a name, looked up with findBrowsers(), or one of what it found) headless with a fresh profile,
 * and answers it with a tab of its own. Fails with an error naming the browser when it has not started within
 * `timeoutMs`, the browser killed and its profile removed.
 */
export async function launchBrowser(
  which: BrowserName | FoundBrowser,
  { timeoutMs = LAUNCH_TIMEOUT_MS }: LaunchBrowserOptions = {},
): Promise<LaunchedBrowser> {
  const found = typeof which === 'string' ? findBrowsers().find((browser) => browser.name === which) : which;
  if (!found) throw new Error(`no ${which} found at ${browserPaths(which as BrowserName).join(' or ')}`);
  const dir = mkdtempSync(join(tmpdir(), `sms-browser-${found.name}-`));
  const profile = join(dir, 'profile');
  const home = join(dir, 'home');
  mkdirSync(profile);
  mkdirSync(home);

  // puppeteer's own timeout covers waiting for the browser's endpoint and first tab; the abort covers the rest of
  // the launch (the protocol session), and kills the browser process when it fires.
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${found.name} (${found.executablePath}) did not start within ${timeoutMs} ms`);
      abort.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const launching = puppeteer.launch({
    ...launchOptions(found, profile, home),
    timeout: timeoutMs,
    signal: abort.signal,
  });
  let browser: Browser | undefined;
  try {
    browser = await Promise.race([launching, timedOut]);
    // A tab opened now, not the one the browser started with: in headless Firefox that first tab's document never
    // has focus, and a button there ignores Enter (a link or a form still takes it); a new tab has focus in both.
    const started = await Promise.race([browser.pages(), timedOut]);
    const page = await Promise.race([browser.newPage(), timedOut]);
    await Promise.race([Promise.all(started.map((tab) => tab.close())), timedOut]);
    await Promise.race([page.setViewport(WINDOW), timedOut]);
    clearTimeout(timer);
    return { browser, page, close: closer(browser, dir) };
  } catch (error) {
    clearTimeout(timer);
    // A browser that started, or that starts after the timeout, is ended all the same. The abort has killed the
    // process of a launch that timed out, so it settles soon; the wait for it is bounded all the same.
    const late = browser ?? (await within(launching, KILL_WAIT_MS).catch(() => undefined));
    if (late) await closer(late, dir)();
    else await removeDir(dir);
    throw error;
  }
}

/** close() for a launched browser: once only, whatever its state, and always with the process gone after it. */
function closer(browser: Browser, dir: string): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      const child = browser.process();
      await within(
        browser.close().catch(() => undefined),
        CLOSE_GRACE_MS,
      );
      // After a clean close this only reaches children the browser left behind; after a stuck one, everything.
      killGroup(child);
      await waitForGroup(child, KILL_WAIT_MS);
      await removeDir(dir);
    })();
    return closing;
  };
}

/**
 * One `describe` per browser, named `${title} in chromium` and so on, given the browser found. A browser that is not
 * installed is skipped, the suite's name saying where it was looked for; with SMS_MOCK_REQUIRE_BROWSER=1 (as .ci/run
 * sets it) it is one failing test instead.
 */
export function describeEachBrowser(title: string, body: (browser: FoundBrowser) => void): void {
  const found = findBrowsers();
  for (const name of ['chromium', 'firefox'] as const satisfies readonly BrowserName[]) {
    const browser = found.find((candidate) => candidate.name === name);
    if (browser) {
      describe(`${title} in ${name}`, () => body(browser));
      continue;
    }
    const missing = `no ${name} at ${browserPaths(name).join(' or ')}`;
    if (process.env.SMS_MOCK_REQUIRE_BROWSER === '1') {
      it(`${title}: ${name} installed, as SMS_MOCK_REQUIRE_BROWSER=1 requires`, () => {
        throw new Error(`${missing}: .ci/run installs it from Debian's packages; see its output`);
      });
    } else {
      describe.skip(`${title} in ${name} (skipped: ${missing})`, () => body({ name, executablePath: '' }));
    }
  }
}
