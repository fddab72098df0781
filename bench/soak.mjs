// npm run soak: the built server as a child process (file database, port 0) under bounded mixed load for
// SOAK_SECONDS (default 60): progress reports, UpdateTask bodies with random fields in random order, ShowTasks,
// rejected 1 MiB bodies, journal and report lists, re-seeds, over SOAK_TASKS distinct tasks. The child's RSS is
// sampled from /proc and printed as a curve; the run fails (exit 1) when memory keeps growing in the last third of
// the run, or on any 5xx or unexpected connection error. Loopback only, bounded in time, the child always stopped.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const taskCount = Number(process.env.SOAK_TASKS ?? 1000);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 8);
const sampleMs = Number(process.env.SOAK_SAMPLE_MS ?? 2000);
/**
 * Memory has levelled off when the lowest RSS of the run's last third is at most this many MiB above the lowest RSS
 * of its middle third. The lowest, because garbage collection swings RSS by tens of MiB and its troughs are what
 * stays alive; the middle third, because caches (ShowTask bodies, the journal, SQLite's page cache) fill in the first
 * third with the default number of tasks. The server as it is still drifts up by a few MiB a minute outside its
 * JavaScript heap (which stays flat): the limit sits above that.
 */
const maxGrowthMiB = Number(process.env.SOAK_MAX_GROWTH_MB ?? 16);
const seed = Number(process.env.SOAK_SEED ?? 1);
/**
 * The server's JavaScript heap is capped: garbage collection then keeps it near what is really alive instead of
 * letting it grow for minutes, so a minute of load tells a leak from a warming heap (and a leak ends in a crash).
 */
const nodeFlags = (process.env.SOAK_NODE_FLAGS ?? '--max-old-space-size=160').split(' ').filter(Boolean);

for (const [name, value] of Object.entries({ seconds, taskCount, concurrency, sampleMs, maxGrowthMiB })) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: ${name} must be a positive number`);
    process.exit(2);
  }
}
if (process.platform !== 'linux') {
  console.error('soak: needs /proc to read the server\u2019s memory (Linux only)');
  process.exit(2);
}

/** mulberry32: the same SOAK_SEED gives the same sequence of requests. */
function prng(start) {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(seed);
const int = (min, max) => min + Math.floor(random() * (max - min + 1));
const pick = (items) => items[Math.floor(random() * items.length)];
const chance = (p) => random() < p;

const SUBTASKS = [
  'CREATE_CLOUD_SERVER',
  'SSL_CONFIG',
  'ATTACH_AGENT_IMAGE',
  'FORMAT_DISK_LINUX',
  'MIGRATE_LINUX_BLOCK',
  'SYNC_LINUX_BLOCK',
  'CONFIGURE_LINUX_BLOCK',
];
const taskId = (n) => `soak-${String(n).padStart(6, '0')}`;
const anyTask = () => taskId(int(0, taskCount - 1));

/** Shuffles in place (Fisher-Yates, from the seeded generator). */
function shuffle(items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** JSON text from [key, text] pairs, so int64 literals beyond 2^53 go out exactly as written. */
const objectText = (entries) => `{${entries.map(([key, text]) => `${JSON.stringify(key)}:${text}`).join(',')}}`;
const str = (value) => JSON.stringify(value);

function taskDocument(id) {
  return objectText([
    ['name', str(`soak-${id}`)],
    ['type', str('MIGRATE_BLOCK')],
    ['os_type', str('LINUX')],
    ['state', str('READY')],
    ['create_date', String(1763960000000 + int(0, 1e6))],
    ['sub_tasks', JSON.stringify(SUBTASKS.slice(0, int(1, 4)).map((name) => ({ name, progress: 0 })))],
    ['source_server', JSON.stringify({ id: `src-${id}`, ip: '192.168.0.10', name: id, os_type: 'LINUX' })],
    [
      'target_server',
      objectText([
        ['id', str(`tgt-${id}`)],
        ['disks', `[{"id":1,"name":"/dev/vda","size":${pick(['42949672960', '9223372036854775807'])}}]`],
      ]),
    ],
  ]);
}

function progressBody() {
  const required = [
    ['subtask_name', str(pick(SUBTASKS))],
    ['progress', String(int(0, 100))],
    ['replicatesize', pick([String(int(0, 1e9)), '9007199254740993', '9223372036854775807'])],
    ['totalsize', pick([String(int(1e9, 1e12)), '9223372036854775807'])],
    ['process_trace', str('copying /dev/vda1 '.repeat(int(0, 100)).slice(0, 2048))],
  ];
  const optional = [
    ['migrate_speed', String(random() * 1000)],
    ['compress_rate', String(random() * 10)],
    ['remain_time', String(int(0, 86400))],
    ['total_cpu_usage', String(random() * 100)],
    ['agent_cpu_usage', String(random() * 100)],
    ['total_mem_usage', String(int(0, 65536))],
    ['agent_mem_usage', String(int(0, 1024))],
    ['total_disk_io', String(random() * 500)],
    ['agent_disk_io', String(random() * 500)],
    ['need_migration_test', pick(['true', 'false', 'null'])],
    ['agent_time', str(new Date(1763960000000 + int(0, 1e9)).toISOString().slice(0, 19))],
  ].filter(() => chance(0.5));
  return objectText(shuffle([...required, ...optional]));
}

function updateBody() {
  const fields = [
    ['name', str(`web-${int(0, 99999)}`)],
    ['speed_limit', String(int(0, 1000))],
    ['region_name', str(pick(['Region A', 'Region B', '区域']))],
    ['project_name', str(`project-${int(0, 9)}`)],
    ['migration_ip', str(`10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`)],
    ['use_public_ip', pick(['true', 'false'])],
    ['vm_template_id', str(`tpl-${int(0, 999)}`)],
    ['target_disk_ids', str(`disk-${int(0, 9)} disk-${int(10, 19)}`)],
    ['snapshot_ids', str(`snap-${int(0, 999)}`)],
    ['clone_server', JSON.stringify({ vm_id: `vm-${int(0, 99)}`, name: 'clone', clone_state: 'READY' })],
    [
      'target_server',
      objectText([
        ['name', str(`t-${int(0, 99)}`)],
        ['memory', String(int(1024, 65536))],
      ]),
    ],
    ['priority', String(int(0, 2))],
    ['state', str(pick(['READY', 'RUNNING', 'SYNCING']))],
    ['estimate_complete_time', pick(['1763960000000', '9223372036854775807', 'null'])],
  ];
  const chosen = shuffle(fields.filter(() => chance(0.3)));
  // Some bodies break the schema: refused with 400, storing nothing.
  if (chance(0.1))
    chosen.push(
      pick([
        ['speed_limit', '1001'],
        ['name', '"bad name!"'],
        ['priority', '"high"'],
      ]),
    );
  return objectText(chosen);
}

/** Over the default --body-limit of 1 MiB: refused with 413 before it is parsed. */
const oversized = `{"process_trace":"${'x'.repeat(1024 * 1024)}"}`;

const counts = new Map();
const unexpected = [];
function count(kind, status) {
  const key = `${kind} ${status}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

