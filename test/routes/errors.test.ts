import { describe, expect, it } from 'vitest';
import {
  api,
  buildTestApp,
  dbSnapshot,
  json,
  logCapture,
  progressReport,
  rowCount,
  type SampleBody,
  sampleTask,
  useTestApp,
} from '../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1')] });

const report = JSON.stringify(progressReport());

describe('gateway errors', () => {
  it('answers 404 APIGW.0101 with a request id for an unknown path or method', async () => {
    for (const [method, url] of [
      ['GET', '/v3/nothing'],
      ['PATCH', '/v3/tasks/task-1'],
      ['POST', '/v3/tasks/task-1/progress'],
      ['POST', '/'],
    ] as const) {
      const response = await api(t.app, { method, url });
      expect(response.statusCode).toBe(404);
      const body = response.json();
      expect(body).toEqual({
        error_code: 'APIGW.0101',
        error_msg: `The API does not exist or has not been published in the environment: ${method} ${url}`,
        request_id: response.headers['x-request-id'],
      });
      expect(body.request_id).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('answers 401 APIGW.0301 without a token or a signature', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v3/tasks/task-1' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
      request_id: response.headers['x-request-id'],
    });
  });

  it('checks credentials before reading the body', async () => {
    const before = dbSnapshot(t.db);
    const response = await t.app.inject({
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(401);
    // Not the 400 that the body would have earned.
    expect(response.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
      request_id: response.headers['x-request-id'],
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('answers 413 APIGW.0201 for a body over the limit, storing nothing', async () => {
    // The app's limit is 1 MiB.
    const big = JSON.stringify(progressReport({ process_trace: 'x'.repeat(1024 * 1024) }));
    const response = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      payload: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error_code: 'APIGW.0201',
      error_msg: 'Request entity too large',
      request_id: response.headers['x-request-id'],
    });
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
  });
});

describe('requests refused before routing', () => {
  it('answers a path that does not decode with 400 APIGW.0201', async () => {
    const response = await api(t.app, { method: 'GET', url: '/v3/tasks/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'APIGW.0201',
      error_msg: "Bad request: '/v3/tasks/%E0%A4%A' is not a valid url component",
      request_id: response.headers['x-request-id'],
    });
  });
});

describe('body errors', () => {
  const put = (payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    api(t.app, { method: 'PUT', url: '/v3/tasks/task-1/progress', payload, headers });

  it.each([
    ['{"subtask_name":', 'truncated'],
    ['{"a":1,}', 'trailing comma'],
    ["{'a':1}", 'single quotes'],
    ['{"__proto__":{"admin":true},"subtask_name":"SSL_CONFIG"}', 'prototype key'],
    ['{"constructor":{"prototype":{"x":1}}}', 'constructor key'],
  ])('refuses malformed JSON (%s: %s) with 400 SMS.2001', async (payload) => {
    const response = await put(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: 'Request body is not valid JSON' });
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
  });

  it('refuses a body of another content type with 400 SMS.2006', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await put(report, { 'content-type': type });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error_code: 'SMS.2006', error_msg: 'Content-Type must be application/json' });
    }
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
  });

  it('refuses a body without a content type with 400 SMS.2005, storing nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await t.app.inject({
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      body: Buffer.from(report),
      headers: { 'x-auth-token': 't' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2005', error_msg: 'Content-Type is missing' });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('refuses a body nesting deeper than 64 levels on every JSON endpoint with 400 SMS.2001', async () => {
    // Deep enough to overflow any recursive walk.
    const payload = `{"n":1234567890123456789,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const endpoints = [
      ['PUT', '/v3/tasks/task-1'],
      ['PUT', '/v3/tasks/task-1/progress'],
      ['PUT', '/_mock/tasks/task-1'],
      ['POST', '/_mock/faults'],
      ['PUT', '/_mock/clock'],
    ] as const;
    const before = dbSnapshot(t.db);
    for (const [method, url] of endpoints) {
      const response = await api(t.app, { method, url, payload, headers: { 'content-type': 'application/json' } });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error_code: 'SMS.2001',
        error_msg: 'Invalid request parameter: the body nests deeper than 64 levels',
      });
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(dbSnapshot(t.db)).toEqual(before);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json()).toEqual({ faults: [] });
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).json().name).toBe('web-01');
  });

  it('accepts a charset parameter on application/json', async () => {
    const response = await put(report, { 'content-type': 'application/json; charset=UTF-8' });
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    const { samples } = json<{ samples: SampleBody[] }>(
      await t.app.inject({ method: 'GET', url: '/_mock/tasks/task-1/progress' }),
    );
    expect(samples).toEqual([expect.objectContaining({ ...progressReport(), received_at: t.clock.now() })]);
  });

  it('keeps the stored data of a task intact across rejected requests', async () => {
    const before = t.db.prepare('SELECT * FROM tasks').all();
    await put('{"subtask_name":');
    await put('{"subtask_name":"SSL_CONFIG","progress":101,"replicatesize":1,"totalsize":1,"process_trace":""}');
    await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1', payload: { name: '!!' } });
    expect(t.db.prepare('SELECT * FROM tasks').all()).toEqual(before);
    expect(rowCount(t.db, 'sub_tasks')).toBe(2);
  });
});

describe('request ids', () => {
  it('echoes the client X-Request-Id and makes one up otherwise', async () => {
    const echoed = await api(t.app, { method: 'GET', url: '/v3/tasks/task-1', headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const made = await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const error = await t.app.inject({ method: 'GET', url: '/v3/tasks/task-1', headers: { 'x-request-id': 'e-1' } });
    expect(error.headers['x-request-id']).toBe('e-1');
    expect(error.json().request_id).toBe('e-1');
  });
});

describe('an error nobody expected', () => {
  it('answers 500 SMS.2007 with nothing of the error in the body, and logs the error with its request', async () => {
    const logs = logCapture();
    const own = await buildTestApp({}, undefined, { seed: [sampleTask('task-1')], logger: logs.logger });
    try {
      // Every read now throws inside the handler: what a bug in a service would do.
      own.db.close();
      const response = await api(own.app, {
        method: 'GET',
        url: '/v3/tasks/task-1',
        headers: { 'x-request-id': 'boom-1' },
      });
      expect(response.statusCode).toBe(500);
      expect(response.headers['x-request-id']).toBe('boom-1');
      expect(response.body).toBe('{"error_code":"SMS.2007","error_msg":"Background exception"}');
      const failed = logs.lines.filter((line) => line.level >= 50);
      expect(failed).toEqual([
        expect.objectContaining({
          level: 50,
          msg: 'request failed',
          reqId: 'boom-1',
          err: expect.objectContaining({ message: 'The database connection is not open' }),
        }),
      ]);
    } finally {
      await own.close();
    }
  });
});
