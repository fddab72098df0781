// npm run bench: autocannon against sms-mock and, in the same run, against a bare Fastify server answering the same
// three routes; prints req/s, p99, the server's CPU time per request and the ratios to the bare server, then checks
// that every acknowledged progress report is in the database; before the load, times both servers' start-up and
// startMock()'s; after it, ListTasks over 10,000 tasks with and without 1,000,000 stored progress samples
// (list-tasks.mjs); then the simulated agent moving 1,000 migrations 24 hours in one clock move (simulation.mjs), and
// the dashboard's reads over a task of 100,000 samples and its event streams under a burst of reports (dashboard.mjs).
// Loopback only, bounded in time, children always stopped.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { cpuSeconds, isNode, ticksPerSecond } from './cpu.mjs';
import { formatDashboard, measureDashboard } from './dashboard.mjs';
import { progressBody, TASK_ID, task, updateBody } from './fixture.mjs';
import { formatListTasks, measureListTasks } from './list-tasks.mjs';
import { measureLargeReset, measureReset } from './reset.mjs';
import { freePort, hasTaskset, startServer, stopChildren } from './servers.mjs';
import { formatSimulation, measureSimulation } from './simulation.mjs';
import { formatStartup, measureStartup } from './startup.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const duration = Number(process.env.BENCH_DURATION ?? (quick ? 3 : 10));
const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
const warmup = 2;
const connections = 10;
const only = process.env.BENCH_ONLY;
const startupSpawns = 5;

async function waitForTask(port) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v3/tasks/${TASK_ID}`, {
        headers: { 'x-auth-token': 'bench' },
      });
      if (response.ok) return await response.text();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server on port ${port} did not answer within 15 s`);
}

process.on('exit', stopChildren);
process.on('SIGINT', () => process.exit(130));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function load(port, endpoint, seconds) {
  return autocannon({
    url: `http://127.0.0.1:${port}${endpoint.path}`,
    method: endpoint.method,
    body: endpoint.body,
    headers: { 'x-auth-token': 'bench', 'content-type': 'application/json' },
    connections,
    pipelining: 1,
    duration: seconds,
  });
}

/**
 * One load window with the server's CPU time per request: utime+stime read from /proc right before and right after
 * the window, divided by the requests answered in it. Undefined where the server's /proc entry is not readable.
 */
async function loadWithCpu(server, endpoint, seconds) {
  const before = server.cpu ? cpuSeconds(server.pid) : undefined;
  const result = await load(server.port, endpoint, seconds);
  const after = before === undefined ? undefined : cpuSeconds(server.pid);
  const answered = result.requests.total;
  const cpuUs = after === undefined || answered === 0 ? undefined : ((after - before) * 1e6) / answered;
  return { result, cpuUs };
}

const ENDPOINTS = [
  {
    key: 'get',
    label: 'GET task',
    name: 'GET task (ShowTask)',
    method: 'GET',
    path: `/v3/tasks/${TASK_ID}`,
    goal: 0.9,
  },
  {
    key: 'update',
    label: 'PUT task',
    name: 'PUT task (UpdateTask)',
    method: 'PUT',
    path: `/v3/tasks/${TASK_ID}`,
    body: updateBody,
    goal: 0.75,
  },
  {
    key: 'progress',
    label: 'PUT progress',
    name: 'PUT progress (UpdateTaskSpeed)',
    method: 'PUT',
    path: `/v3/tasks/${TASK_ID}/progress`,
    body: progressBody,
    goal: 0.75,
  },
];

function printTable(header, table) {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, widths.map((w) => '-'.repeat(w)), ...table]) {
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  }
}