const HEADERS = { 'x-auth-token': 'soak', 'content-type': 'application/json' };

async function send(base, kind, method, path, body, expected) {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? { 'x-auth-token': 'soak' } : HEADERS,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    count(kind, response.status);
    if (!expected.includes(response.status)) unexpected.push(`${kind}: ${method} ${path} answered ${response.status}`);
  } catch (error) {
    // The server may close a connection over a body it refuses before reading it all.
    if (kind === 'oversized') return count(kind, 'closed');
    count(kind, 'error');
    unexpected.push(`${kind}: ${method} ${path}: ${error.cause?.code ?? error.message}`);
  }
}

/** One request of the mix, by weight. */
function oneRequest(base) {
  const roll = random();
  const id = anyTask();
  if (roll < 0.35) return send(base, 'progress', 'PUT', `/v3/tasks/${id}/progress`, progressBody(), [200]);
  if (roll < 0.55) return send(base, 'update', 'PUT', `/v3/tasks/${id}`, updateBody(), [200, 400]);
  if (roll < 0.8) return send(base, 'show', 'GET', `/v3/tasks/${id}`, undefined, [200]);
  if (roll < 0.83) return send(base, 'oversized', 'PUT', `/v3/tasks/${id}/progress`, oversized, [413]);
  if (roll < 0.9) {
    const query = pick(['?count=true', `?task_id=${id}`, '?operation=UpdateTaskSpeed&status=2xx', '']);
    return send(base, 'journal', 'GET', `/_mock/requests${query}`, undefined, [200]);
  }
  if (roll < 0.95) return send(base, 'reports', 'GET', `/_mock/tasks/${id}/progress`, undefined, [200]);
  return send(base, 'reseed', 'PUT', `/_mock/tasks/${id}`, taskDocument(id), [200]);
}

