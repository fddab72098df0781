// The journal and the fault rules by resource id: `resource_id` is the value of whatever path parameter names an
// operation's resource, `task_id` only that of a task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultRequest, FaultRules } from '../../src/control/faults.js';
import { Journal, type JournalRecord } from '../../src/control/journal.js';
import type { JournalEntry } from '../../src/control/schemas.js';
import { type SmsMock, startMock } from '../../src/index.js';
import { api, progressReport, rowCount, sampleTask, useTestApp } from '../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1'), sampleTask('task-2')] });

interface JournalAnswer {
  count: number;
  requests: JournalEntry[];
}

const get = (url: string) => t.app.inject({ method: 'GET', url });
const showTask = (id: string) => api(t.app, { method: 'GET', url: `/v3/tasks/${id}` });
const sendReport = (id: string) =>
  api(t.app, { method: 'PUT', url: `/v3/tasks/${id}/progress`, payload: progressReport() });
const journal = async (query: string) => {
  const response = await get(`/_mock/requests${query}`);
  expect(response.statusCode).toBe(200);
  return response.json() as JournalAnswer;
};
const addFault = async (rule: object) => {
  const response = await t.app.inject({ method: 'POST', url: '/_mock/faults', payload: rule });
  expect(response.statusCode).toBe(201);
  return response.json();
};
const faults = async () => (await get('/_mock/faults')).json();

/** The journal entry of an answered request: what every field must hold, given the request's own. */
function entry(fields: Partial<JournalEntry> & Pick<JournalEntry, 'seq' | 'path' | 'operation'>): JournalEntry {
  return {
    time: new Date(t.clock.now()).toISOString(),
    method: 'GET',
    query: null,
    resource_id: null,
    task_id: null,
    status: 200,
    request_id: expect.any(String),
    duration_ms: expect.any(Number),
    headers: { 'x-auth-token': 'REDACTED', 'user-agent': 'lightMyRequest', host: 'localhost:80' },
    body: null,
    body_truncated: false,
    fault: null,
    ...fields,
  };
}

describe('the journal by resource_id', () => {
  it('records the resource path parameter of each request, null for a path no operation serves', async () => {
    expect((await showTask('task-1')).statusCode).toBe(200);
    const unknown = await api(t.app, { method: 'GET', url: '/v3/elsewhere/task-1?x=1' });
    expect(unknown.statusCode).toBe(404);
    expect(await journal('')).toEqual({
      count: 2,
      requests: [
        entry({ seq: 1, path: '/v3/tasks/task-1', operation: 'ShowTask', resource_id: 'task-1', task_id: 'task-1' }),
        entry({
          seq: 2,
          path: '/v3/elsewhere/task-1',
          query: 'x=1',
          operation: null,
          status: 404,
          request_id: unknown.headers['x-request-id'] as string,
        }),
      ],
    });
    expect(await journal('?resource_id=task-1&count=true')).toEqual({ count: 1 });
  });

  it('filters on resource_id, alone and with the other filters, as task_id does for tasks', async () => {
    await showTask('task-1');
    await sendReport('task-2');
    await sendReport('task-1');
    await showTask('nope');
    const listed = await journal('?resource_id=task-1');
    expect(listed.count).toBe(2);
    expect(listed.requests.map((r) => [r.seq, r.operation, r.resource_id, r.task_id, r.status])).toEqual([
      [1, 'ShowTask', 'task-1', 'task-1', 200],
      [3, 'UpdateTaskSpeed', 'task-1', 'task-1', 200],
    ]);
    expect(listed).toEqual(await journal('?task_id=task-1'));
    expect(await journal('?resource_id=task-1&operation=UpdateTaskSpeed&count=true')).toEqual({ count: 1 });
    expect(await journal('?resource_id=task-1&task_id=task-2&count=true')).toEqual({ count: 0 });
    expect(await journal('?resource_id=nope&status=404&count=true')).toEqual({ count: 1 });
    expect(await journal('?resource_id=task-3&count=true')).toEqual({ count: 0 });
  });

  it('answers a wait once a request for that resource arrives, not for another', async () => {
    const waiting = get('/_mock/requests/wait?resource_id=task-2&count=2&timeout_ms=5000');
    await sendReport('task-2');
    await sendReport('task-1');
    await showTask('task-2');
    const answer = await waiting;
    expect(answer.statusCode).toBe(200);
    const { count, requests } = answer.json() as JournalAnswer;
    expect(count).toBe(2);
    expect(requests.map((r) => [r.seq, r.operation, r.resource_id])).toEqual([
      [1, 'UpdateTaskSpeed', 'task-2'],
      [3, 'ShowTask', 'task-2'],
    ]);
    expect(t.core.journal.pendingWaits).toBe(0);
  });

  it('times out a wait for a resource nobody asked for with its exact 408 body', async () => {
    await showTask('task-1');
    const answer = await get('/_mock/requests/wait?resource_id=task-2&timeout_ms=0');
    expect(answer.statusCode).toBe(408);
    expect(answer.json()).toEqual({
      error_code: 'MOCK.0408',
      error_msg: 'Timed out waiting for requests: 0 of 1 arrived within 0 ms',
      count: 0,
    });
  });

  it('refuses resourceId, an empty resource_id and one past 255 characters, naming them', async () => {
    const cases: [string, string][] = [
      ['/_mock/requests?resourceId=task-1', 'resourceId is not a known field'],
      ['/_mock/requests/wait?resourceId=task-1&timeout_ms=0', 'resourceId is not a known field'],
      ['/_mock/requests?resource_id=', 'resource_id must be at least 1 characters'],
      [`/_mock/requests?resource_id=${'r'.repeat(256)}`, 'resource_id must be at most 255 characters'],
    ];
    for (const [url, message] of cases) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    }
    expect(t.core.journal.pendingWaits).toBe(0);
  });
});

