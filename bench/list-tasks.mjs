// ListTasks at scale: a page of 100 out of 10,000 tasks, served by the sms-mock command from a file database that holds
// 1,000,000 progress samples, and from the same database without them, side by side: listing reads tasks, subtasks,
// sources and settings, never samples, so both figures should be the same. The databases are built with SQL (through
// HTTP it would take minutes): one source server and its task made by RegisterServer and CreateTask, then copied.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startMock } from '../dist/src/index.js';
import { cpuSeconds, isNode } from './cpu.mjs';
import { REGISTER } from './fixture.mjs';
import { freePort, killAndWait, startServer } from './servers.mjs';

export const TASKS = 10_000;
export const SAMPLES = 1_000_000;
/** A page in the middle of the list: the database skips 5,000 tasks to reach it. */
export const PAGE = '/v3/tasks?limit=100&offset=5000';

const createBody = (sourceId) => ({
  name: 'bench-task',
  type: 'MIGRATE_BLOCK',
  os_type: 'LINUX',
  source_server: { id: sourceId },
  target_server: { disks: REGISTER.disks.map(({ name, size, device_use }) => ({ name, size, device_use })) },
  region_name: 'region-a',
  region_id: 'region-a',
  project_name: 'region-a',
  project_id: '0123456789abcdef0123456789abcdef',
  vm_template_id: 'b6f3a1c2-0000-4000-8000-000000000001',
  use_public_ip: true,
  syncing: false,
});

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': 'bench' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text).id;
}

/** The columns an INSERT may name (generated ones left out). */
const columnsOf = (db, table) =>
  db.prepare(`SELECT name FROM pragma_table_xinfo('${table}') WHERE hidden = 0`).pluck().all();

/**
 * Copies the one source server and its task (with its subtasks) into `count` of each, with their own ids, names and
 * MACs; task states spread over READY, RUNNING, MIGRATE_SUCCESS and ABORT.
 */
