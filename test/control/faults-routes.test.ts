import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { operationIds } from '../../src/schemas/generated/operations.js';
import { type SmsMock, startMock } from '../../src/testing.js';
import {
  api,
  dbSnapshot,
  type JournalBody,
  json,
  progressReport,
  rowCount,
  sampleTask,
  useTestApp,
} from '../helpers.js';

const report = progressReport();

describe('/_mock/faults over inject', () => {
  const t = useTestApp({}, { seed: [sampleTask('task-1')] });

  const addFault = async (rule: unknown) => {
    const response = await t.app.inject({ method: 'POST', url: '/_mock/faults', payload: rule as object });
    expect(response.statusCode).toBe(201);
    return response.json();
  };
  const sendReport = () => api(t.app, { method: 'PUT', url: '/v3/tasks/task-1/progress', payload: report });

  it('adds, lists and removes rules', async () => {
    const rule = await addFault({
      operation: 'ShowTask',
      task_id: 'task-1',
      effect: { type: 'error', preset: 'internal' },
    });
    expect(rule).toEqual({
      id: 'fault-1',
      operation: 'ShowTask',
      task_id: 'task-1',
      effect: { type: 'error', preset: 'internal' },
      matched: 0,
      fired: 0,
    });
    await addFault({ method: 'PUT', path: '/v3/tasks/*/progress', every_nth: 2, effect: { type: 'drop' } });
    const listed = await t.app.inject({ method: 'GET', url: '/_mock/faults' });
    expect(listed.json().faults.map((r: { id: string }) => r.id)).toEqual(['fault-1', 'fault-2']);

    const removed = await t.app.inject({ method: 'DELETE', url: '/_mock/faults/fault-1' });
    expect(removed.statusCode).toBe(204);
    const again = await t.app.inject({ method: 'DELETE', url: '/_mock/faults/fault-1' });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error_code: 'MOCK.0404', error_msg: 'No fault rule with that id: fault-1' });
    const cleared = await t.app.inject({ method: 'DELETE', url: '/_mock/faults' });
    expect(cleared.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json()).toEqual({ faults: [] });
  });

  it('refuses invalid rules in the vendor error shape', async () => {
    const cases: [unknown, string][] = [
      [
        { effect: { type: 'explode' } },
        'Invalid request parameter: effect.type must be one of: error, latency, drop, empty',
      ],
      [{ probability: 1.5, effect: { type: 'drop' } }, 'Invalid request parameter: probability must be <= 1'],
      [
        { first: 1, every_nth: 2, effect: { type: 'drop' } },
        'Invalid request parameter: give at most one of first, every_nth and probability',
      ],
      [{ effect: { type: 'error' } }, 'Invalid request parameter: an error effect needs a preset or a status'],
    ];
    for (const [rule, message] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/_mock/faults', payload: rule as object });
      expect(response.statusCode, JSON.stringify(rule)).toBe(400);
      expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: message });
    }
    expect((await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json()).toEqual({ faults: [] });
  });

  it('refuses an operation no route serves and a field it does not know, naming them, without adding a rule', async () => {
    const cases: [unknown, string][] = [
      [
        { operation: 'UpdateTaskSped', effect: { type: 'error', preset: 'internal' } },
        `operation 'UpdateTaskSped' is not one of: ${[...operationIds].sort().join(', ')}`,
      ],
      [
        { operation: 'MockHealth', effect: { type: 'drop' } },
        `operation 'MockHealth' is not one of: ${[...operationIds].sort().join(', ')}`,
      ],
      [{ operaton: 'ShowTask', effect: { type: 'drop' } }, 'operaton is not a known field'],
      [
        { operation: 'ShowTask', effect: { type: 'error', presett: 'internal' } },
        'effect.presett is not a known field',
      ],
    ];
    for (const [rule, message] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/_mock/faults', payload: rule as object });
      expect(response.statusCode, JSON.stringify(rule)).toBe(400);
      expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
    }
    expect((await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json()).toEqual({ faults: [] });
    // The next rule is still fault-1, and a correctly spelt one fires.
    expect((await addFault({ operation: 'UpdateTaskSpeed', effect: { type: 'error', preset: 'internal' } })).id).toBe(
      'fault-1',
    );
    expect((await sendReport()).statusCode).toBe(500);
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
  });

  it('refuses first and every_nth beyond 2147483647, which could not count matches, without adding a rule', async () => {
    for (const field of ['first', 'every_nth']) {
      for (const value of ['9007199254740992', '100000000000000000000', '2147483648']) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/_mock/faults',
          headers: { 'content-type': 'application/json' },
          payload: `{"${field}": ${value}, "effect": {"type": "error", "status": 400}}`,
        });
        expect(response.statusCode, `${field}=${value}`).toBe(400);
        expect(response.json()).toEqual({
          error_code: 'SMS.2001',
          error_msg: `Invalid request parameter: ${field} must be <= 2147483647`,
        });
      }
    }
    expect((await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json()).toEqual({ faults: [] });
    const largest = await t.app.inject({
      method: 'POST',
      url: '/_mock/faults',
      payload: { every_nth: 2_147_483_647, effect: { type: 'error', status: 400 } },
    });
    expect(largest.statusCode).toBe(201);
    expect((await sendReport()).statusCode).toBe(200);
  });

  it('refuses a missing, malformed or non-JSON body without adding a rule', async () => {
    const cases = [
      { payload: undefined, headers: {} },
      { payload: '{"effect":', headers: { 'content-type': 'application/json' } },
      { payload: 'drop', headers: { 'content-type': 'text/plain' } },
    ];
    for (const { payload, headers } of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/_mock/faults', payload, headers });
      expect(response.statusCode, String(payload)).toBe(400);
      expect(response.json().error_code).toMatch(/^SMS\.200[16]$/);
    }
    expect((await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json()).toEqual({ faults: [] });
  });

  it('answers with each preset: status, vendor body and Retry-After', async () => {
    const presets: [string, number, Record<string, unknown>, string | undefined][] = [
      [
        'forbidden',
        403,
        { error_code: 'SMS.9004', error_msg: 'The current account does not have the permission' },
        undefined,
      ],
      ['throttled', 429, { error_code: 'APIGW.0308', error_msg: 'The throttling threshold has been reached' }, '1'],
      ['internal', 500, { error_code: 'SMS.2007', error_msg: 'Background exception' }, undefined],
      ['unavailable', 503, { error_code: 'APIGW.0201', error_msg: 'Backend unavailable' }, '5'],
    ];
    for (const [preset, status, body, retryAfter] of presets) {
      await addFault({ operation: 'ShowTask', first: 1, effect: { type: 'error', preset } });
      const response = await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' });
      expect(response.statusCode, preset).toBe(status);
      const expected = body.error_code?.toString().startsWith('APIGW')
        ? { ...body, request_id: response.headers['x-request-id'] }
        : body;
      expect(response.json()).toEqual(expected);
      expect(response.headers['retry-after']).toBe(retryAfter);
    }
    // Every rule was spent after one firing: the task answers again.
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).statusCode).toBe(200);
  });

  it('answers a custom error as given, storing nothing', async () => {
    const before = dbSnapshot(t.db);
    await addFault({
      effect: {
        type: 'error',
        status: 409,
        error_code: 'SMS.1039',
        error_msg: 'Only paused tasks can be resumed',
        retry_after: 7,
      },
    });
    const response = await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1', payload: { name: 'x' } });
    expect([response.statusCode, response.headers['retry-after']]).toEqual([409, '7']);
    expect(response.json()).toEqual({ error_code: 'SMS.1039', error_msg: 'Only paused tasks can be resumed' });
    expect(dbSnapshot(t.db)).toEqual(before);
    const { requests } = json<JournalBody>(await t.app.inject({ method: 'GET', url: '/_mock/requests' }));
    expect(requests.map((r) => [r.operation, r.status, r.fault])).toEqual([
      ['UpdateTask', 409, { rule: 'fault-1', effect: 'error' }],
    ]);
  });

  it('a faulted progress report stores no sample and changes no task; the journal shows the rule', async () => {
    const before = (await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).body;
    await addFault({ operation: 'UpdateTaskSpeed', first: 1, effect: { type: 'error', preset: 'unavailable' } });
    const faulted = await sendReport();
    expect(faulted.statusCode).toBe(503);
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).body).toBe(before);

    const passed = await sendReport();
    expect(passed.statusCode).toBe(200);
    expect(rowCount(t.db, 'progress_samples')).toBe(1);

    const { requests } = json<JournalBody>(
      await t.app.inject({ method: 'GET', url: '/_mock/requests?operation=UpdateTaskSpeed' }),
    );
    expect(requests.map((r) => [r.status, r.fault])).toEqual([
      [503, { rule: 'fault-1', effect: 'error' }],
      [200, null],
    ]);
    const [rule] = (await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json().faults;
    expect([rule.matched, rule.fired]).toEqual([2, 1]);
  });

  it('a faulted UpdateTask changes nothing', async () => {
    await addFault({ operation: 'UpdateTask', effect: { type: 'error', preset: 'internal' } });
    const response = await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1', payload: { name: 'renamed' } });
    expect(response.statusCode).toBe(500);
    expect(t.db.prepare("SELECT name FROM tasks WHERE id = 'task-1'").pluck().get()).toBe('web-01');
  });

  it('fails an injected request for drop and empty (there is no socket to cut)', async () => {
    for (const type of ['drop', 'empty']) {
      await t.app.inject({ method: 'DELETE', url: '/_mock/faults' });
      await addFault({ effect: { type } });
      await expect(api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).rejects.toThrow(
        'response destroyed before completion',
      );
    }
    const { requests } = json<JournalBody>(await t.app.inject({ method: 'GET', url: '/_mock/requests' }));
    expect(requests.map((r) => [r.status, r.fault?.effect])).toEqual([
      [null, 'drop'],
      [null, 'empty'],
    ]);
  });

  it('fires after authentication and body parsing: those refusals come first and do not count as matches', async () => {
    await addFault({ effect: { type: 'error', preset: 'internal' } });
    const noToken = await t.app.inject({ method: 'GET', url: '/v3/tasks/task-1' });
    expect(noToken.statusCode).toBe(401);
    const notJson = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      payload: '{"progress":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    const [rule] = (await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json().faults;
    expect([rule.matched, rule.fired]).toEqual([0, 0]);
    // A body that parses but breaks the schema is faulted: the rule comes before validation.
    const invalid = await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1/progress', payload: { progress: 500 } });
    expect(invalid.statusCode).toBe(500);
  });

  it('does not touch the control API', async () => {
    await addFault({ path: '/_mock/health', effect: { type: 'error', preset: 'internal' } });
    await addFault({ effect: { type: 'error', preset: 'internal' } });
    const health = await t.app.inject({ method: 'GET', url: '/_mock/health' });
    expect([health.statusCode, health.json()]).toEqual([
      200,
      { status: 'ok', version: expect.any(String), uptime_ms: expect.any(Number), store: { ok: true } },
    ]);
    const samples = await t.app.inject({ method: 'GET', url: '/_mock/tasks/task-1/progress' });
    expect([samples.statusCode, samples.json()]).toEqual([200, { samples: [] }]);
    const reset = await t.app.inject({ method: 'POST', url: '/_mock/reset' });
    expect([reset.statusCode, reset.body]).toEqual([204, '']);
    // Neither rule was even tried; the reset then cleared them as it should.
    expect((await t.app.inject({ method: 'GET', url: '/_mock/faults' })).json()).toEqual({ faults: [] });
  });
});

