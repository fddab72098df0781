// The database file under a real server: one server per file, files it cannot write, a file deleted or full while
// the server runs, and tasks left in the file by an earlier run.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { PACKAGE } from '../../src/version.js';
import { type LogLine, logCapture, progressReport, rowCount, sampleTask, TOKEN } from '../helpers.js';
import { runCli } from './process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dirs: string[] = [];
const servers: RunningServer[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const JSON_HEADERS = { ...TOKEN, 'content-type': 'application/json' };
const report = (progress: number, trace = `at ${progress}`) =>
  JSON.stringify(progressReport({ progress, process_trace: trace }));

/** A server on `path` whose log lines are kept. */
async function serverOn(path: string): Promise<{ server: RunningServer; logs: LogLine[] }> {
  const { logger, lines: logs } = logCapture();
  const server = await startServer({ port: 0, db: path, logger });
  servers.push(server);
  return { server, logs };
}

async function seedTask(url: string, id = 'task-1'): Promise<void> {
  const response = await fetch(`${url}/_mock/tasks/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sampleTask(id)),
  });
  expect(response.status).toBe(200);
}

/**
 * Runs `command` to its end, or until it says it listens (then stops it): a start that should have been refused
 * fails the test quickly instead of hanging it.
 */
function runUntilListeningOrExit(
  command: string,
  args: string[],
): Promise<{ code: number | null; output: string; listened: boolean }> {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let listened = false;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (!listened && output.includes('listening on')) {
      listened = true;
      child.kill('SIGKILL');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, listened });
    });
  });
}

const cli = ['--import', 'tsx', join(root, 'src', 'cli.ts')];
const unavailableBody = (reason: string) => ({
  error_code: 'MOCK.0503',
  error_msg: `The mock's database cannot be written: ${reason}`,
});
const unhealthyBody = (reason: string) => ({
  ...unavailableBody(reason),
  status: 'unhealthy',
  version: PACKAGE.version,
  uptime_ms: expect.any(Number),
  store: { ok: false, error: reason },
});
const healthyBody = { status: 'ok', version: PACKAGE.version, uptime_ms: expect.any(Number), store: { ok: true } };

describe('one server per database file', () => {
  it('refuses a second sms-mock on the same file, in another process or this one, until kill -9 frees it', async () => {
    const path = join(tempDir(), 'shared.db');
    const inUse = `sms-mock: ${path} is in use by another process (another sms-mock on the same --db?): stop it, or start this one with another --db`;
    const first = await runCli(['--port', '0', '--db', path]);
    try {
      await seedTask(first.url);

      const second = await runUntilListeningOrExit(process.execPath, [...cli, '--port', '0', '--db', path]);
      expect(second.listened).toBe(false);
      expect(second.code).toBe(1);
      expect(second.output).toContain(inUse);
      await expect(startServer({ port: 0, db: path })).rejects.toThrow(inUse);

      // The refused starts changed nothing: the first server still writes and reads its task.
      const update = await fetch(`${first.url}/v3/tasks/task-1`, {
        method: 'PUT',
        headers: JSON_HEADERS,
        body: '{"name":"renamed"}',
      });
      expect([update.status, await update.json()]).toEqual([200, { id: 'task-1' }]);
    } finally {
      first.process.kill('SIGKILL');
    }
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The OS drops the lock of a dead process: no stale lock to clean up.
    const { server } = await serverOn(path);
    const shown = await fetch(`${server.url}/v3/tasks/task-1`, { headers: TOKEN });
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { name: string }).name).toBe('renamed');
  }, 40_000);
});

const asRoot = process.getuid?.() === 0;
const canDropPrivileges = asRoot && spawnSync('setpriv', ['--version']).status === 0;

describe('a database file it cannot write', () => {
  it.skipIf(!canDropPrivileges)(
    'refuses to start, naming the path and what to do (run as an unprivileged user)',
    async () => {
      const dir = tempDir();
      const path = join(dir, 'locked.db');
      openDatabase({ path }).close();
      chmodSync(dir, 0o755);
      chmodSync(path, 0o644);
      const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...cli, '--port', '0'];

      const readOnlyFile = await runUntilListeningOrExit('setpriv', [...asNobody, '--db', path]);
      expect(readOnlyFile.listened).toBe(false);
      expect(readOnlyFile.code).toBe(1);
      expect(readOnlyFile.output).toContain(
        `sms-mock: cannot write ${path}: the file is not writable (EACCES); make it writable for this user, or start with another --db`,
      );

      const inReadOnlyDir = join(dir, 'new.db');
      const newFile = await runUntilListeningOrExit('setpriv', [...asNobody, '--db', inReadOnlyDir]);
      expect(newFile.code).toBe(1);
      expect(newFile.output).toContain(
        `sms-mock: cannot write ${inReadOnlyDir}: its directory is not writable (EACCES); make it writable for this user, or start with another --db`,
      );
      expect(readdirSync(dir)).toEqual(['locked.db']);
      const check = new Database(path, { readonly: true });
      expect(rowCount(check, 'tasks')).toBe(0);
      check.close();
    },
    40_000,
  );
});

