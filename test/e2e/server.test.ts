// Through a real listening port: the in-process server, restarts on the same file, kill -9, and the command itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server.js';
import { sampleTask } from '../helpers.js';
import { runCli, runCliToEnd } from './process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-e2e-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const TOKEN = { 'x-auth-token': 'e2e' };
const JSON_HEADERS = { ...TOKEN, 'content-type': 'application/json' };
const report = (progress: number) =>
  JSON.stringify({
    subtask_name: 'MIGRATE_LINUX_BLOCK',
    progress,
    replicatesize: progress * 10,
    totalsize: 1000,
    process_trace: `at ${progress}`,
  });

describe('in-process server on a real port', () => {
  it('serves the three operations over HTTP', async () => {
    const server = await startServer({ port: 0, db: ':memory:' });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const seeded = await fetch(`${server.url}/_mock/tasks/task-1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sampleTask('task-1')),
      });
      expect(seeded.status).toBe(200);
      const update = await fetch(`${server.url}/v3/tasks/task-1`, {
        method: 'PUT',
        headers: JSON_HEADERS,
        body: '{"name":"renamed"}',
      });
      expect([update.status, await update.json()]).toEqual([200, { id: 'task-1' }]);
      const progress = await fetch(`${server.url}/v3/tasks/task-1/progress`, {
        method: 'PUT',
        headers: JSON_HEADERS,
        body: report(50),
      });
      expect([progress.status, await progress.json()]).toEqual([200, {}]);
      const shown = await fetch(`${server.url}/v3/tasks/task-1`, { headers: { ...TOKEN, 'x-request-id': 'r-1' } });
      expect(shown.status).toBe(200);
      expect(shown.headers.get('x-request-id')).toBe('r-1');
      const body = (await shown.json()) as { name: string; state: string; sub_tasks: { progress: number }[] };
      expect([body.name, body.state, body.sub_tasks[1]?.progress]).toEqual(['renamed', 'RUNNING', 50]);
    } finally {
      await server.close();
    }
  });

  it('answers a request the HTTP parser refuses in the gateway shape, and keeps serving', async () => {
    const server = await startServer({ port: 0, db: ':memory:' });
    try {
      const { port } = new URL(server.url);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          // A body longer than its Content-Length, then garbage where the next request should start.
          socket.write(
            'PUT /v3/tasks/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}\u0001\u0002 nonsense\r\n\r\n',
          );
        });
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk.toString();
        });
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        setTimeout(() => socket.destroy(), 5000);
      });
      const lastResponse = raw.slice(raw.lastIndexOf('HTTP/1.1 '));
      expect(lastResponse).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      const body = JSON.parse(lastResponse.slice(lastResponse.indexOf('\r\n\r\n') + 4));
      expect(body).toEqual({
        error_code: 'APIGW.0201',
        error_msg: 'Bad request',
        request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect((await fetch(`${server.url}/v3/tasks/x`, { headers: TOKEN })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('keeps everything across a restart on the same file', async () => {
    const db = join(tempDir(), 'state.db');
    const first = await startServer({ port: 0, db });
    await fetch(`${first.url}/_mock/tasks/task-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sampleTask('task-1')),
    });
    for (const p of [10, 20, 30]) {
      const response = await fetch(`${first.url}/v3/tasks/task-1/progress`, {
        method: 'PUT',
        headers: JSON_HEADERS,
        body: report(p),
      });
      expect(response.status).toBe(200);
    }
    const before = await (await fetch(`${first.url}/v3/tasks/task-1`, { headers: TOKEN })).json();
    await first.close();

    const second = await startServer({ port: 0, db });
    try {
      const after = await (await fetch(`${second.url}/v3/tasks/task-1`, { headers: TOKEN })).json();
      expect(after).toEqual(before);
      const samples = (await (await fetch(`${second.url}/_mock/tasks/task-1/progress`)).json()) as {
        samples: { progress: number }[];
      };
      expect(samples.samples.map((s: { progress: number }) => s.progress)).toEqual([10, 20, 30]);
    } finally {
      await second.close();
    }
  });
});