describe('fault rules by resource_id', () => {
  it('fire only on requests for that resource, whatever the operation', async () => {
    const rule = await addFault({ resource_id: 'task-2', effect: { type: 'error', preset: 'internal' } });
    expect(rule).toEqual({
      id: 'fault-1',
      resource_id: 'task-2',
      effect: { type: 'error', preset: 'internal' },
      matched: 0,
      fired: 0,
    });
    expect((await showTask('task-1')).statusCode).toBe(200);
    expect((await sendReport('task-1')).statusCode).toBe(200);
    const shown = await showTask('task-2');
    expect(shown.statusCode).toBe(500);
    expect(shown.json()).toEqual({ error_code: 'SMS.2007', error_msg: 'Background exception' });
    const reported = await sendReport('task-2');
    expect(reported.statusCode).toBe(500);
    expect(reported.json()).toEqual({ error_code: 'SMS.2007', error_msg: 'Background exception' });
    // A path no operation serves has no resource: the rule does not see it.
    expect((await api(t.app, { method: 'GET', url: '/v3/elsewhere/task-2' })).statusCode).toBe(404);

    expect(await faults()).toEqual({ faults: [{ ...rule, matched: 2, fired: 2 }] });
    // The faulted report stored nothing; task-1's did.
    expect(rowCount(t.db, 'progress_samples')).toBe(1);
    const marked = await journal('?resource_id=task-2');
    expect(marked.requests.map((r) => [r.operation, r.status, r.fault])).toEqual([
      ['ShowTask', 500, { rule: 'fault-1', effect: 'error' }],
      ['UpdateTaskSpeed', 500, { rule: 'fault-1', effect: 'error' }],
    ]);
  });

  it('still fire by task_id as before, and need both when a rule names both', async () => {
    await addFault({
      operation: 'UpdateTaskSpeed',
      task_id: 'task-1',
      first: 1,
      effect: { type: 'error', preset: 'throttled' },
    });
    await addFault({ resource_id: 'task-2', task_id: 'task-1', effect: { type: 'drop' } });
    expect((await sendReport('task-2')).statusCode).toBe(200);
    const throttled = await sendReport('task-1');
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json()).toEqual({
      error_code: 'APIGW.0308',
      error_msg: 'The throttling threshold has been reached',
      request_id: throttled.headers['x-request-id'],
    });
    expect((await sendReport('task-1')).statusCode).toBe(200);
    expect((await faults()).faults.map((r: { matched: number; fired: number }) => [r.matched, r.fired])).toEqual([
      [2, 1],
      [0, 0],
    ]);
  });

  it('refuse resourceId and a resource_id of the wrong type with the exact 400 body, adding no rule', async () => {
    const cases: [object, string][] = [
      [{ resourceId: 'task-1', effect: { type: 'drop' } }, 'resourceId is not a known field'],
      [{ resource_id: 7, effect: { type: 'drop' } }, 'resource_id must be string'],
      [{ resource_id: '', effect: { type: 'drop' } }, 'resource_id must be at least 1 characters'],
    ];
    for (const [rule, message] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/_mock/faults', payload: rule });
      expect(response.statusCode, JSON.stringify(rule)).toBe(400);
      expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    }
    expect(await faults()).toEqual({ faults: [] });
  });
});

