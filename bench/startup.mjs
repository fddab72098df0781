// Start-up figures: spawn → first answered request for the sms-mock command and for the bare Fastify server, and
// startMock()'s time to ready in a fresh node process, each the median of several spawns on CPU 0.
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TASK_ID, task } from './fixture.mjs';
import { freePort, killAndWait, root, startServer } from './servers.mjs';

const POLL_MS = 5;
const SPAWN_LIMIT_MS = 15_000;
export const GOALS = { startMockReadyMs: 150, cliOverBareMs: 200 };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const summary = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values), values });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The status of one GET, or 0 when nothing answers (not listening yet). No keep-alive: every poll is a new socket. */
function status(port, path) {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { 'x-auth-token': 'bench' }, agent: false, timeout: 1000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

function collect(stream) {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk) => {
    text += chunk;
  });
  return () => text;
}

/** Milliseconds from spawn to the end of the first 200 on GET task, polled every POLL_MS. */
async function timeToFirstAnswer(name, args, env) {
  const port = await freePort();
  const startedAt = performance.now();
  const child = startServer(args(port), { env: env(port), stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = collect(child.stderr);
  try {
    while (performance.now() - startedAt < SPAWN_LIMIT_MS) {
      const pollAt = performance.now();
      if ((await status(port, `/v3/tasks/${TASK_ID}`)) === 200) return performance.now() - startedAt;
      if (child.exitCode !== null)
        throw new Error(`${name} exited with ${child.exitCode} before answering: ${stderr()}`);
      await sleep(Math.max(0, POLL_MS - (performance.now() - pollAt)));
    }
    throw new Error(`${name} did not answer within ${SPAWN_LIMIT_MS / 1000} s: ${stderr()}`);
  } finally {
    await killAndWait(child);
  }
}

function startMockInChild() {
  const child = startServer([join(root, 'bench', 'startup-child.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`startMock child did not finish within ${(2 * SPAWN_LIMIT_MS) / 1000} s`));
    }, 2 * SPAWN_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        const result = JSON.parse(stdout().trim().split('\n').at(-1));
        if (result.healthStatus !== 200) throw new Error(`/_mock/health answered ${result.healthStatus}`);
        resolve(result);
      } catch (error) {
        reject(new Error(`startMock child failed (${error.message}): ${stderr()}`));
      }
    });
  });
}

export async function measureStartup({ seedPath, spawns = 5 }) {
  const cli = [];
  const bare = [];
  const measure = {
    cli: () =>
      timeToFirstAnswer(
        'sms-mock CLI',
        (port) => [
          'dist/src/cli.js',
          ...['--host', '127.0.0.1', '--port', String(port), '--db', ':memory:', '--seed', seedPath],
          ...['--log-level', 'warn'],
        ],
        () => ({}),
      ).then((ms) => cli.push(ms)),
    bare: () =>
      timeToFirstAnswer(
        'bare Fastify',
        () => [join(root, 'bench', 'bare-server.mjs')],
        (port) => ({
          BARE_PORT: String(port),
          BARE_TASK: JSON.stringify(task),
        }),
      ).then((ms) => bare.push(ms)),
  };
  for (let i = 0; i < spawns; i++) {
    // Alternate which goes first, so a warming file cache or a busy neighbour hits both alike.
    const order = i % 2 === 0 ? ['cli', 'bare'] : ['bare', 'cli'];
    for (const which of order) await measure[which]();
  }
  const children = [];
  for (let i = 0; i < spawns; i++) children.push(await startMockInChild());

  const cliSummary = summary(cli);
  const bareSummary = summary(bare);
  const cliOverBareMs = cliSummary.median - bareSummary.median;
  const ready = summary(children.map((c) => c.readyMs));
  return {
    spawns,
    pollMs: POLL_MS,
    cli: cliSummary,
    bare: bareSummary,
    cliOverBareMs,
    cliOverBareGoalMs: GOALS.cliOverBareMs,
    cliOverBareMet: cliOverBareMs <= GOALS.cliOverBareMs,
    startMock: {
      bootMs: summary(children.map((c) => c.bootMs)),
      importMs: summary(children.map((c) => c.importMs)),
      readyMs: ready,
      readyGoalMs: GOALS.startMockReadyMs,
      readyMet: ready.median <= GOALS.startMockReadyMs,
    },
  };
}

/** The start-up lines of the summary. */
export function formatStartup(s) {
  const ms = (x) => `${x.median.toFixed(0)} ms (${x.min.toFixed(0)}-${x.max.toFixed(0)})`;
  const verdict = (met) => (met ? 'PASS' : 'MISS');
  return [
    `start-up, medians of ${s.spawns} spawns (min-max), spawn → first 200 on GET task, polled every ${s.pollMs} ms:`,
    `  sms-mock CLI (:memory:, seeded)  ${ms(s.cli)}`,
    `  bare Fastify                     ${ms(s.bare)}`,
    `  CLI slower by                    ${s.cliOverBareMs.toFixed(0)} ms   goal ≤ ${s.cliOverBareGoalMs} ms: ${verdict(s.cliOverBareMet)}`,
    `startMock() in a fresh node process, medians of ${s.spawns} (min-max):`,
    `  node boot ${ms(s.startMock.bootMs)}, import dist/src/index.js ${ms(s.startMock.importMs)}`,
    `  await startMock() ready after import ${ms(s.startMock.readyMs)}   goal ≤ ${s.startMock.readyGoalMs} ms: ${verdict(s.startMock.readyMet)}`,
  ];
}