describe('the sms-mock command', () => {
  it('keeps every acknowledged report through kill -9', async () => {
    const dir = tempDir();
    const db = join(dir, 'crash.db');
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ tasks: [sampleTask('task-1')] }));
    const child = await runCli(['--port', '0', '--db', db, '--seed', seed, '--log-level', 'info']);
    let acknowledged = 0;
    try {
      // Concurrent batches, so reports share group commits, then a hard kill right after the last answer.
      for (let round = 0; round < 10; round++) {
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            fetch(`${child.url}/v3/tasks/task-1/progress`, {
              method: 'PUT',
              headers: JSON_HEADERS,
              body: report(round * 10 + i),
            }),
          ),
        );
        acknowledged += responses.filter((r) => r.status === 200).length;
      }
    } finally {
      child.process.kill('SIGKILL');
    }
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acknowledged).toBe(100);
    const check = new Database(db, { readonly: true });
    try {
      expect(check.prepare("SELECT COUNT(*) FROM progress_samples WHERE task_id = 'task-1'").pluck().get()).toBe(
        acknowledged,
      );
    } finally {
      check.close();
    }
  });

  it('loads a seed file, reads SMS_MOCK_* variables, and exits cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify([sampleTask('from-seed')]));
    const child = await runCli(['--port', '0'], {
      SMS_MOCK_DB: ':memory:',
      SMS_MOCK_SEED: seed,
      SMS_MOCK_AUTO_CREATE: 'true',
    });
    const shown = await fetch(`${child.url}/v3/tasks/from-seed`, { headers: TOKEN });
    expect(shown.status).toBe(200);
    const created = await fetch(`${child.url}/v3/tasks/new-one/progress`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: report(5),
    });
    expect(created.status).toBe(200);
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain('shutting down');
  });

  it('answers health, keeps --journal-size requests, resets to its seed, and stops with a wait pending', async () => {
    const dir = tempDir();
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify([sampleTask('from-seed')]));
    const child = await runCli(['--port', '0', '--db', ':memory:', '--seed', seed, '--journal-size', '2']);
    expect((await fetch(`${child.url}/_mock/health`)).status).toBe(200);
    for (let i = 0; i < 3; i++) await fetch(`${child.url}/v3/tasks/from-seed`, { headers: TOKEN });
    const journal = (await (await fetch(`${child.url}/_mock/requests`)).json()) as { requests: { seq: number }[] };
    expect(journal.requests.map((r) => r.seq)).toEqual([2, 3]);

    await fetch(`${child.url}/_mock/tasks/other`, { method: 'PUT', headers: JSON_HEADERS, body: '{}' });
    expect((await fetch(`${child.url}/_mock/reset`, { method: 'POST' })).status).toBe(204);
    expect((await fetch(`${child.url}/v3/tasks/other`, { headers: TOKEN })).status).toBe(404);
    expect((await fetch(`${child.url}/v3/tasks/from-seed`, { headers: TOKEN })).status).toBe(200);

    const waiting = fetch(`${child.url}/_mock/requests/wait?count=5&timeout_ms=60000`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.process.kill('SIGTERM');
    expect((await waiting).status).toBe(408);
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('prints help, and refuses unknown flags and bad values with exit 2', async () => {
    const help = await runCliToEnd(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--auto-create');
    const unknown = await runCliToEnd(['--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
    const badPort = await runCliToEnd(['--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("port must be an integer from 0 to 65535, got 'eighty'");
  });

  it('refuses a bad seed file with a message naming the task', async () => {
    const dir = tempDir();
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify([{ id: 'ok' }, { id: 'bad', priority: 7 }]));
    const result = await runCliToEnd(['--port', '0', '--db', ':memory:', '--seed', seed]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('task 1: priority must be one of: 0, 1, 2');
  });
});
