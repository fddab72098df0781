// npm run bench: autocannon against sms-mock and, in the same run, against a bare Fastify server answering the same
// three routes; prints req/s, p99 and the ratio to the bare server, then checks that every acknowledged progress
// report is in the database. Loopback only, bounded in time, children always stopped.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { progressBody, TASK_ID, task, updateBody } from './fixture.mjs';
import { measureReset } from './reset.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const duration = Number(process.env.BENCH_DURATION ?? (quick ? 3 : 10));
const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
const warmup = 2;
const connections = 10;
const only = process.env.BENCH_ONLY;

// The load generator gets CPU 1, the servers CPU 0, so neither steals from the other (2-core machine).
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function startServer(args, env = {}) {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const argv = hasTaskset ? ['-c', '0', process.execPath, ...args] : args;
  const child = spawn(command, argv, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

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

const children = new Set();
function stopChildren() {
  for (const child of children) child.kill('SIGKILL');
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

async function main() {
  const endpoints = [
    { key: 'get', name: 'GET task (ShowTask)', method: 'GET', path: `/v3/tasks/${TASK_ID}`, goal: 0.9 },
    {
      key: 'update',
      name: 'PUT task (UpdateTask)',
      method: 'PUT',
      path: `/v3/tasks/${TASK_ID}`,
      body: updateBody,
      goal: 0.75,
    },
    {
      key: 'progress',
      name: 'PUT progress (UpdateTaskSpeed)',
      method: 'PUT',
      path: `/v3/tasks/${TASK_ID}/progress`,
      body: progressBody,
      goal: 0.75,
    },
  ].filter((e) => !only || e.key === only);
  if (endpoints.length === 0) throw new Error(`BENCH_ONLY must be get, update or progress, not ${only}`);

  const limitMs = (runs * endpoints.length * 2 * (duration + warmup + 4) + 60) * 1000;
  const guard = setTimeout(() => {
    console.error(`bench: over its time limit of ${limitMs / 1000} s, stopping`);
    process.exit(1);
  }, limitMs);
  guard.unref();

  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-bench-'));
  const dbPath = join(dir, 'bench.db');
  writeFileSync(join(dir, 'seed.json'), JSON.stringify({ tasks: [task] }));
  let failed = false;
  try {
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
    startServer([join(here, 'bare-server.mjs')], { BARE_PORT: String(barePort), BARE_TASK: body });
    await waitForTask(barePort);

    const servers = [
      { name: 'bare', port: barePort },
      { name: 'sms-mock', port: mockPort },
    ];
    let acknowledgedReports = 0;
    const rows = [];
    for (const endpoint of endpoints) {
      const results = { bare: [], 'sms-mock': [] };
      for (let round = 0; round < runs; round++) {
        // Alternate which server goes first, so drift in the machine's speed hits both alike.
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
          const warm = await load(server.port, endpoint, warmup);
          const result = await load(server.port, endpoint, duration);
          for (const r of [warm, result]) {
            if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
              console.error(
                `bench: ${server.name} ${endpoint.name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
              );
              failed = true;
            }
            if (server.name === 'sms-mock' && endpoint.key === 'progress') acknowledgedReports += r['2xx'];
          }
          results[server.name].push({ rps: result.requests.average, p99: result.latency.p99 });
        }
      }
      const bare = { rps: median(results.bare.map((r) => r.rps)), p99: median(results.bare.map((r) => r.p99)) };
      const mockResult = {
        rps: median(results['sms-mock'].map((r) => r.rps)),
        p99: median(results['sms-mock'].map((r) => r.p99)),
      };
      rows.push({
        endpoint: endpoint.name,
        bare,
        mock: mockResult,
        ratio: mockResult.rps / bare.rps,
        goal: endpoint.goal,
      });
    }

    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
    console.log(`\nsms-mock bench: ${machine}`);
    console.log(
      `${connections} connections, ${runs} round(s) of ${duration} s after ${warmup} s warm-up, medians; ` +
        (hasTaskset ? 'servers pinned to CPU 0, load generator to CPU 1' : 'taskset missing: nothing pinned'),
    );
    console.log('sms-mock: file database (WAL), every write committed before it is answered\n');
    const header = [
      'endpoint',
      'bare req/s',
      'bare p99 ms',
      'sms-mock req/s',
      'sms-mock p99 ms',
      'ratio',
      'goal',
      'met',
    ];
    const table = rows.map((r) => [
      r.endpoint,
      r.bare.rps.toFixed(0),
      r.bare.p99.toFixed(1),
      r.mock.rps.toFixed(0),
      r.mock.p99.toFixed(1),
      r.ratio.toFixed(2),
      r.goal.toFixed(2),
      r.ratio >= r.goal ? 'yes' : 'no',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    for (const row of [header, widths.map((w) => '-'.repeat(w)), ...table]) {
      console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
    }

    // Durability: stop the mock, then count what is in the file.
    mock.kill('SIGTERM');
    await new Promise((resolve) => (mock.exitCode === null ? mock.once('exit', resolve) : resolve()));
    let stored = 0;
    if (endpoints.some((e) => e.key === 'progress')) {
      const db = new Database(dbPath, { readonly: true });
      stored = db.prepare('SELECT COUNT(*) FROM progress_samples WHERE task_id = ?').pluck().get(TASK_ID);
      db.close();
      // autocannon stops counting at the end of a run while up to one request per connection is still in flight:
      // those are stored but never counted as answered.
      const inFlight = stored - acknowledgedReports;
      const bound = connections * runs * 2;
      console.log(
        `\ndurability: ${acknowledgedReports} acknowledged reports, ${stored} stored (${inFlight} in flight at run ends, at most ${bound})`,
      );
      if (inFlight < 0 || inFlight > bound) failed = true;
    }

    const reset = await measureReset();
    console.log(
      `\nin-process: startMock() ${reset.startMs.toFixed(0)} ms; reset() over ${reset.rounds} rounds: median ` +
        `${reset.medianMs.toFixed(2)} ms, p95 ${reset.p95Ms.toFixed(2)} ms, max ${reset.maxMs.toFixed(2)} ms`,
    );

    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(
      join(here, 'results', 'latest.json'),
      `${JSON.stringify({ machine, duration, runs, warmup, connections, pinned: hasTaskset, rows, acknowledgedReports, stored, reset }, null, 2)}\n`,
    );
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
