/// <reference lib="dom" />
// The dashboard in a real browser (Debian's Chromium and Firefox through puppeteer-core), on a running sms-mock:
// tasks created and started over the API as a client would, the clock moved, and then what a person sees: the
// board's states and progress (updated without a reload), a task's timeline and filled charts, the source servers,
// the journal's rows and a request's details, a fault rule added from the page firing on the next request, the
// task's controls, the keyboard, and a task of 100,000 samples. Screenshots of each view go to
// test-results/screenshots/ (not kept in git).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetFolder } from '../../src/dashboard/index.js';
import { buildScene, call } from '../dashboard/scenario.js';
import { type BrowserName, describeEachBrowser, type LaunchedBrowser, launchBrowser } from '../helpers/browser.js';
import { type Child, runCli } from './process.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOTS = join(root, 'test-results', 'screenshots');
const STEP_MS = 90_000;
/** How long the page may take to show what a step changed (an event, then a read). */
const WAIT_MS = 10_000;
const START = '2026-11-26T08:00:00.000Z';
const HOUR = 3_600_000;

/** The text of every row of a table body, cell by cell. */
function rows(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (trs) =>
    trs.map((tr) =>
      Array.from((tr as HTMLTableRowElement).cells).map((cell: HTMLTableCellElement) =>
        (cell.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      ),
    ),
  );
}

/** The board's row of a task: name, state, progress, current subtask, copied, speed, remaining, source, simulation. */
async function boardRow(page: Page, name: string): Promise<string[] | undefined> {
  return (await rows(page, 'table.board')).find((cells) => cells[0] === name);
}

async function shoot(page: Page, browser: BrowserName, view: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${browser}-${view}.png`), fullPage: true });
}

/** Painted pixels of a chart's canvas (not transparent): a chart with its series drawn has many. */
function painted(page: Page, chart: string): Promise<number> {
  return page.$eval(`#chart-${chart} canvas`, (canvas) => {
    const context = (canvas as HTMLCanvasElement).getContext('2d');
    if (context === null) return 0;
    const { data } = context.getImageData(
      0,
      0,
      (canvas as HTMLCanvasElement).width,
      (canvas as HTMLCanvasElement).height,
    );
    let count = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) count++;
    return count;
  });
}

describe('the dashboard is built', () => {
  it('dist/ui holds the page (npm run build, or npm ci, builds it)', () => {
    const folder = assetFolder();
    expect(folder, 'run npm run build').toBeDefined();
    for (const file of ['index.html', 'assets/app.js', 'assets/app.css']) {
      expect(existsSync(join(folder as string, file)), file).toBe(true);
    }
  });
});