function multiply(db, sourceId, taskId, count) {
  const sequence = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})`;
  const source = (i) => `printf('bench-src-%05d', ${i})`;
  const task = (i) => `printf('bench-task-%05d', ${i})`;
  const replaced = (columns, changes) => columns.map((c) => changes[c] ?? c).join(', ');
  const sourceColumns = columnsOf(db, 'sources');
  const taskColumns = columnsOf(db, 'tasks');
  const subColumns = columnsOf(db, 'sub_tasks');
  const maxSubtask = db.prepare('SELECT MAX(id) FROM sub_tasks').pluck().get();
  db.transaction(() => {
    db.prepare(
      `INSERT INTO sources (${sourceColumns.join(', ')}) ${sequence}
       SELECT ${replaced(sourceColumns, {
         id: source('n.i'),
         name: source('n.i'),
         first_mac: "printf('fa:16:3e:%02x:%02x:%02x', n.i / 65536, (n.i / 256) % 256, n.i % 256)",
       })} FROM n, sources WHERE sources.id = ?`,
    ).run(sourceId);
    db.prepare(
      `INSERT INTO tasks (${taskColumns.join(', ')}) ${sequence}
       SELECT ${replaced(taskColumns, {
         id: task('n.i'),
         name: task('n.i'),
         state: "CASE n.i % 4 WHEN 0 THEN 'READY' WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'MIGRATE_SUCCESS' ELSE 'ABORT' END",
         source_server: `json_set(source_server, '$.id', ${source('n.i')}, '$.name', ${source('n.i')})`,
         create_date: 'create_date + n.i',
       })} FROM n, tasks WHERE tasks.id = ?`,
    ).run(taskId);
    db.prepare(
      `INSERT INTO sub_tasks (${subColumns.join(', ')}) ${sequence}
       SELECT ${replaced(subColumns, { task_id: task('n.i'), id: `sub_tasks.id + ${maxSubtask} * n.i` })}
       FROM n, sub_tasks WHERE sub_tasks.task_id = ?`,
    ).run(taskId);
  })();
}

/** `samples` progress samples spread evenly over every task, in one statement. */
function addSamples(path, samples) {
  const db = new Database(path);
  try {
    const tasks = db.prepare('SELECT COUNT(*) FROM tasks').pluck().get();
    const perTask = Math.ceil(samples / tasks);
    db.prepare(
      `INSERT INTO progress_samples (task_id, seq, received_at, subtask_name, progress, replicatesize, totalsize,
         process_trace, migrate_speed, remain_time)
       WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < ${perTask})
       SELECT t.id, k.j, t.create_date + k.j * 5000, 'MIGRATE_LINUX_BLOCK', k.j % 101, k.j * 429496729,
              42949672960, 'copying /dev/vda1', 98.5, 300
       FROM tasks t, k LIMIT ${samples}`,
    ).run();
    return db.prepare('SELECT COUNT(*) FROM progress_samples').pluck().get();
  } finally {
    db.close();
  }
}

/** The two database files: TASKS tasks each, one with SAMPLES samples and one with none. */
async function build(dir) {
  const empty = join(dir, 'list-no-samples.db');
  const full = join(dir, 'list-samples.db');
  const sms = await startMock({ db: empty });
  try {
    const sourceId = await post(`${sms.url}/v3/sources`, REGISTER);
    const taskId = await post(`${sms.url}/v3/tasks`, createBody(sourceId));
    multiply(sms.core.db, sourceId, taskId, TASKS);
  } finally {
    await sms.close();
  }
  copyFileSync(empty, full);
  const stored = addSamples(full, SAMPLES);
  return [
    { label: 'no samples', path: empty, samples: 0 },
    { label: `${SAMPLES.toLocaleString('en')} samples`, path: full, samples: stored },
  ];
}

async function waitForList(port) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${PAGE}`, { headers: { 'x-auth-token': 'bench' } });
      if (response.ok) return await response.json();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server on port ${port} did not answer ListTasks within 30 s`);
}

/**
 * Both databases served by the command, loaded in alternating order for `runs` rounds (with `warmup` seconds first,
 * not counted) through the bench's own load function, `loadWithCpu(server, endpoint, seconds)`.
 */
export async function measureListTasks({ dir, runs, duration, warmup, load, loadWithCpu }) {
  const builtAt = performance.now();
  const databases = await build(dir);
  const buildS = (performance.now() - builtAt) / 1000;
  const endpoint = { method: 'GET', path: PAGE };
  let failed = false;
  const servers = [];
  try {
    for (const database of databases) {
      const port = await freePort();
      const child = startServer([
        'dist/src/cli.js',
        '--port',
        String(port),
        '--db',
        database.path,
        '--log-level',
        'warn',
      ]);
      const page = await waitForList(port);
      if (page.count !== TASKS || page.tasks.length !== 100) {
        throw new Error(`${database.label}: ListTasks answered ${page.count} tasks, a page of ${page.tasks.length}`);
      }
      const server = { ...database, port, pid: child.pid, child, rounds: [] };
      server.cpu = isNode(child.pid) && cpuSeconds(child.pid) !== undefined;
      servers.push(server);
    }
    for (let round = 0; round < runs; round++) {
      for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
        const warm = await load(server.port, endpoint, warmup);
        const { result, cpuUs } = await loadWithCpu(server, endpoint, duration);
        for (const r of [warm, result]) {
          if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
            console.error(
              `bench: ListTasks ${server.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
            );
            failed = true;
          }
        }
        server.rounds.push({ rps: result.requests.average, p99: result.latency.p99, cpuUs: cpuUs ?? null });
      }
    }
  } finally {
    for (const server of servers) await killAndWait(server.child);
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const rows = servers.map(({ label, samples, rounds }) => {
    const cpu = rounds.map((r) => r.cpuUs);
    return {
      label,
      samples,
      rps: median(rounds.map((r) => r.rps)),
      p99: median(rounds.map((r) => r.p99)),
      cpuUs: cpu.includes(null) ? null : median(cpu),
      rounds,
    };
  });
  return { tasks: TASKS, page: PAGE, buildS, rows, failed };
}

export function formatListTasks({ tasks, page, buildS, rows }) {
  const [none, full] = rows;
  const fixed = (value, digits) => (value === null || value === undefined ? '-' : value.toFixed(digits));
  const lines = [
    `ListTasks: GET ${page} over ${tasks.toLocaleString('en')} tasks (file databases built in ${buildS.toFixed(1)} s)`,
  ];
  const table = rows.map((r) => [r.label, r.rps.toFixed(0), r.p99.toFixed(1), fixed(r.cpuUs, 1)]);
  const header = ['stored', 'req/s', 'p99 ms', 'µs/request'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, widths.map((w) => '-'.repeat(w)), ...table]) {
    lines.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  }
  if (none && full) {
    const cpu = none.cpuUs === null || full.cpuUs === null ? null : full.cpuUs / none.cpuUs;
    lines.push(`with samples ÷ without: req/s ${fixed(full.rps / none.rps, 2)}, µs/request ${fixed(cpu, 2)}`);
  }
  return lines;
}