describe('a database file that stops taking writes while the server runs', () => {
  it('deleted: refuses writes with 503, logs it once, and health says unhealthy', async () => {
    const path = join(tempDir(), 'gone.db');
    const { server, logs } = await serverOn(path);
    await seedTask(server.url);
    expect((await fetch(`${server.url}/_mock/health`)).status).toBe(200);
    unlinkSync(path);
    const reason = `${path} was deleted while the server ran: what it writes now would be lost; restart the server`;

    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${server.url}/v3/tasks/task-1/progress`, {
        method: 'PUT',
        headers: { ...JSON_HEADERS, 'x-request-id': `r-${i}` },
        body: report(40),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('x-request-id')).toBe(`r-${i}`);
      expect(await response.json()).toEqual(unavailableBody(reason));
    }
    const control = await fetch(`${server.url}/_mock/tasks/task-2`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([control.status, await control.json()]).toEqual([503, unavailableBody(reason)]);

    const health = await fetch(`${server.url}/_mock/health`);
    expect(health.status).toBe(503);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await health.json()).toEqual(unhealthyBody(reason));

    // Nothing was written, not even to the unlinked file the server still holds open.
    expect(rowCount(server.db, 'progress_samples')).toBe(0);
    expect(server.db.prepare('SELECT id FROM tasks').pluck().all()).toEqual(['task-1']);
    expect(existsSync(path)).toBe(false);
    const errors = logs.filter((line) => line.level >= 50);
    expect(errors.map((line) => line.msg)).toEqual([`database cannot be written: ${reason}`]);
  });

  it('full: answers 503 instead of 500, and is healthy again once there is room', async () => {
    const path = join(tempDir(), 'full.db');
    const { server, logs } = await serverOn(path);
    await seedTask(server.url);
    const pages = server.db.pragma('page_count', { simple: true }) as number;
    server.db.pragma(`max_page_count = ${pages}`);
    const reason = `${path}: database or disk is full (SQLITE_FULL)`;

    const statuses: number[] = [];
    for (let i = 0; i < 50 && !statuses.includes(503); i++) {
      const response = await fetch(`${server.url}/v3/tasks/task-1/progress`, {
        method: 'PUT',
        headers: JSON_HEADERS,
        body: report(i, 'x'.repeat(2048)),
      });
      statuses.push(response.status);
      if (response.status === 503) expect(await response.json()).toEqual(unavailableBody(reason));
      else expect(await response.json()).toEqual({});
    }
    expect(statuses.at(-1)).toBe(503);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(rowCount(server.db, 'progress_samples')).toBe(statuses.length - 1);
    const health = await fetch(`${server.url}/_mock/health`);
    expect([health.status, await health.json()]).toEqual([503, unhealthyBody(reason)]);
    expect(logs.filter((line) => line.level >= 50).map((line) => line.msg)).toEqual([
      `database cannot be written: ${reason}`,
    ]);

    server.db.pragma(`max_page_count = ${pages * 100}`);
    const after = await fetch(`${server.url}/v3/tasks/task-1/progress`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: report(99),
    });
    expect(after.status).toBe(200);
    expect(rowCount(server.db, 'progress_samples')).toBe(statuses.length);
    const healthy = await fetch(`${server.url}/_mock/health`);
    expect([healthy.status, await healthy.json()]).toEqual([200, healthyBody]);
  });

  it('read-only: UpdateTask answers 503 and changes nothing; health follows the store', async () => {
    const path = join(tempDir(), 'ro.db');
    const { server } = await serverOn(path);
    await seedTask(server.url);
    server.db.pragma('query_only = ON');
    const reason = `${path}: attempt to write a readonly database (SQLITE_READONLY)`;
    const update = await fetch(`${server.url}/v3/tasks/task-1`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: '{"name":"renamed"}',
    });
    expect([update.status, await update.json()]).toEqual([503, unavailableBody(reason)]);
    const shown = await fetch(`${server.url}/v3/tasks/task-1`, { headers: TOKEN });
    expect(((await shown.json()) as { name: string }).name).toBe('web-01');
    expect(server.db.prepare("SELECT name FROM tasks WHERE id = 'task-1'").pluck().get()).toBe('web-01');
    expect((await fetch(`${server.url}/_mock/health`)).status).toBe(503);

    server.db.pragma('query_only = OFF');
    const retried = await fetch(`${server.url}/v3/tasks/task-1`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: '{"name":"renamed"}',
    });
    expect(retried.status).toBe(200);
    const healthy = await fetch(`${server.url}/_mock/health`);
    expect([healthy.status, await healthy.json()]).toEqual([200, healthyBody]);
  });
});

describe('tasks left in the file by an earlier run', () => {
  it('warns at start that a reset deletes them, and a reset does', async () => {
    const path = join(tempDir(), 'kept.db');
    const first = await serverOn(path);
    expect(first.logs.filter((line) => line.level === 40)).toEqual([]);
    await seedTask(first.server.url, 'a');
    await seedTask(first.server.url, 'b');
    await first.server.close();

    const { server, logs } = await serverOn(path);
    expect(logs.filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({ db: path, tasks: 2, msg: `2 tasks already in ${path}; a reset deletes them` }),
    ]);
    expect((await fetch(`${server.url}/v3/tasks/a`, { headers: TOKEN })).status).toBe(200);
    expect((await fetch(`${server.url}/_mock/reset`, { method: 'POST' })).status).toBe(204);
    expect(rowCount(server.db, 'tasks')).toBe(0);
  });
});