function rssKiB(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** The server, stopped with this process whatever way it ends. */
let running;
process.on('exit', () => running?.kill('SIGKILL'));

function startChild(dir) {
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      'dist/src/cli.js',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--db',
      join(dir, 'soak.db'),
      '--log-level',
      'info',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running = child;
  let output = '';
  let found = false;
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sms-mock did not start within 15 s:\n${output}`)), 15_000);
    // The command says where it listens (the port 0 picked) in its first lines; the rest of its output is drained.
    const onData = (chunk) => {
      if (found) return;
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        found = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sms-mock exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return { child, listening };
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const mib = (kib) => kib / 1024;

/** One line per sample; the bar spans the lowest to the highest RSS seen, so growth is visible. */
function printCurve(samples) {
  const low = Math.min(...samples.map((s) => s.kib));
  const high = Math.max(...samples.map((s) => s.kib));
  const width = 50;
  console.log(`\n   time s   RSS MiB  (bar: ${mib(low).toFixed(1)} to ${mib(high).toFixed(1)} MiB)`);
  for (const { at, kib } of samples) {
    const bar = '#'.repeat(1 + Math.round(((kib - low) / Math.max(1, high - low)) * width));
    console.log(`${at.toFixed(0).padStart(9)} ${mib(kib).toFixed(1).padStart(9)}  ${bar}`);
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-soak-'));
  const { child, listening } = startChild(dir);
  const guard = setTimeout(
    () => {
      console.error('soak: over its time limit, stopping');
      child.kill('SIGKILL');
      process.exit(1);
    },
    (seconds + 180) * 1000,
  );
  guard.unref();
  let failed = false;
  try {
    const base = await listening;
    console.log(
      `soak: ${base}, ${taskCount} tasks, ${concurrency} connections, ${seconds} s, RSS every ${sampleMs} ms, seed ${seed}`,
    );

    let next = 0;
    const seedWorker = async () => {
      while (next < taskCount) {
        const id = taskId(next++);
        await send(base, 'seed', 'PUT', `/_mock/tasks/${id}`, taskDocument(id), [200]);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, seedWorker));

    const started = performance.now();
    const samples = [{ at: 0, kib: rssKiB(child.pid) }];
    const sampler = setInterval(() => {
      try {
        samples.push({ at: (performance.now() - started) / 1000, kib: rssKiB(child.pid) });
      } catch (error) {
        unexpected.push(`reading the server's memory: ${error.message}`);
      }
    }, sampleMs);
    const deadline = started + seconds * 1000;
    let requests = 0;
    const worker = async () => {
      while (performance.now() < deadline && child.exitCode === null) {
        await oneRequest(base);
        requests++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    clearInterval(sampler);
    samples.push({ at: (performance.now() - started) / 1000, kib: rssKiB(child.pid) });

    const elapsed = (performance.now() - started) / 1000;
    console.log(`\n${requests} requests in ${elapsed.toFixed(1)} s (${(requests / elapsed).toFixed(0)}/s)`);
    for (const [key, n] of [...counts].sort()) console.log(`  ${key.padEnd(22)} ${n}`);
    printCurve(samples);

    const third = elapsed / 3;
    const middle = samples.filter((s) => s.at >= third && s.at < 2 * third).map((s) => s.kib);
    const last = samples.filter((s) => s.at >= 2 * third).map((s) => s.kib);
    if (middle.length === 0 || last.length === 0) {
      console.error('soak: too few memory samples to judge; lengthen SOAK_SECONDS or shorten SOAK_SAMPLE_MS');
      failed = true;
    } else {
      const growth = mib(Math.min(...last) - Math.min(...middle));
      const verdict = growth <= maxGrowthMiB ? 'levels off' : 'keeps growing';
      console.log(
        `\nRSS low point: middle third ${mib(Math.min(...middle)).toFixed(1)} MiB, last third ` +
          `${mib(Math.min(...last)).toFixed(1)} MiB: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB ` +
          `(limit ${maxGrowthMiB} MiB): ${verdict}`,
      );
      if (growth > maxGrowthMiB) failed = true;
    }
    if (child.exitCode !== null) {
      console.error(`soak: the server exited during the run (${child.exitCode})`);
      failed = true;
    }
    if (unexpected.length > 0) {
      console.error(`\nsoak: ${unexpected.length} unexpected answers, the first ones:`);
      for (const line of unexpected.slice(0, 10)) console.error(`  ${line}`);
      failed = true;
    }
  } catch (error) {
    console.error(`soak: ${error.message}`);
    failed = true;
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(failed ? '\nsoak: FAILED' : '\nsoak: passed');
  process.exit(failed ? 1 : 0);
}

process.on('SIGINT', () => process.exit(130));
await main();
