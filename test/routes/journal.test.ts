import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMock } from '../../src/testing.js';
import { api, buildTestApp, sampleTask, type TestApp } from '../helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ journalSize: 4 });
  await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
});
afterEach(() => t.close());

const report = {
  subtask_name: 'MIGRATE_LINUX_BLOCK',
  progress: 40,
  replicatesize: 4000,
  totalsize: 9223372036854775807n,
  process_trace: 'copying',
};
const progressBody = JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).replace(
  '"9223372036854775807"',
  '9223372036854775807',
);
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
  return response.json();
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
    expect(requests.map((r: Record<string, unknown>) => [r.operation, r.task_id, r.status, r.path, r.query])).toEqual([
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
    expect((await journal()).requests.map((r: { seq: number }) => r.seq)).toEqual([2, 3, 4, 5]);
    expect(await journal('?operation=UpdateTaskSpeed&count=true')).toEqual({ count: 2 });
    expect(await journal('?method=get&status=4xx&count=true')).toEqual({ count: 1 });
    expect(await journal('?task_id=task-1&status=200&count=true')).toEqual({ count: 3 });
    expect(await journal('?after=4&count=true')).toEqual({ count: 1 });
    t.clock.advance(1000);
    await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' });
    const since = new Date(t.clock.now()).toISOString();
    expect((await journal(`?since=${since}`)).requests.map((r: { seq: number }) => r.seq)).toEqual([6]);
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

  it('answers a pending wait when the server closes instead of holding the close up', async () => {
    const mock = await startMock();
    const waiting = fetch(`${mock.url}/_mock/requests/wait?timeout_ms=60000`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await mock.close();
    expect(performance.now() - started).toBeLessThan(5000);
    expect((await waiting).status).toBe(408);
  });
});