describeEachBrowser('the dashboard', (browser) => {
  const name = browser.name;
  let sms: Child | undefined;
  let launched: LaunchedBrowser | undefined;
  let page: Page;
  let base = '';
  let ids = new Map<string, string>();
  const ui = (hash: string) => `${base}/_mock/ui/${hash}`;

  beforeAll(async () => {
    sms = await runCli(['--port', '0', '--db', ':memory:', '--clock', START, '--clock-frozen']);
    base = sms.url;
    launched = await launchBrowser(browser);
    page = launched.page;
    page.on('dialog', (dialog) => void dialog.accept());
  }, STEP_MS);

  afterAll(async () => {
    try {
      await launched?.close();
    } finally {
      sms?.process.kill('SIGTERM');
      await sms?.exited;
    }
  }, STEP_MS);

  it(
    'opening the server in a browser leads to the board, which shows the tasks as they start',
    async () => {
      ids = await buildScene(base, [
        { name: 'db-01', usedBytes: 200 * 2 ** 30, profile: 'wan', speedLimit: 100 },
        { name: 'web-01' },
        { name: 'cache-03', idle: true },
      ]);
      await page.goto(`${base}/`, { waitUntil: 'load' });
      expect(page.url()).toBe(ui(''));
      await page.waitForSelector('table.board tbody tr[data-state]', { timeout: WAIT_MS });
      expect(await page.$eval('#board-summary', (element) => element.textContent)).toBe('3 tasks');
      expect((await boardRow(page, 'db-01'))?.slice(1, 4)).toEqual(['▶ RUNNING', '0 %', 'CREATE_CLOUD_SERVER 0 %']);
      expect((await boardRow(page, 'cache-03'))?.slice(1, 2)).toEqual(['○ READY']);
      await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', {
        timeout: WAIT_MS,
      });
    },
    STEP_MS,
  );

  it(
    'the board follows the clock without a reload: one task done, the other copying',
    async () => {
      // The page stays as it is; the clock moves through the API, as a test script would move it.
      await call(base, 'PUT', '/_mock/clock', { advance_ms: 2 * HOUR });
      await expect
        .poll(async () => (await boardRow(page, 'web-01'))?.slice(1, 3), { timeout: WAIT_MS })
        .toEqual(['✓ MIGRATE_SUCCESS', '100 %']);
      const db = (await boardRow(page, 'db-01')) as string[];
      expect(db[1]).toBe('▶ RUNNING');
      expect(db[3]).toMatch(/^MIGRATE_LINUX_FILE \d+ %$/);
      // Copied "x GiB of 50.0 GiB", a speed under the task's 100 Mbit/s limit, a remaining time.
      expect(db[4]).toMatch(/^\d+(\.\d)? GiB of 200 GiB$/);
      expect(Number(db[5]?.replace(' Mbit/s', ''))).toBeLessThanOrEqual(100);
      expect(db[6]).toMatch(/\d+ (h|min|s)/);
      expect(db[7]).toBe('db-01');
      expect(db[8]).toBe('running');
      // The filters, on the server.
      await page.select('select[name=state]', 'MIGRATE_SUCCESS');
      await expect.poll(async () => (await rows(page, 'table.board')).map((cells) => cells[0])).toEqual(['web-01']);
      await page.select('select[name=state]', '');
      await page.type('input[name=name]', 'CACHE');
      await expect.poll(async () => (await rows(page, 'table.board')).map((cells) => cells[0])).toEqual(['cache-03']);
      await page.$eval('input[name=name]', (input) => {
        (input as HTMLInputElement).value = '';
        input.dispatchEvent(new Event('input'));
      });
      await expect.poll(async () => (await rows(page, 'table.board')).length).toBe(3);
      await shoot(page, name, 'board');
    },
    STEP_MS,
  );

  it(
    "a task's view: the subtask timeline and every chart filled from its samples",
    async () => {
      await page.click(`table.board a[href*="${encodeURIComponent(ids.get('db-01') as string)}"]`);
      await page.waitForSelector('ol.timeline li', { timeout: WAIT_MS });
      expect(await page.$eval('#task-title', (element) => element.textContent)).toBe('db-01');
      const steps = await page.$$eval('ol.timeline li', (items) =>
        items.map((item) => [(item as HTMLElement).dataset.name, (item as HTMLElement).dataset.status]),
      );
      expect(steps).toEqual([
        ['CREATE_CLOUD_SERVER', 'done'],
        ['SSL_CONFIG', 'done'],
        ['ATTACH_AGENT_IMAGE', 'done'],
        ['FORMAT_DISK_LINUX_FILE', 'done'],
        ['MIGRATE_LINUX_FILE', 'running'],
        ['CONFIGURE_LINUX_FILE', 'planned'],
        ['DETTACH_AGENT_IMAGE', 'planned'],
      ]);
      const samples = await call<{ samples: unknown[] }>(
        base,
        'GET',
        `/_mock/tasks/${ids.get('db-01')}/progress?limit=100000`,
      );
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#chart-bytes')?.dataset.points, {
        timeout: WAIT_MS,
      });
      for (const chart of ['bytes', 'speed', 'cpu', 'memory', 'disk']) {
        const figure = await page.$eval(`#chart-${chart}`, (element) => ({
          points: Number((element as HTMLElement).dataset.points),
          filled: ((element as HTMLElement).dataset.filled ?? '').split(',').map(Number),
        }));
        // Two hours of 10-second samples fit: one point per sample, every series with a value at each.
        expect(figure.points, chart).toBe(samples.samples.length);
        expect(figure.filled[0], chart).toBe(samples.samples.length);
        expect(await painted(page, chart), chart).toBeGreaterThan(2000);
      }
      // The limit in force is drawn at the task's 100 Mbit/s at every point.
      expect(await page.$eval('#chart-speed', (e) => (e as HTMLElement).dataset.filled)).toBe(
        `${samples.samples.length},${samples.samples.length},${samples.samples.length}`,
      );
      expect(await page.$eval('#chart-bytes figcaption', (e) => e.textContent?.replace(/\u00a0/g, ' '))).toMatch(
        new RegExp(
          `^Data copied: ${samples.samples.length} samples \\(latest: Replicated [\\d.]+ GiB, Total 200 GiB\\)$`,
        ),
      );
      await shoot(page, name, 'task');
    },
    STEP_MS,
  );

  it(
    'the clock from the controls: advance, rate, run and freeze; an open task view fills at once as the clock moves',
    async () => {
      // What the charts stand for: past 1,200 samples they are bucketed, so the samples are counted, not the points.
      const points = () => page.$eval('#chart-bytes', (e) => Number((e as HTMLElement).dataset.samples));
      const before = await points();
      const clockAt = async () => (await call<{ epoch_ms: number }>(base, 'GET', '/_mock/clock')).epoch_ms;
      const at = await clockAt();
      await page.goto(ui('#/controls'), { waitUntil: 'load' });
      await page.waitForSelector('select[name=advance]', { timeout: WAIT_MS });
      await page.select('select[name=advance]', String(HOUR));
      const [advance] = await page.$$('xpath/.//button[text()="Advance"]');
      await advance?.click();
      await expect.poll(clockAt, { timeout: WAIT_MS }).toBe(at + HOUR);
      const shown = new Date(at + HOUR).toISOString().slice(0, 19).replace('T', ' ');
      await expect
        .poll(() => page.$eval('.clock-state', (e) => e.textContent), { timeout: WAIT_MS })
        .toBe(`${shown} UTC, frozen, rate 1`);

      // Back on the task's view: the hour's 360 samples are in the charts.
      await page.goto(ui(`#/tasks/${encodeURIComponent(ids.get('db-01') as string)}`), { waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#chart-bytes')?.dataset.points, {
        timeout: WAIT_MS,
      });
      expect(await points()).toBe(before + 360);
      // Another hour through the API while the view is open: pushed to it, the charts fill without a reload.
      await call(base, 'PUT', '/_mock/clock', { advance_ms: HOUR });
      await expect.poll(points, { timeout: WAIT_MS }).toBe(before + 720);

      // Rate, run and freeze, each a button of the controls calling PUT /_mock/clock.
      await page.goto(ui('#/controls'), { waitUntil: 'load' });
      await page.waitForSelector('input[name=rate]', { timeout: WAIT_MS });
      // Edited as typing does (an input event): a live update meanwhile leaves what was typed alone.
      await page.$eval('input[name=rate]', (input) => {
        (input as HTMLInputElement).value = '60';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await call(base, 'PUT', '/_mock/clock', { advance_ms: 1 });
      const state = () => call<{ frozen: boolean; rate: number }>(base, 'GET', '/_mock/clock');
      for (const [label, expected] of [
        ['Set rate', { frozen: true, rate: 60 }],
        ['Run', { frozen: false, rate: 60 }],
        ['Freeze', { frozen: true, rate: 60 }],
      ] as const) {
        const [button] = await page.$$(`xpath/.//button[text()="${label}"]`);
        await button?.click();
        await expect.poll(async () => ({ ...(await state()) }), { timeout: WAIT_MS }).toMatchObject(expected);
      }
      await expect
        .poll(() => page.$eval('#clock', (e) => e.textContent ?? ''), { timeout: WAIT_MS })
        .toMatch(/ UTC \(frozen\)$/);
      await call(base, 'PUT', '/_mock/clock', { rate: 1 });
    },
    STEP_MS,
  );

  it(
    'the source servers with their checks, connection and current task',
    async () => {
      await page.goto(ui('#/sources'), { waitUntil: 'load' });
      await page.waitForSelector('table.sources tbody tr', { timeout: WAIT_MS });
      const shown = await rows(page, 'table.sources');
      expect(shown.map((cells) => cells[0]?.split(/\s/)[0]).sort()).toEqual(['cache-03', 'db-01', 'web-01']);
      for (const cells of shown) {
        expect(cells[5]).toMatch(/^\d+ passed$/);
        expect(cells[2]).toBe('LINUX CENTOS_7_9_64BIT');
      }
      const db = shown.find((cells) => cells[0]?.startsWith('db-01')) as string[];
      expect(db[6]).toBe('db-01 ▶ RUNNING');
      await shoot(page, name, 'sources');
    },
    STEP_MS,
  );

  it(
    "the journal's rows and a request's details, credentials redacted",
    async () => {
      // The nav link by keyboard: focused, then Enter.
      await page.focus('nav a[data-view=journal]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('table.journal tbody tr[data-operation]', { timeout: WAIT_MS });
      expect(await page.$eval('nav a[aria-current=page]', (e) => e.textContent)).toBe('Journal');
      const shown = await rows(page, 'table.journal');
      // Newest first: the scene's calls, three sources and tasks, two starts and one profile (not journaled).
      expect(shown.map((cells) => `${cells[2]} ${cells[3]} ${cells[4]}`).reverse()).toEqual([
        'POST RegisterServer 200',
        'POST CreateTask 200',
        'POST UpdateTaskStatus 200',
        'POST RegisterServer 200',
        'POST CreateTask 200',
        'POST UpdateTaskStatus 200',
        'POST RegisterServer 200',
        'POST CreateTask 200',
      ]);
      await page.select('select[name=operation]', 'CreateTask');
      await expect.poll(async () => (await rows(page, 'table.journal')).length).toBe(3);
      const first = await page.$('table.journal tbody tr button');
      await first?.focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('#request-title', { timeout: WAIT_MS });
      expect(await page.$eval('#request-title', (e) => e.textContent)).toBe('#8 POST /v3/tasks');
      const headers = await page.$$eval('table.headers tr', (trs) =>
        Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('td')?.textContent])),
      );
      expect(headers['x-auth-token']).toBe('REDACTED');
      expect(await page.$eval('pre.body', (e) => JSON.parse(e.textContent ?? '{}').name)).toBe('cache-03');
      await shoot(page, name, 'journal');
      await page.select('select[name=operation]', '');
    },
    STEP_MS,
  );

  it(
    'a fault rule added from the controls fires on the next request, shows in the journal, and goes',
    async () => {
      await page.goto(ui('#/controls'), { waitUntil: 'load' });
      await page.waitForSelector('form[aria-label="Add a fault rule"]', { timeout: WAIT_MS });
      await page.select('select[name=effect]', 'error');
      await page.select('select[name=preset]', 'throttled');
      await page.select('select[name=operation]', 'ShowTask');
      await page.click('form[aria-label="Add a fault rule"] button[type=submit]');
      await page.waitForSelector('tr[data-rule=fault-1]', { timeout: WAIT_MS });
      expect((await rows(page, 'table.faults'))[0]).toEqual([
        'fault-1',
        'ShowTask, always: error throttled',
        '0',
        '0',
        'Remove',
      ]);
      const id = ids.get('db-01') as string;
      const throttled = await fetch(`${base}/v3/tasks/${id}`, { headers: { 'x-auth-token': 'dashboard-test' } });
      expect(throttled.status).toBe(429);
      expect(((await throttled.json()) as { error_code: string }).error_code).toBe('APIGW.0308');
      await expect
        .poll(async () => (await rows(page, 'table.faults'))[0]?.slice(2, 4), { timeout: WAIT_MS })
        .toEqual(['1', '1']);
      await shoot(page, name, 'controls');

      await page.goto(ui('#/journal'), { waitUntil: 'load' });
      await page.waitForSelector('table.journal tbody tr[data-operation]', { timeout: WAIT_MS });
      expect((await rows(page, 'table.journal'))[0]?.slice(2)).toEqual([
        'GET',
        'ShowTask',
        '429',
        expect.stringMatching(/ ms$/),
        '⚡ fault-1 error',
      ]);

      await page.goto(ui('#/controls'), { waitUntil: 'load' });
      await page.waitForSelector('tr[data-rule=fault-1] button', { timeout: WAIT_MS });
      await page.click('tr[data-rule=fault-1] button');
      await expect
        .poll(async () => (await rows(page, 'table.faults'))[0]?.[0], { timeout: WAIT_MS })
        .toMatch(/^No fault rule/);
      const answered = await fetch(`${base}/v3/tasks/${id}`, { headers: { 'x-auth-token': 'dashboard-test' } });
      expect(answered.status).toBe(200);
    },
    STEP_MS,
  );

  it(
    "a task's controls: stop pauses it, a refused action says why, start resumes it; its simulation profile",
    async () => {
      const id = ids.get('db-01') as string;
      await page.goto(ui(`#/tasks/${encodeURIComponent(id)}`), { waitUntil: 'load' });
      await page.waitForSelector('button[data-action=stop]', { timeout: WAIT_MS });
      await page.click('button[data-action=stop]');
      await expect.poll(() => page.$eval('.facts .badge', (e) => e.textContent), { timeout: WAIT_MS }).toBe('‖ ABORT');
      expect(
        await page.$eval('ol.timeline li[data-name=MIGRATE_LINUX_FILE]', (e) => (e as HTMLElement).dataset.status),
      ).toBe('paused');
      expect(((await call<{ state: string }>(base, 'GET', `/v3/tasks/${id}`)) as { state: string }).state).toBe(
        'ABORT',
      );
      await page.click('button[data-action=restart]');
      await page.waitForSelector('#toast:not([hidden])', { timeout: WAIT_MS });
      expect(await page.$eval('#toast', (e) => e.textContent)).toMatch(/^SMS\.\d+: /);
      await page.click('button[data-action=start]');
      await expect
        .poll(() => page.$eval('.facts .badge', (e) => e.textContent), { timeout: WAIT_MS })
        .toBe('▶ RUNNING');

      // Its simulated agent's profile: one of its own, then the default, each through /_mock/tasks/{id}/simulation.
      const simulation = () =>
        call<{ own_profile: boolean; profile: { profile: string } }>(base, 'GET', `/_mock/tasks/${id}/simulation`);
      const note = () => page.$eval('.task .panel p.muted[aria-live]', (e) => e.textContent ?? '');
      await page.select('select[name=profile]', 'flaky');
      const [apply] = await page.$$('xpath/.//button[text()="Apply"]');
      await apply?.click();
      await expect.poll(note, { timeout: WAIT_MS }).toMatch(/profile flaky \(the task's own\)/);
      expect(await simulation()).toMatchObject({ own_profile: true, profile: { profile: 'flaky' } });
      const [useDefault] = await page.$$('xpath/.//button[text()="Use the default"]');
      await useDefault?.click();
      await expect.poll(note, { timeout: WAIT_MS }).toMatch(/profile lan \(the default\)/);
      expect(await simulation()).toMatchObject({ own_profile: false, profile: { profile: 'lan' } });

      // The default profile, from the controls.
      await page.goto(ui('#/controls'), { waitUntil: 'load' });
      await page.waitForSelector('select[name=default-profile]', { timeout: WAIT_MS });
      await page.select('select[name=default-profile]', 'wan');
      const [applyDefault] = await page.$$('xpath/.//button[text()="Apply"]');
      await applyDefault?.click();
      await expect
        .poll(
          async () => (await call<{ default: { profile: string } }>(base, 'GET', '/_mock/simulation')).default.profile,
          {
            timeout: WAIT_MS,
          },
        )
        .toBe('wan');
      expect(await simulation()).toMatchObject({ own_profile: false, profile: { profile: 'wan' } });
      await call(base, 'PUT', '/_mock/simulation', { profile: 'lan' });
    },
    STEP_MS,
  );

  it(
    'a task of 100,000 samples: the server buckets them and the charts stay quick, and a drag reads a range in detail',
    async () => {
      // A migration of 8 TiB over the WAN takes weeks: twelve days of it are about 100,000 samples, written by the
      // simulated agent when the clock moves.
      const scene = await buildScene(base, [{ name: 'big-01', usedBytes: 8 * 2 ** 40, profile: 'wan' }]);
      const id = scene.get('big-01') as string;
      await call(base, 'PUT', '/_mock/clock', { advance_ms: 12 * 24 * HOUR });
      const { samples: reports } = await call<{ samples: number }>(base, 'GET', `/_mock/ui/api/tasks/${id}/series`);
      expect(reports).toBeGreaterThanOrEqual(100_000);
      const opened = Date.now();
      await page.goto(ui(`#/tasks/${id}`), { waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#chart-bytes')?.dataset.points, {
        timeout: WAIT_MS,
      });
      const shownIn = Date.now() - opened;
      const points = Number(await page.$eval('#chart-bytes', (e) => (e as HTMLElement).dataset.points));
      expect(points).toBeGreaterThan(0);
      expect(points).toBeLessThanOrEqual(1200);
      expect(await page.$eval('#chart-bytes figcaption', (e) => e.textContent)).toContain(`from ${reports} samples`);
      expect(shownIn).toBeLessThan(WAIT_MS);
      // A drag over the middle of the bytes chart reads that range: fewer samples, in more detail.
      const over = await page.$('#chart-bytes .u-over');
      await over?.scrollIntoView();
      const box = await over?.boundingBox();
      if (!box) throw new Error('no plot area');
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await page.waitForSelector('.task button:not([hidden])', { timeout: WAIT_MS });
      await expect
        .poll(() => page.$eval('#chart-bytes figcaption', (e) => e.textContent ?? ''), { timeout: WAIT_MS })
        .not.toContain(`from ${reports} samples`);
      const zoomed = await page.$eval('#chart-bytes figcaption', (e) => e.textContent ?? '');
      const detail = Number(/(\d+) samples/.exec(zoomed)?.[1]);
      expect(detail).toBeGreaterThan(0);
      expect(detail).toBeLessThan(reports / 4);
      console.log(`${name}: ${reports} samples shown in ${shownIn} ms as ${points} points; a drag read ${detail}`);
      await shoot(page, name, 'task-100k');
    },
    STEP_MS,
  );

  it(
    'a task put in RUNNING through the mock API says that nothing moves it, until a profile of its own does',
    async () => {
      await call(base, 'PUT', '/_mock/tasks/put-task', {
        name: 'put-task',
        type: 'MIGRATE_FILE',
        os_type: 'LINUX',
        state: 'RUNNING',
        sub_tasks: [{ id: 1, name: 'MIGRATE_LINUX_FILE', progress: 10 }],
      });
      await page.goto(ui('#/tasks/put-task'), { waitUntil: 'load' });
      const note = () => page.$eval('.task .panel p.muted[aria-live]', (e) => e.textContent ?? '');
      await expect.poll(note, { timeout: WAIT_MS }).toContain('Nothing moves this task');
      expect(await page.evaluate(() => document.title)).toBe('put-task · sms-mock');
      await page.select('select[name=profile]', 'lan');
      const [apply] = await page.$$('xpath/.//button[text()="Apply"]');
      await apply?.click();
      await expect.poll(note, { timeout: WAIT_MS }).toMatch(/^Simulated agent: running, profile lan/);
      expect(await note()).not.toContain('Nothing moves this task');
    },
    STEP_MS,
  );

  it(
    'the reset from the controls empties the board',
    async () => {
      await page.goto(ui('#/controls'), { waitUntil: 'load' });
      await page.waitForSelector('button.danger', { timeout: WAIT_MS });
      await page.click('button.danger');
      // The page asks first (accepted by the dialog handler), then calls POST /_mock/reset.
      await expect
        .poll(async () => (await call<{ count: number }>(base, 'GET', '/v3/tasks')).count, { timeout: WAIT_MS })
        .toBe(0);
      await page.goto(ui('#/tasks'), { waitUntil: 'load' });
      await expect
        .poll(async () => (await rows(page, 'table.board'))[0]?.[0], { timeout: WAIT_MS })
        .toMatch(/^No tasks yet/);
      expect(await call<{ count: number }>(base, 'GET', '/v3/tasks')).toMatchObject({ count: 0 });
    },
    STEP_MS,
  );
});