/** The load rounds against both servers, the durability check and the in-process reset measurement. */
async function measureLoad(endpoints, dir) {
  const dbPath = join(dir, 'bench.db');
  let failed = false;
  const mockPort = await freePort();
  const mock = startServer([
    'dist/src/cli.js',
    '--host',
    '127.0.0.1',
    '--port',
    String(mockPort),
    '--db',
    dbPath,
    '--seed',
    join(dir, 'seed.json'),
    '--log-level',
    'warn',
  ]);
  const body = await waitForTask(mockPort);
  const barePort = await freePort();
  const bare = startServer([join(here, 'bare-server.mjs')], {
    env: { BARE_PORT: String(barePort), BARE_TASK: body },
  });
  await waitForTask(barePort);

  const servers = [
    { name: 'bare', port: barePort, pid: bare.pid },
    { name: 'sms-mock', port: mockPort, pid: mock.pid },
  ];
  for (const server of servers) {
    server.cpu = isNode(server.pid) && cpuSeconds(server.pid) !== undefined;
    if (!server.cpu)
      console.error(`bench: no CPU figures for ${server.name}: /proc/${server.pid} is not its node process`);
  }
  let acknowledgedReports = 0;
  const rows = [];
  for (const endpoint of endpoints) {
    const results = { bare: [], 'sms-mock': [] };
    for (let round = 0; round < runs; round++) {
      // Alternate which server goes first, so drift in the machine's speed hits both alike.
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const warm = await load(server.port, endpoint, warmup);
        const { result, cpuUs } = await loadWithCpu(server, endpoint, duration);
        for (const r of [warm, result]) {
          if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
            console.error(
              `bench: ${server.name} ${endpoint.name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
            );
            failed = true;
          }
          if (server.name === 'sms-mock' && endpoint.key === 'progress') acknowledgedReports += r['2xx'];
        }
        results[server.name].push({
          rps: result.requests.average,
          p99: result.latency.p99,
          requests: result.requests.total,
          cpuUs: cpuUs ?? null,
        });
      }
    }
    const summarize = (list) => {
      const cpu = list.map((r) => r.cpuUs);
      return {
        rps: median(list.map((r) => r.rps)),
        p99: median(list.map((r) => r.p99)),
        cpuUs: cpu.includes(null) ? null : median(cpu),
        rounds: list,
      };
    };
    const bareResult = summarize(results.bare);
    const mockResult = summarize(results['sms-mock']);
    rows.push({
      endpoint: endpoint.name,
      label: endpoint.label,
      bare: bareResult,
      mock: mockResult,
      ratio: mockResult.rps / bareResult.rps,
      cpuRatio: bareResult.cpuUs === null || mockResult.cpuUs === null ? null : bareResult.cpuUs / mockResult.cpuUs,
      goal: endpoint.goal,
    });
  }

  // Durability: stop the mock, then count what is in the file.
  mock.kill('SIGTERM');
  await new Promise((resolve) => (mock.exitCode === null ? mock.once('exit', resolve) : resolve()));
  let durability;
  if (endpoints.some((e) => e.key === 'progress')) {
    const db = new Database(dbPath, { readonly: true });
    const stored = db.prepare('SELECT COUNT(*) FROM progress_samples WHERE task_id = ?').pluck().get(TASK_ID);
    db.close();
    // autocannon stops counting at the end of a run while up to one request per connection is still in flight:
    // those are stored but never counted as answered.
    durability = { acknowledgedReports, stored, inFlight: stored - acknowledgedReports, bound: connections * runs * 2 };
    if (durability.inFlight < 0 || durability.inFlight > durability.bound) failed = true;
  }

  const reset = { ...(await measureReset()), large: await measureLargeReset() };
  return { rows, durability, reset, failed };
}

function printLoad({ rows, durability, reset }) {
  console.log(
    `${connections} connections, ${runs} round(s) of ${duration} s after ${warmup} s warm-up, medians; ` +
      (hasTaskset ? 'servers pinned to CPU 0, load generator to CPU 1' : 'taskset missing: nothing pinned'),
  );
  console.log('sms-mock: file database (WAL), every write committed before it is answered');
  console.log(
    `µs: the server's CPU time (user + system, /proc/<pid>/stat, ${ticksPerSecond} ticks/s) per request answered; ` +
      'CPU ratio = bare µs ÷ sms-mock µs\n',
  );
  const fixed = (value, digits) => (value === null ? '-' : value.toFixed(digits));
  const met = (ratio, goal) => (ratio === null ? '-' : ratio >= goal ? 'yes' : 'no');
  printTable(
    [
      'endpoint',
      'bare req/s',
      'sms-mock req/s',
      'bare p99 ms',
      'sms-mock p99 ms',
      'bare µs',
      'sms-mock µs',
      'req/s ratio',
      'CPU ratio',
      'goal',
      'met req/s/CPU',
    ],
    rows.map((r) => [
      r.label,
      r.bare.rps.toFixed(0),
      r.mock.rps.toFixed(0),
      r.bare.p99.toFixed(1),
      r.mock.p99.toFixed(1),
      fixed(r.bare.cpuUs, 1),
      fixed(r.mock.cpuUs, 1),
      r.ratio.toFixed(2),
      fixed(r.cpuRatio, 2),
      r.goal.toFixed(2),
      `${met(r.ratio, r.goal)}/${met(r.cpuRatio, r.goal)}`,
    ]),
  );
  if (durability) {
    console.log(
      `\ndurability: ${durability.acknowledgedReports} acknowledged reports, ${durability.stored} stored ` +
        `(${durability.inFlight} in flight at run ends, at most ${durability.bound})`,
    );
  }
  console.log(
    `\nin-process: startMock() ${reset.startMs.toFixed(0)} ms; reset() over ${reset.rounds} rounds: median ` +
      `${reset.medianMs.toFixed(2)} ms, p95 ${reset.p95Ms.toFixed(2)} ms, max ${reset.maxMs.toFixed(2)} ms`,
  );
  const { large } = reset;
  console.log(
    `reset() of a file database holding ${large.samples.toLocaleString('en')} samples: median ` +
      `${large.medianMs.toFixed(1)} ms, max ${large.maxMs.toFixed(1)} ms over ${large.rounds} rounds (goal < 100 ms)`,
  );
}

async function main() {
  const others = ['startup', 'list', 'simulation', 'dashboard'];
  if (only !== undefined && !others.includes(only) && !ENDPOINTS.some((e) => e.key === only)) {
    throw new Error(`BENCH_ONLY must be get, update, progress, list, simulation, dashboard or startup, not ${only}`);
  }
  const withStartup = only === undefined || only === 'startup';
  const withList = only === undefined || only === 'list';
  const withSimulation = only === undefined || only === 'simulation';
  const withDashboard = only === undefined || only === 'dashboard';
  const endpoints = ENDPOINTS.filter((e) => only === undefined || e.key === only);

  // A start-up spawn gives up after 15 s, a startMock child after 30 s: the limit holds even if each one did.
  const startupLimitS = withStartup ? startupSpawns * (2 * 15 + 30) : 0;
  const loadLimitS = endpoints.length > 0 ? runs * endpoints.length * 2 * (duration + warmup + 4) + 60 : 0;
  // ListTasks: building its two databases (about 20 s), then its rounds on two servers.
  const listLimitS = withList ? 120 + runs * 2 * (duration + warmup + 4) : 0;
  // The simulation: creating and starting its tasks over HTTP, then the one clock move.
  const simulationLimitS = withSimulation ? 400 : 0;
  // The dashboard: 1,001 tasks over HTTP, twelve simulated days of one, then its reads and two bursts.
  const dashboardLimitS = withDashboard ? 300 : 0;
  const limitMs = (startupLimitS + loadLimitS + listLimitS + simulationLimitS + dashboardLimitS + 30) * 1000;
  const guard = setTimeout(() => {
    console.error(`bench: over its time limit of ${limitMs / 1000} s, stopping`);
    process.exit(1);
  }, limitMs);
  guard.unref();

  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-bench-'));
  writeFileSync(join(dir, 'seed.json'), JSON.stringify({ tasks: [task] }));
  let failed = false;
  try {
    // Before the load, while nothing else of the bench runs.
    const startup = withStartup
      ? await measureStartup({ seedPath: join(dir, 'seed.json'), spawns: startupSpawns })
      : undefined;
    const loaded = endpoints.length > 0 ? await measureLoad(endpoints, dir) : undefined;
    const list = withList ? await measureListTasks({ dir, runs, duration, warmup, load, loadWithCpu }) : undefined;
    const simulation = withSimulation
      ? [await measureSimulation({ profile: 'lan' }), await measureSimulation({ profile: 'wan' })]
      : undefined;
    const dashboard = withDashboard ? await measureDashboard() : undefined;
    failed = (loaded?.failed ?? false) || (list?.failed ?? false);

    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
    console.log(`\nsms-mock bench: ${machine}`);
    if (loaded) printLoad(loaded);
    if (list) {
      if (loaded) console.log('');
      for (const line of formatListTasks(list)) console.log(line);
    }
    if (simulation) {
      if (loaded || list) console.log('');
      for (const result of simulation) for (const line of formatSimulation(result)) console.log(line);
    }
    if (dashboard) {
      if (loaded || list || simulation) console.log('');
      for (const line of formatDashboard(dashboard)) console.log(line);
    }
    if (startup) {
      if (loaded || list || simulation || dashboard) console.log('');
      for (const line of formatStartup(startup)) console.log(line);
    }

    mkdirSync(join(here, 'results'), { recursive: true });
    const report = {
      machine,
      duration,
      runs,
      warmup,
      connections,
      pinned: hasTaskset,
      clockTicksPerSecond: ticksPerSecond,
      rows: loaded?.rows,
      acknowledgedReports: loaded?.durability?.acknowledgedReports,
      stored: loaded?.durability?.stored,
      reset: loaded?.reset,
      listTasks: list,
      simulation,
      dashboard,
      startup,
    };
    writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    stopChildren();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

if (hasTaskset && !process.env.BENCH_PINNED) {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}