/** One request on a fresh connection; resolves with the status and body, or the socket error code. */
function rawRequest(
  url: string,
  method: string,
  body?: string,
): Promise<{ status?: number; body?: string; error?: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method, agent: false, headers: { 'x-auth-token': 't', 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode as number, body: text, ms: performance.now() - started }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message, ms: performance.now() - started }),
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

describe('fault effects on the wire', () => {
  let mock: SmsMock;
  beforeAll(async () => {
    mock = await startMock({ seed: [sampleTask('task-1')] });
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  it('drop resets the connection; nothing is stored; the journal shows no status', async () => {
    mock.faults.add({ operation: 'UpdateTaskSpeed', effect: { type: 'drop' } });
    const result = await rawRequest(`${mock.url}/v3/tasks/task-1/progress`, 'PUT', JSON.stringify(report));
    expect(result.error).toBe('ECONNRESET');
    expect(mock.progress('task-1')).toEqual([]);
    expect(mock.journal.list().map((e) => [e.operation, e.status, e.fault])).toEqual([
      ['UpdateTaskSpeed', null, { rule: 'fault-1', effect: 'drop' }],
    ]);
  });

  it('empty closes the connection without a byte of answer', async () => {
    mock.faults.add({ operation: 'ShowTask', effect: { type: 'empty' } });
    const result = await rawRequest(`${mock.url}/v3/tasks/task-1`, 'GET');
    // Node reports an orderly close before any response as "socket hang up" (ECONNRESET).
    expect(result.error).toBe('ECONNRESET');
    expect(mock.journal.list()[0]?.fault).toEqual({ rule: 'fault-1', effect: 'empty' });
  });

  it('latency delays the answer, then the request goes through', async () => {
    mock.faults.add({ operation: 'ShowTask', first: 1, effect: { type: 'latency', latency_ms: 300 } });
    const slow = await rawRequest(`${mock.url}/v3/tasks/task-1`, 'GET');
    expect(slow.status).toBe(200);
    expect(JSON.parse(slow.body ?? '')).toMatchObject({ id: 'task-1', name: 'web-01' });
    expect(slow.ms).toBeGreaterThanOrEqual(290);
    const entry = mock.journal.list()[0];
    expect([entry?.status, entry?.fault]).toEqual([200, { rule: 'fault-1', effect: 'latency' }]);
    expect(entry?.duration_ms).toBeGreaterThanOrEqual(290);
  });

  it('an error can come after a delay', async () => {
    mock.faults.add({ operation: 'UpdateTaskSpeed', effect: { type: 'error', preset: 'throttled', latency_ms: 150 } });
    const result = await rawRequest(`${mock.url}/v3/tasks/task-1/progress`, 'PUT', JSON.stringify(report));
    expect(result.status).toBe(429);
    expect(JSON.parse(result.body ?? '')).toMatchObject({ error_code: 'APIGW.0308' });
    expect(result.ms).toBeGreaterThanOrEqual(140);
    expect(mock.progress('task-1')).toEqual([]);
  });
});

describe('fault delays and server close', () => {
  it('a delayed request goes on at once when the server closes, so close is not held up', async () => {
    const mock = await startMock({ seed: [sampleTask('task-1')] });
    const shown = mock.task('task-1');
    mock.faults.add({ operation: 'ShowTask', effect: { type: 'latency', latency_ms: 60_000 } });
    const pending = rawRequest(`${mock.url}/v3/tasks/task-1`, 'GET');
    // The rule counts the request when its delay starts.
    await vi.waitFor(() => expect(mock.faults.list()[0]?.matched).toBe(1), { timeout: 5000, interval: 5 });
    const started = performance.now();
    await mock.close();
    expect(performance.now() - started).toBeLessThan(5000);
    const result = await pending;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual(shown);
    expect(result.ms).toBeLessThan(10_000);
  });
});
