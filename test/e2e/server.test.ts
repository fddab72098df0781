// Through a real listening port: the in-process server, restarts on the same file, its start state, refused starts
// and close. The command itself is in cli.test.ts.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StartError, startServer } from '../../src/server.js';
import { logCapture, progressReport, sampleTask, TOKEN } from '../helpers.js';
import { within } from './process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-e2e-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const JSON_HEADERS = { ...TOKEN, 'content-type': 'application/json' };
const report = (progress: number) => JSON.stringify(progressReport({ progress }));

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

describe('startServer: start state, refused starts, close', () => {
  it('starts with fault rules from a file and a running clock, and a reset puts both back', async () => {
    const dir = tempDir();
    const faults = join(dir, 'faults.json');
    const rule = { operation: 'UpdateTask', effect: { type: 'error', preset: 'throttled' } };
    writeFileSync(faults, JSON.stringify([rule]));
    const start = Date.UTC(2030, 0, 1);
    const server = await startServer({ port: 0, db: ':memory:', faults, clockTime: start });
    try {
      const clockReads = async () => {
        const state = (await (await fetch(`${server.url}/_mock/clock`)).json()) as {
          epoch_ms: number;
          frozen: boolean;
        };
        expect(state.frozen).toBe(false);
        expect(state.epoch_ms).toBeGreaterThanOrEqual(start);
        expect(state.epoch_ms).toBeLessThan(start + 5000);
      };
      const throttled = async () => {
        const response = await fetch(`${server.url}/v3/tasks/t`, { method: 'PUT', headers: JSON_HEADERS, body: '{}' });
        expect(response.status).toBe(429);
        expect(response.headers.get('retry-after')).toBe('1');
        expect(await response.json()).toEqual({
          error_code: 'APIGW.0308',
          error_msg: 'The throttling threshold has been reached',
          request_id: response.headers.get('x-request-id'),
        });
      };
      await clockReads();
      await throttled();

      server.core.clock.set(Date.UTC(2040, 0, 1));
      server.core.faults.clear();
      await server.core.reset();
      await clockReads();
      expect(server.core.faults.list()).toEqual([{ id: 'fault-1', ...rule, matched: 0, fired: 0 }]);
      await throttled();
      expect(server.db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a refused start removes the database it created, and the next start on it works', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const refused = startServer({ port, db });
      await expect(refused).rejects.toBeInstanceOf(StartError);
      await expect(refused).rejects.toThrow(
        `sms-mock: port ${port} on 127.0.0.1 is already in use: stop what listens there, or choose another with --port (0 picks a free one)`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    expect(readdirSync(dir)).toEqual([]);
    const server = await startServer({ port: 0, db });
    await server.close();
    expect(readdirSync(dir)).toEqual(['state.db']);
  });

  it('close cuts a connection still sending its body once the grace period is over, then closes the database', async () => {
    const { logger, lines: logs } = logCapture();
    const server = await startServer({ port: 0, db: ':memory:', graceMs: 300, logger });
    // The server has the request in flight once its head is read.
    const arrived = new Promise<void>((resolve) => server.app.server.once('request', () => resolve()));
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    socket.on('error', () => {});
    const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    try {
      socket.write(
        'PUT /v3/tasks/t/progress HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"progress": ',
      );
      await within(arrived, 3000, 'the request head read');
      const started = performance.now();
      await within(server.close(), 3000, 'close');
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
      await within(socketClosed, 1000, 'client connection closed');
      expect(server.db.open).toBe(false);
      expect(logs.filter((l) => l.level >= 30 && /connections/.test(l.msg))).toEqual([
        expect.objectContaining({
          level: 30,
          msg: 'waiting for open connections',
          connections: 1,
          requests: 1,
          grace_ms: 300,
        }),
        expect.objectContaining({
          level: 40,
          msg: 'grace period over: cutting open connections',
          connections: 1,
          requests: 1,
        }),
      ]);
    } finally {
      socket.destroy();
    }
  });
});
