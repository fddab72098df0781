import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/index.js';
import { operationIds } from '../../src/schemas/generated/operations.js';
import { PACKAGE } from '../../src/version.js';
import { progressReport, sampleTask } from '../helpers.js';

let sms: SmsMock;
beforeAll(async () => {
  sms = await startMock({ seed: [sampleTask('seeded')] });
});
afterAll(() => sms.close());

const report = progressReport();
const put = (path: string, body: unknown) =>
  fetch(`${sms.url}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-auth-token': 't' },
    body: JSON.stringify(body),
  });

describe('startMock', () => {
  it('listens on an ephemeral port of 127.0.0.1 with an in-memory database', async () => {
    expect(sms.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(sms.url).port)).toBeGreaterThan(0);
    // The database it opened, not the files around: a database that `npm start` left in the project folder is no
    // concern here.
    expect([sms.core.db.name, sms.core.db.memory, sms.core.db.open]).toEqual([':memory:', true, true]);
    const health = await fetch(`${sms.url}/_mock/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      version: PACKAGE.version,
      uptime_ms: expect.any(Number),
      store: { ok: true },
    });
  });

  it('reset puts everything back as it was at start, and is quick about it', async () => {
    await sms.seed([sampleTask('extra')]);
    expect((await put('/v3/tasks/seeded/progress', report)).status).toBe(200);
    expect((await put('/v3/tasks/seeded', { name: 'renamed' })).status).toBe(200);
    sms.faults.add({ operation: 'ShowTask', effect: { type: 'error', preset: 'internal' } });
    sms.clock.freeze('2031-01-01T00:00:00Z');
    expect(sms.journal.count()).toBe(2);

    await sms.reset();

    expect(sms.task('extra')).toBeUndefined();
    expect(sms.task('seeded')).toMatchObject({ name: 'web-01', state: 'READY' });
    expect(sms.progress('seeded')).toEqual([]);
    expect(sms.journal.count()).toBe(0);
    expect(sms.faults.list()).toEqual([]);
    expect(Math.abs(sms.clock.now().getTime() - Date.now())).toBeLessThan(1000);
    // Numbering starts again too: a test after a reset sees the same ids as the first test did.
    expect(sms.faults.add({ effect: { type: 'drop' } }).id).toBe('fault-1');
    sms.faults.clear();
    expect((await fetch(`${sms.url}/v3/tasks/seeded`, { headers: { 'x-auth-token': 't' } })).status).toBe(200);
    expect(sms.journal.list()[0]?.seq).toBe(1);
  });

  it('seed refuses a task the schema refuses, naming it', async () => {
    await expect(sms.seed([{ id: 'bad', state: 'NAPPING' }])).rejects.toThrow(/^task 'bad': state must be one of/);
    expect(sms.task('bad')).toBeUndefined();
  });

  it('task() answers the ShowTask body with int64 values exact', async () => {
    await sms.seed([
      { ...sampleTask('big'), total_cpu_usage: 1, compress_rate: 2, remain_seconds: 9223372036854775807n },
    ]);
    expect(sms.task('big')?.remain_seconds).toBe(9223372036854775807n);
    expect(sms.task('nope')).toBeUndefined();
  });

  it('journal.wait resolves with the entries, or rejects after its timeout', async () => {
    await sms.reset();
    const waiting = sms.journal.wait({ taskId: 'seeded', method: 'PUT', count: 2, timeoutMs: 5000 });
    await put('/v3/tasks/seeded/progress', report);
    await put('/v3/tasks/seeded/progress', report);
    expect((await waiting).map((e) => [e.operation, e.status])).toEqual([
      ['UpdateTaskSpeed', 200],
      ['UpdateTaskSpeed', 200],
    ]);
    await expect(sms.journal.wait({ status: '5xx', timeoutMs: 20 })).rejects.toThrow(
      'timed out after 20 ms: 0 of 1 matching requests arrived',
    );
    expect(sms.journal.list({ since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it('journal.wait rejects saying the server is closing when it closes first', async () => {
    const own = await startMock();
    const waiting = own.journal.wait({ count: 2, timeoutMs: 60_000 });
    const settled = waiting.catch((error: Error) => error);
    await fetch(`${own.url}/v3/tasks/none`, { headers: { 'x-auth-token': 't' } });
    const started = performance.now();
    await own.close();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await settled).toEqual(new Error('the server is closing: 1 of 2 matching requests arrived'));
  });

  it('journal helpers refuse an operation no route serves and a filter key they do not know', async () => {
    await sms.reset();
    await put('/v3/tasks/seeded/progress', report);
    const known = [...operationIds].sort().join(', ');
    const message = `Invalid request parameter: operation 'UpdateTaskSped' is not one of: ${known}`;
    expect(() => sms.journal.list({ operation: 'UpdateTaskSped' })).toThrow(message);
    expect(() => sms.journal.count({ operation: 'UpdateTaskSped' })).toThrow(message);
    await expect(sms.journal.wait({ operation: 'UpdateTaskSped', timeoutMs: 10_000 })).rejects.toThrow(message);
    expect(() => sms.journal.count({ task_id: 'seeded' } as never)).toThrow(
      "unknown filter key 'task_id'; known: method, operation, resourceId, taskId, status, since, after",
    );
    await expect(sms.journal.wait({ timeout: 10 } as never)).rejects.toThrow(
      "unknown filter key 'timeout'; known: method, operation, resourceId, taskId, status, since, after, count, timeoutMs",
    );
    expect(sms.core.journal.pendingWaits).toBe(0);
    expect(sms.journal.count({ operation: 'UpdateTaskSpeed', taskId: 'seeded' })).toBe(1);
    expect(() => sms.faults.add({ operation: 'UpdateTaskSped', effect: { type: 'drop' } })).toThrow(message);
    expect(() => sms.faults.add({ operation: 'ShowTask', effect: { type: 'drop', latency: 5 } } as never)).toThrow(
      'invalid fault rule: effect.latency is not a known field',
    );
    expect(sms.faults.list()).toEqual([]);
  });

  it('passes journalBytes to the journal: the oldest requests leave once it is spent', async () => {
    const own = await startMock({ journalBytes: 4096, seed: [sampleTask('t')] });
    try {
      expect(own.core.journal.maxBytes).toBe(4096);
      const trace = 'x'.repeat(800);
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${own.url}/v3/tasks/t/progress`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-auth-token': 't' },
          body: JSON.stringify({ ...report, process_trace: trace }),
        });
        expect(response.status).toBe(200);
      }
      expect(own.journal.list().map((e) => e.seq)).toEqual([3, 4]);
      expect(own.core.journal.bytes).toBeLessThanOrEqual(4096);
      expect(own.progress('t')).toHaveLength(4);
    } finally {
      await own.close();
    }
  });

  it('faults.add checks the rule like POST /_mock/faults does', async () => {
    await sms.reset();
    expect(() => sms.faults.add({ effect: { type: 'explode' } } as never)).toThrow(
      'invalid fault rule: effect.type must be one of: error, latency, drop, empty',
    );
    const rule = sms.faults.add({ task_id: 'seeded', first: 1, effect: { type: 'error', preset: 'forbidden' } });
    expect((await put('/v3/tasks/seeded/progress', report)).status).toBe(403);
    expect(sms.faults.list()).toEqual([{ ...rule, matched: 1, fired: 1 }]);
    expect(sms.faults.remove(rule.id)).toBe(true);
  });

  it('clock helpers move the time the server writes', async () => {
    await sms.reset();
    sms.clock.freeze(new Date('2032-05-06T07:08:09Z'));
    sms.clock.advance(1000);
    expect(sms.clock.now().toISOString()).toBe('2032-05-06T07:08:10.000Z');
    await put('/v3/tasks/seeded/progress', report);
    expect(sms.progress('seeded')[0]?.received_at).toBe(Date.parse('2032-05-06T07:08:10Z'));
    sms.clock.set('2033-01-01T00:00:00Z');
    sms.clock.run();
    expect(sms.clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2033-01-01T00:00:00Z'));
  });
});