describe('a resource other than a task', () => {
  // No operation has one yet: the journal and the rules are driven directly, as a source_id operation would.
  const source = (overrides: Partial<JournalRecord> = {}): JournalRecord => ({
    time: Date.UTC(2026, 0, 1),
    method: 'GET',
    url: '/v3/sources/task-1',
    operation: 'ShowSource',
    resourceId: 'task-1',
    taskId: null,
    status: 200,
    requestId: 'r',
    durationMs: 1,
    headers: {},
    body: null,
    fault: null,
    ...overrides,
  });

  it('is found by resource_id and never by task_id, even when the values are equal', () => {
    const journal = new Journal(10);
    journal.record(source());
    journal.record(source({ url: '/v3/tasks/task-1', operation: 'ShowTask', taskId: 'task-1' }));
    expect(journal.list({ resourceId: 'task-1' }).map((e) => [e.operation, e.resource_id, e.task_id])).toEqual([
      ['ShowSource', 'task-1', null],
      ['ShowTask', 'task-1', 'task-1'],
    ]);
    expect(journal.list({ taskId: 'task-1' }).map((e) => e.operation)).toEqual(['ShowTask']);
  });

  it('waits on different resource ids settled together get their own answers', async () => {
    const journal = new Journal(10);
    const first = journal.wait({ resourceId: 'a' }, 1, 5000);
    const again = journal.wait({ resourceId: 'a' }, 1, 5000);
    const second = journal.wait({ resourceId: 'b' }, 1, 5000);
    // Both recorded before the waits are answered, on the next turn of the event loop.
    journal.record(source({ resourceId: 'a', requestId: 'ra' }));
    journal.record(source({ resourceId: 'b', requestId: 'rb' }));
    const [a, a2, b] = await Promise.all([first, again, second]);
    if (a.outcome !== 'satisfied' || a2.outcome !== 'satisfied' || b.outcome !== 'satisfied') {
      throw new Error('a wait was not satisfied');
    }
    expect(a.answer.entries().map((e) => e.request_id)).toEqual(['ra']);
    expect(b.answer.entries().map((e) => e.request_id)).toEqual(['rb']);
    // Equal filters share one answer.
    expect(a2.answer).toBe(a.answer);
  });

  it('a rule by resource_id fires on it; a rule by task_id does not', () => {
    const request: FaultRequest = {
      operation: 'ShowSource',
      method: 'GET',
      path: '/v3/sources/task-1',
      resource: 'source_id',
      resourceId: 'task-1',
    };
    const rules = new FaultRules();
    const byTask = rules.add({ task_id: 'task-1', effect: { type: 'drop' } });
    const byResource = rules.add({ resource_id: 'task-1', effect: { type: 'empty' } });
    expect(rules.pick(request)?.rule).toBe(byResource);
    expect(rules.pick({ ...request, resource: 'task_id' })?.rule).toBe(byTask);
    expect(rules.pick({ ...request, resourceId: 'task-2' })).toBeUndefined();
    expect([byTask.matched, byResource.matched]).toEqual([1, 1]);
  });
});

describe("startMock's journal and faults by resourceId", () => {
  let sms: SmsMock;
  beforeAll(async () => {
    sms = await startMock({ seed: [sampleTask('task-1'), sampleTask('task-2')] });
  });
  afterAll(() => sms.close());

  const report = (id: string) =>
    fetch(`${sms.url}/v3/tasks/${id}/progress`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-auth-token': 't' },
      body: JSON.stringify(progressReport()),
    });

  it('lists, counts and waits by resourceId, and refuses resource_id as a key', async () => {
    await sms.reset();
    const waiting = sms.journal.wait({ resourceId: 'task-2', count: 1, timeoutMs: 5000 });
    expect((await report('task-1')).status).toBe(200);
    expect((await report('task-2')).status).toBe(200);
    expect((await waiting).map((e) => [e.seq, e.resource_id, e.task_id])).toEqual([[2, 'task-2', 'task-2']]);
    expect(sms.journal.list({ resourceId: 'task-1' }).map((e) => [e.seq, e.resource_id])).toEqual([[1, 'task-1']]);
    expect(sms.journal.count({ resourceId: 'task-1', taskId: 'task-1' })).toBe(1);
    expect(sms.journal.count({ resourceId: 'task-3' })).toBe(0);
    const known = 'method, operation, resourceId, taskId, status, since, after';
    expect(() => sms.journal.list({ resource_id: 'task-1' } as never)).toThrow(
      `unknown filter key 'resource_id'; known: ${known}`,
    );
    await expect(sms.journal.wait({ resource_id: 'task-1' } as never)).rejects.toThrow(
      `unknown filter key 'resource_id'; known: ${known}, count, timeoutMs`,
    );
  });

  it('adds a rule by resource_id that fires only for that task', async () => {
    await sms.reset();
    const rule = sms.faults.add({ resource_id: 'task-2', effect: { type: 'error', preset: 'forbidden' } });
    expect((await report('task-1')).status).toBe(200);
    expect((await report('task-2')).status).toBe(403);
    expect(sms.faults.list()).toEqual([{ ...rule, matched: 1, fired: 1 }]);
    expect(() => sms.faults.add({ resourceId: 'task-2', effect: { type: 'drop' } } as never)).toThrow(
      'invalid fault rule: resourceId is not a known field',
    );
  });
});
