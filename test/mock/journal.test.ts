import { describe, expect, it } from 'vitest';
import { Journal, type JournalRecord, MAX_JOURNAL_BODY, REDACTED } from '../../src/mock/journal.js';

function record(overrides: Partial<JournalRecord> = {}): JournalRecord {
  return {
    time: Date.UTC(2026, 0, 1),
    method: 'PUT',
    url: '/v3/tasks/t1/progress',
    operation: 'UpdateTaskSpeed',
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
    expect(result.satisfied).toBe(true);
    expect(result.count).toBe(3);
    expect(result.entries.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('answers a wait unsatisfied after its timeout, or when closed', async () => {
    const journal = new Journal(10);
    journal.record(record());
    const timedOut = await journal.wait({}, 2, 30);
    expect([timedOut.satisfied, timedOut.count]).toEqual([false, 1]);
    const pending = journal.wait({}, 5, 60_000);
    journal.closeWaits();
    expect((await pending).satisfied).toBe(false);
  });

  it('refuses a capacity below one', () => {
    expect(() => new Journal(0)).toThrow(RangeError);
  });
});
