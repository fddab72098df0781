import { describe, expect, it, vi } from 'vitest';
import { operationIds } from '../../src/schemas/generated/operations.js';
import { startMock } from '../../src/testing.js';
import { api, type JournalBody, progressReport, rowCount, sampleTask, useTestApp } from '../helpers.js';

const t = useTestApp({ journalSize: 4 }, { seed: [sampleTask('task-1')] });

const report = progressReport({ totalsize: 0 });
// totalsize beyond 2^53, written as the digits an agent sends.
const progressBody = JSON.stringify(report).replace('"totalsize":0', '"totalsize":9223372036854775807');
const sendReport = (id = 'task-1') =>
  api(t.app, {
    method: 'PUT',
    url: `/v3/tasks/${id}/progress`,
    payload: progressBody,
    headers: { 'content-type': 'application/json', 'user-agent': 'agent/1.0' },
  });
const journal = async (query = '') => {
  const response = await t.app.inject({ method: 'GET', url: `/_mock/requests${query}` });
  expect(response.statusCode).toBe(200);
  return response.json() as JournalBody;
};

describe('GET /_mock/requests', () => {
  it('records each request to the emulated API with its answer, secrets redacted, int64 exact', async () => {
    const sent = await sendReport();
    expect(sent.statusCode).toBe(200);
    const response = await t.app.inject({ method: 'GET', url: '/_mock/requests' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"totalsize":9223372036854775807');
    const { count, requests } = response.json();
    expect(count).toBe(1);
    expect(requests[0]).toEqual({
      seq: 1,
      time: new Date(t.clock.now()).toISOString(),
      method: 'PUT',
      path: '/v3/tasks/task-1/progress',
      query: null,
      operation: 'UpdateTaskSpeed',
      resource_id: 'task-1',
      task_id: 'task-1',
      status: 200,
      request_id: sent.headers['x-request-id'],
      duration_ms: expect.any(Number),
      headers: {
        'x-auth-token': 'REDACTED',
        'content-type': 'application/json',
        'user-agent': 'agent/1.0',
        host: 'localhost:80',
        'content-length': String(Buffer.byteLength(progressBody)),
      },
      // response.json() rounds; the exact digits were checked on the raw body above.
      body: { ...report, totalsize: 2 ** 63 },
      body_truncated: false,
      fault: null,
    });
  });

  it('records refused requests and unknown paths too, but not the control API', async () => {
    await api(t.app, { method: 'GET', url: '/v3/tasks/nope' });
    await t.app.inject({ method: 'GET', url: '/v3/tasks/task-1' });
    await api(t.app, { method: 'GET', url: '/v3/elsewhere?x=1' });
    await t.app.inject({ method: 'GET', url: '/_mock/health' });
    const { requests } = await journal();
    expect(requests.map((r) => [r.operation, r.task_id, r.status, r.path, r.query])).toEqual([
      ['ShowTask', 'nope', 404, '/v3/tasks/nope', null],
      ['ShowTask', 'task-1', 401, '/v3/tasks/task-1', null],
      [null, null, 404, '/v3/elsewhere', 'x=1'],
    ]);
  });

  it('filters, counts, and never holds more than --journal-size entries', async () => {
    for (let i = 0; i < 3; i++) await sendReport();
    await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' });
    await api(t.app, { method: 'GET', url: '/v3/tasks/other' });
    expect(await journal('?count=true')).toEqual({ count: 4 });
    expect((await journal()).requests.map((r) => r.seq)).toEqual([2, 3, 4, 5]);
    expect(await journal('?operation=UpdateTaskSpeed&count=true')).toEqual({ count: 2 });
    expect(await journal('?method=get&status=4xx&count=true')).toEqual({ count: 1 });
    expect(await journal('?task_id=task-1&status=200&count=true')).toEqual({ count: 3 });
    expect(await journal('?after=4&count=true')).toEqual({ count: 1 });
    t.clock.advance(1000);
    await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' });
    const since = new Date(t.clock.now()).toISOString();
    expect((await journal(`?since=${since}`)).requests.map((r) => r.seq)).toEqual([6]);
  });

  it('refuses a bad filter in the vendor error shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/_mock/requests?status=abc' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg:
        'Invalid request parameter: status has characters that are not allowed (must match ^[1-5](\\d\\d|xx)$)',
    });
    const unknown = await t.app.inject({ method: 'GET', url: '/_mock/requests?colour=red' });
    expect(unknown.statusCode).toBe(400);
  });

  it('refuses an operation no route serves and a parameter it does not know, naming them', async () => {
    await sendReport();
    const known = [...operationIds].sort().join(', ');
    const cases: [string, string][] = [
      ['/_mock/requests?operation=UpdateTaskSped', `operation 'UpdateTaskSped' is not one of: ${known}`],
      ['/_mock/requests?operation=UpdateTaskSped&count=true', `operation 'UpdateTaskSped' is not one of: ${known}`],
      ['/_mock/requests/wait?operation=showtask', `operation 'showtask' is not one of: ${known}`],
      ['/_mock/requests?taskid=task-1', 'taskid is not a known field'],
      ['/_mock/requests/wait?task_id=task-1&timeout=50', 'timeout is not a known field'],
    ];
    for (const [url, message] of cases) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
    }
    expect(t.core.journal.pendingWaits).toBe(0);
    // Names that do exist, and task ids, filter as before.
    expect(await journal('?operation=UpdateTaskSpeed&task_id=task-1&count=true')).toEqual({ count: 1 });
    expect(await journal('?operation=ShowTask&count=true')).toEqual({ count: 0 });
    expect(await journal('?task_id=nope&count=true')).toEqual({ count: 0 });
  });

  it('still lists and answers waits after journaling a body nested 6,000 levels deep', async () => {
    const deep = `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`;
    const refused = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      payload: deep,
      headers: { 'content-type': 'application/json' },
    });
    expect(refused.statusCode).toBe(400);
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
    for (const url of ['/_mock/requests', '/_mock/requests/wait?timeout_ms=0']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      const { count, requests } = response.json();
      expect(count).toBe(1);
      expect(requests[0]).toMatchObject({ seq: 1, status: 400, body: deep, body_truncated: false });
    }
    // Waiting for the next request works as well.
    const waiting = t.app.inject({ method: 'GET', url: '/_mock/requests/wait?after=1&timeout_ms=5000' });
    await sendReport();
    expect((await waiting).json()).toMatchObject({ count: 1, requests: [{ seq: 2, status: 200 }] });
  });

  it('DELETE /_mock/requests empties the journal', async () => {
    await sendReport();
    const response = await t.app.inject({ method: 'DELETE', url: '/_mock/requests' });
    expect([response.statusCode, response.body]).toEqual([204, '']);
    expect(await journal()).toEqual({ count: 0, requests: [] });
  });
});

