// The browser harness itself (test/helpers/browser.ts), in each browser found: a page served from 127.0.0.1 with a
// button and a Server-Sent Events stream, a key press that changes the page, the stream's event shown in it, and a
// screenshot under test-results/screenshots/. A browser that is not installed is skipped, saying where it was looked
// for; with SMS_MOCK_REQUIRE_BROWSER=1 (as .ci/run sets it) it fails instead.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBrowser, type LaunchedBrowser, launchBrowser, WINDOW } from '../helpers/browser.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOTS = join(root, 'test-results', 'screenshots');
const TIMEOUT_MS = 60_000;
/** How long the page may take to show what a step changed. */
const WAIT_MS = 10_000;

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>harness</title><link rel="icon" href="data:,"></head>
<body style="font: 16px sans-serif; margin: 24px">
<button id="go" type="button">Go</button>
<p id="status">waiting</p>
<p id="events">no event</p>
<script>
  document.getElementById('go').addEventListener('click', () => {
    document.getElementById('status').textContent = 'clicked';
  });
  const source = new EventSource('/events');
  source.addEventListener('ping', (event) => {
    document.getElementById('events').textContent = 'event: ' + event.data;
    source.close();
  });
</script>
</body>
</html>
`;

/** The page at /, one `ping` event at /events (the stream then stays open until the client leaves). */
function pageServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(PAGE);
    } else if (request.url === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      response.write('event: ping\ndata: hello\n\n');
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describeEachBrowser('browser harness', (browser) => {
  const name = browser.name;
  let server: Server | undefined;
  let url = '';
  let launched: LaunchedBrowser | undefined;

  beforeAll(async () => {
    ({ server, url } = await pageServer());
    launched = await launchBrowser(browser);
    await launched.page.goto(url, { waitUntil: 'load', timeout: WAIT_MS });
  }, TIMEOUT_MS);

  afterAll(async () => {
    try {
      await launched?.close();
    } finally {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    }
  }, TIMEOUT_MS);

  it(
    'Enter on the focused button changes the page',
    async () => {
      const page = (launched as LaunchedBrowser).page;
      expect(await page.$eval('#status', (element) => element.textContent)).toBe('waiting');
      await page.focus('#go');
      // Focused in a document that has focus: Firefox ignores Enter on a button otherwise.
      expect(
        await page.$eval('#go', (button) => ({
          active: button.ownerDocument.activeElement === button,
          focused: button.ownerDocument.hasFocus(),
        })),
      ).toEqual({ active: true, focused: true });
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.$eval('#status', (element) => element.textContent), { timeout: WAIT_MS })
        .toBe('clicked');
    },
    TIMEOUT_MS,
  );

  it(
    'the Server-Sent Event reaches the page',
    async () => {
      const page = (launched as LaunchedBrowser).page;
      await expect
        .poll(() => page.$eval('#events', (element) => element.textContent), { timeout: WAIT_MS })
        .toBe('event: hello');
    },
    TIMEOUT_MS,
  );

  it(
    `takes a ${WINDOW.width}x${WINDOW.height} screenshot`,
    async () => {
      const page = (launched as LaunchedBrowser).page;
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `harness-${name}.png`);
      rmSync(path, { force: true });
      await page.screenshot({ path, type: 'png' });
      const png = readFileSync(path);
      expect(png.length).toBeGreaterThan(0);
      expect(pngSize(png)).toEqual({ width: WINDOW.width, height: WINDOW.height });
    },
    TIMEOUT_MS,
  );
});
