import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import {
  ENTRY_OVERHEAD,
  Journal,
  type JournalRecord,
  MAX_JOURNAL_BODY,
  MAX_PENDING_WAITS,
  REDACTED,
} from '../../src/control/journal.js';
import { ApiError } from '../../src/lib/errors.js';

// parseJson refuses text nested too deep, so the journal shows such a body as text; `deepParse` lets a test hand the
// renderer a parsed body too deep to serialize, to check rendering copes with it by itself.
const json = vi.hoisted(() => ({ deepParse: false }));
vi.mock('../../src/lib/json.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/lib/json.js')>();
  return {
    ...original,
    parseJson: (text: string, longDigits?: boolean) =>
      json.deepParse ? JSON.parse(text) : original.parseJson(text, longDigits),
  };
});

function record(overrides: Partial<JournalRecord> = {}): JournalRecord {
  return {
    time: Date.UTC(2026, 0, 1),
    method: 'PUT',
    url: '/v3/tasks/t1/progress',
    operation: 'UpdateTaskSpeed',
    resourceId: 't1',
    taskId: 't1',
    status: 200,
    requestId: 'r',
    durationMs: 1.23456,
    headers: { 'content-type': 'application/json', 'x-auth-token': 'secret-token' },
    body: '{"progress":1}',
    fault: null,
    ...overrides,
  };
}