describe('GET /_mock/requests/wait', () => {
  it('answers at once when enough matching requests are already there', async () => {
    await sendReport();
    const response = await t.app.inject({ method: 'GET', url: '/_mock/requests/wait?operation=UpdateTaskSpeed' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ count: 1, requests: [{ seq: 1, operation: 'UpdateTaskSpeed' }] });
  });

  it('refuses a count or timeout out of bounds', async () => {
    for (const query of ['count=0', 'timeout_ms=-1', 'timeout_ms=300001', 'count=x']) {
      const response = await t.app.inject({ method: 'GET', url: `/_mock/requests/wait?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error_code).toBe('SMS.2001');
    }
  });

  it('answers 408 with how many arrived when the timeout comes first', async () => {
    await sendReport();
    const response = await t.app.inject({ method: 'GET', url: '/_mock/requests/wait?count=2&timeout_ms=50' });
    expect(response.statusCode).toBe(408);
    expect(response.json()).toEqual({
      error_code: 'MOCK.0408',
      error_msg: 'Timed out waiting for requests: 1 of 2 arrived within 50 ms',
      count: 1,
    });
  });

  it('is satisfied over HTTP by a request sent 200 ms later, well before its timeout', async () => {
    const mock = await startMock({ seed: [sampleTask('task-1')] });
    try {
      const started = performance.now();
      const waiting = fetch(`${mock.url}/_mock/requests/wait?operation=UpdateTaskSpeed&count=1&timeout_ms=10000`);
      const later = new Promise((resolve) => setTimeout(resolve, 200)).then(() =>
        fetch(`${mock.url}/v3/tasks/task-1/progress`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-auth-token': 't' },
          body: progressBody,
        }),
      );
      const response = await waiting;
      const elapsed = performance.now() - started;
      expect(response.status).toBe(200);
      const body = (await response.json()) as { count: number; requests: { operation: string }[] };
      expect(body.count).toBe(1);
      expect(body.requests[0]?.operation).toBe('UpdateTaskSpeed');
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(5000);
      expect(((await later) as Response).status).toBe(200);
      // When the wait answers, what the request wrote is already stored.
      expect(mock.progress('task-1')).toHaveLength(1);
    } finally {
      await mock.close();
    }
  });

  it('answers a pending wait when the server closes, saying so, instead of holding the close up', async () => {
    const mock = await startMock();
    const waiting = fetch(`${mock.url}/_mock/requests/wait?count=2&timeout_ms=60000`);
    await vi.waitFor(() => expect(mock.core.journal.pendingWaits).toBe(1), { timeout: 5000, interval: 5 });
    await fetch(`${mock.url}/v3/tasks/none`, { headers: { 'x-auth-token': 't' } });
    const started = performance.now();
    await mock.close();
    expect(performance.now() - started).toBeLessThan(5000);
    const response = await waiting;
    expect(response.status).toBe(408);
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(await response.json()).toEqual({
      error_code: 'MOCK.0408',
      error_msg: 'Stopped waiting for requests, the server is closing: 1 of 2 arrived',
      count: 1,
    });
  });

  it('refuses waits beyond 1,000 pending with 429; one request releases them all at once, rendered once', async () => {
    const { journal: kept } = t.core;
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/nope' })).statusCode).toBe(404);
    const waits = Array.from({ length: 1000 }, () =>
      t.app.inject({ method: 'GET', url: '/_mock/requests/wait?status=2xx&timeout_ms=60000' }),
    );
    await vi.waitFor(() => expect(kept.pendingWaits).toBe(1000), { timeout: 10_000, interval: 5 });

    const refused = await t.app.inject({ method: 'GET', url: '/_mock/requests/wait?status=5xx&timeout_ms=60000' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error_code: 'MOCK.0429',
      error_msg: 'Too many pending waits: at most 1000 may be pending at once',
    });
    expect(refused.headers['x-request-id']).toEqual(expect.any(String));
    // A wait answered at once takes no place among the pending ones.
    const atOnce = await t.app.inject({ method: 'GET', url: '/_mock/requests/wait?status=4xx' });
    expect(atOnce.json()).toMatchObject({ count: 1, requests: [{ seq: 1, status: 404 }] });

    const renders = kept.renders;
    const started = performance.now();
    expect((await sendReport()).statusCode).toBe(200);
    const answered = await Promise.all(waits);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(kept.renders - renders).toBe(1);
    expect(kept.pendingWaits).toBe(0);
    expect(new Set(answered.map((r) => `${r.statusCode} ${r.body}`)).size).toBe(1);
    expect(answered[0]?.json()).toMatchObject({ count: 1, requests: [{ seq: 2, status: 200 }] });
    expect(rowCount(t.db, 'progress_samples')).toBe(1);
  });
});