describe('Journal', () => {
  it('never holds more than its capacity, keeping the newest in order', () => {
    const journal = new Journal(5);
    for (let i = 0; i < 23; i++) {
      journal.record(record({ requestId: `r${i}` }));
      expect(journal.size).toBe(Math.min(i + 1, 5));
    }
    const entries = journal.list();
    expect(entries.map((e) => e.request_id)).toEqual(['r18', 'r19', 'r20', 'r21', 'r22']);
    expect(entries.map((e) => e.seq)).toEqual([19, 20, 21, 22, 23]);
  });

  it('renders an entry with the path split from the query, secrets redacted and the body parsed', () => {
    const journal = new Journal(10);
    journal.record(
      record({
        url: '/v3/tasks/t1?x=1',
        headers: {
          authorization: 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=abc',
          'x-auth-token': 'tok',
          cookie: 'a=b',
          'x-sdk-date': '20260101T000000Z',
        },
        body: '{"totalsize":9223372036854775807,"n":1}',
      }),
    );
    expect(journal.list()).toEqual([
      {
        seq: 1,
        time: '2026-01-01T00:00:00.000Z',
        method: 'PUT',
        path: '/v3/tasks/t1',
        query: 'x=1',
        operation: 'UpdateTaskSpeed',
        resource_id: 't1',
        task_id: 't1',
        status: 200,
        request_id: 'r',
        duration_ms: 1.235,
        headers: {
          authorization: REDACTED,
          'x-auth-token': REDACTED,
          cookie: REDACTED,
          'x-sdk-date': '20260101T000000Z',
        },
        body: { totalsize: 9223372036854775807n, n: 1 },
        body_truncated: false,
        fault: null,
      },
    ]);
  });

  it('keeps a body that is not JSON as text, and cuts a long one', () => {
    const journal = new Journal(10);
    journal.record(record({ body: 'not json' }));
    journal.record(record({ body: `"${'x'.repeat(MAX_JOURNAL_BODY * 2)}"` }));
    journal.record(record({ body: null }));
    const [text, long, none] = journal.list();
    expect(text?.body).toBe('not json');
    expect(long?.body_truncated).toBe(true);
    expect(String(long?.body).length).toBe(MAX_JOURNAL_BODY);
    expect(none?.body).toBeNull();
  });

  it('filters on method, operation, task id, status or class, time and seq', () => {
    const journal = new Journal(10);
    journal.record(record({ method: 'GET', operation: 'ShowTask', status: 200, time: 1000 }));
    journal.record(record({ taskId: 't2', status: 404, time: 2000 }));
    journal.record(record({ status: 503, time: 3000 }));
    journal.record(record({ status: null, operation: null, taskId: null, time: 4000 }));
    const seqs = (filter: Parameters<Journal['list']>[0]) => journal.list(filter).map((e) => e.seq);
    expect(seqs({ method: 'get' })).toEqual([1]);
    expect(seqs({ operation: 'UpdateTaskSpeed' })).toEqual([2, 3]);
    expect(seqs({ taskId: 't2' })).toEqual([2]);
    expect(seqs({ status: '404' })).toEqual([2]);
    expect(seqs({ status: '5xx' })).toEqual([3]);
    expect(seqs({ since: 3000 })).toEqual([3, 4]);
    expect(seqs({ after: 3 })).toEqual([4]);
    expect(journal.count({ status: '2xx' })).toBe(1);
    journal.clear();
    expect(journal.count()).toBe(0);
  });

  it('settles a wait once enough matching entries arrive, counting those already there', async () => {
    const journal = new Journal(2);
    journal.record(record());
    const waiting = journal.wait({ operation: 'UpdateTaskSpeed' }, 3, 5000);
    journal.record(record({ operation: 'ShowTask' }));
    journal.record(record());
    journal.record(record());
    // The ring holds two entries: the wait still counted the first one before it left.
    const result = await waiting;
    expect(result.outcome).toBe('satisfied');
    expect(result.count).toBe(3);
    if (result.outcome !== 'satisfied') return;
    expect(result.answer.entries().map((e) => e.seq)).toEqual([3, 4]);
    expect(JSON.parse(result.answer.json())).toEqual({ count: 2, requests: journal.list({ after: 2 }) });
  });

  it('answers a wait unsatisfied after its timeout, and as closing when closed', async () => {
    const journal = new Journal(10);
    journal.record(record());
    expect(await journal.wait({}, 2, 30)).toEqual({ outcome: 'timeout', count: 1 });
    const pending = journal.wait({}, 5, 60_000);
    journal.closeWaits();
    expect(await pending).toEqual({ outcome: 'closing', count: 1 });
    expect(journal.pendingWaits).toBe(0);
    // Once closed, a wait that cannot be satisfied at once answers at once.
    expect(await journal.wait({}, 2, 60_000)).toEqual({ outcome: 'closing', count: 1 });
    expect((await journal.wait({}, 1, 60_000)).outcome).toBe('satisfied');
  });

  it('answers many waits satisfied by one record after that record returns, rendering once per filter', async () => {
    const journal = new Journal(100);
    for (let i = 0; i < 50; i++) journal.record(record({ taskId: `t${i % 2}` }));
    const broad = Array.from({ length: 990 }, () => journal.wait({ status: '2XX' }, 51, 10_000));
    const narrow = Array.from({ length: 10 }, () => journal.wait({ taskId: 't1', status: '2xx' }, 26, 10_000));
    expect(journal.pendingWaits).toBe(MAX_PENDING_WAITS);
    const rendersBefore = journal.renders;

    const started = performance.now();
    journal.record(record({ taskId: 't1' }));
    // Settling waits is left to the next turn of the event loop: the request being recorded is not held up.
    expect(journal.renders).toBe(rendersBefore);
    const results = await Promise.all([...broad, ...narrow]);
    expect(journal.pendingWaits).toBe(0);
    const answers = new Set(results.map((r) => (r.outcome === 'satisfied' ? r.answer : undefined)));
    expect(answers.size).toBe(2);
    const texts = results.map((r) => (r.outcome === 'satisfied' ? r.answer.json() : ''));
    expect(journal.renders - rendersBefore).toBe(2);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(results.map((r) => r.count)).toEqual([...Array(990).fill(51), ...Array(10).fill(26)]);
    expect(JSON.parse(texts[0] as string).count).toBe(51);
    expect(JSON.parse(texts[990] as string).requests.map((e: { task_id: string }) => e.task_id)).toEqual(
      Array(26).fill('t1'),
    );
  });

  it('refuses a wait beyond its cap of pending waits with 429, and takes waits again once they are answered', async () => {
    expect(MAX_PENDING_WAITS).toBe(1000);
    const journal = new Journal(10, { maxWaits: 3 });
    const pending = [1, 2, 3].map(() => journal.wait({}, 1, 60_000));
    const refused = journal.wait({}, 1, 60_000);
    await expect(refused).rejects.toThrow(ApiError);
    await expect(refused).rejects.toMatchObject({
      definition: { status: 429, code: 'MOCK.0429' },
      message: 'Too many pending waits: at most 3 may be pending at once',
    });
    journal.record(record());
    expect((await Promise.all(pending)).map((r) => r.outcome)).toEqual(['satisfied', 'satisfied', 'satisfied']);
    const again = journal.wait({}, 2, 60_000);
    journal.record(record());
    expect((await again).outcome).toBe('satisfied');
  });

  it('refuses an operation no route serves, naming it and the known ones, in filters and waits alike', async () => {
    const journal = new Journal(10, { operations: new Set(['UpdateTaskSpeed', 'ShowTask']) });
    journal.record(record());
    const message = "Invalid request parameter: operation 'UpdateTaskSped' is not one of: ShowTask, UpdateTaskSpeed";
    expect(() => journal.list({ operation: 'UpdateTaskSped' })).toThrow(message);
    expect(() => journal.listJson({ operation: 'UpdateTaskSped' })).toThrow(message);
    expect(() => journal.count({ operation: 'UpdateTaskSped' })).toThrow(message);
    await expect(journal.wait({ operation: 'UpdateTaskSped' }, 1, 1000)).rejects.toThrow(message);
    expect(journal.pendingWaits).toBe(0);
    expect(journal.count({ operation: 'UpdateTaskSpeed', taskId: 't1' })).toBe(1);
  });

  it('counts each entry against its byte budget, and lets the oldest go once the budget is spent', () => {
    const headers = { 'content-type': 'application/json' };
    const sized = (body: string) => record({ url: '/v3/tasks/t1', headers, body });
    // overhead + body + url + header (32 for its slot, its name and its value)
    const cost = (body: number) => ENTRY_OVERHEAD + body + '/v3/tasks/t1'.length + 32 + 12 + 16;
    const journal = new Journal(100, { maxBytes: 3 * cost(1000) });
    journal.record(sized('a'.repeat(1000)));
    expect(journal.bytes).toBe(cost(1000));
    journal.record(sized('b'.repeat(1000)));
    journal.record(sized('c'.repeat(1000)));
    expect([journal.size, journal.bytes]).toEqual([3, 3 * cost(1000)]);
    // One more does not fit: the oldest leaves, however much room the count would allow.
    journal.record(sized('d'.repeat(10)));
    expect(journal.list().map((e) => String(e.body)[0])).toEqual(['b', 'c', 'd']);
    expect(journal.bytes).toBe(2 * cost(1000) + cost(10));
    // A body beyond Latin-1 counts two bytes a character, as V8 keeps it.
    journal.clear();
    journal.record(sized('\u4e2d'.repeat(1000)));
    expect(journal.bytes).toBe(cost(2000));
    // A long body counts at the length kept, not the length sent.
    journal.clear();
    journal.record(sized('x'.repeat(1024 * 1024)));
    expect(journal.bytes).toBe(cost(MAX_JOURNAL_BODY + 1));
    // An entry larger than the whole budget is still kept, alone: the newest request always shows.
    const small = new Journal(100, { maxBytes: 1024 });
    small.record(sized('e'.repeat(500)));
    small.record(sized('f'.repeat(5000)));
    expect(small.list().map((e) => String(e.body)[0])).toEqual(['f']);
    expect(small.bytes).toBe(cost(5000));
    small.reset();
    expect([small.size, small.bytes]).toEqual([0, 0]);
  });

  it('keeps a cut copy of a long body, so the body it was cut from can be collected', () => {
    // Measured in a process of its own, with gc exposed: 200 bodies of a million characters (about 200 MB) must not
    // stay reachable through the journal, only their 64 KiB cuts (about 13 MB).
    const script = `
      import { Journal } from ${JSON.stringify(new URL('../../src/control/journal.ts', import.meta.url).pathname)};
      const used = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.external; };
      const journal = new Journal(1000);
      const before = used();
      for (let i = 0; i < 200; i++) {
        const body = Buffer.alloc(1_000_000, 97 + (i % 26)).toString('utf8');
        journal.record({ time: 0, method: 'PUT', url: '/v3/tasks/t/progress', operation: 'UpdateTaskSpeed',
          taskId: 't', status: 400, requestId: 'r', durationMs: 1, headers: {}, body, fault: null });
      }
      console.log(JSON.stringify({ growth: used() - before, size: journal.size }));
    `;
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.stderr).toBe('');
    const { growth, size } = JSON.parse(child.stdout) as { growth: number; size: number };
    expect(size).toBe(200);
    expect(growth).toBeGreaterThan(200 * MAX_JOURNAL_BODY);
    expect(growth).toBeLessThan(40 * 1024 * 1024);
  });

  it('renders an entry whose parsed body is too deep to serialize with the body as text, never failing', () => {
    const journal = new Journal(10);
    const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`;
    journal.record(record({ body: deep }));
    journal.record(record({ body: '{"progress":2}' }));
    const shown = JSON.parse(journal.listJson());
    expect(shown.count).toBe(2);
    expect(shown.requests.map((e: { body: unknown }) => e.body)).toEqual([deep, { progress: 2 }]);
    json.deepParse = true;
    try {
      const parsedDeep = JSON.parse(journal.listJson());
      expect(parsedDeep.requests.map((e: { body: unknown }) => e.body)).toEqual([deep, { progress: 2 }]);
      expect(parsedDeep.requests[0]).toMatchObject({ seq: 1, status: 200, body_truncated: false });
    } finally {
      json.deepParse = false;
    }
  });

  it('refuses a capacity below one', () => {
    expect(() => new Journal(0)).toThrow(RangeError);
  });
});
