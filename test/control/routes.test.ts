import { describe, expect, it } from 'vitest';
import {
  api,
  dbSnapshot,
  json,
  progressReport,
  rowCount,
  type SampleBody,
  sampleTask,
  useTestApp,
} from '../helpers.js';

// No seed: what these tests look at is how tasks get in and out.
const t = useTestApp();

const report = progressReport({ progress: 1 });

describe('/_mock control API', () => {
  it('PUT /_mock/tasks/{id} inserts, then replaces, answering the ShowTask body', async () => {
    const first = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).json());
    await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1/progress', payload: report });

    const second = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: { name: 'again' } });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({
      id: 'task-1',
      name: 'again',
      state: 'READY',
      create_date: t.clock.now(),
      sub_tasks: [],
    });
    expect([rowCount(t.db, 'tasks'), rowCount(t.db, 'sub_tasks'), rowCount(t.db, 'progress_samples')]).toEqual([
      1, 0, 0,
    ]);
  });

  it('refuses a task that breaks the ShowTask schema, or names another id', async () => {
    const bad = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/x', payload: { state: 'NAPPING' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_msg).toMatch(/^Invalid request parameter: state must be one of: READY, RUNNING/);
    const other = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/x', payload: { id: 'y' } });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: "Invalid request parameter: id 'y' differs from the path's 'x'",
    });
    expect(rowCount(t.db, 'tasks')).toBe(0);
  });

  it('DELETE /_mock/tasks/{id} removes the task with its subtasks and reports', async () => {
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
    await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1/progress', payload: report });
    const response = await t.app.inject({ method: 'DELETE', url: '/_mock/tasks/task-1' });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect([rowCount(t.db, 'tasks'), rowCount(t.db, 'sub_tasks'), rowCount(t.db, 'progress_samples')]).toEqual([
      0, 0, 0,
    ]);
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).statusCode).toBe(404);
    const again = await t.app.inject({ method: 'DELETE', url: '/_mock/tasks/task-1' });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: task-1' });
  });

  it('POST /_mock/reset empties all state', async () => {
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/a', payload: sampleTask('a') });
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/b', payload: sampleTask('b') });
    await api(t.app, { method: 'PUT', url: '/v3/tasks/a/progress', payload: report });
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/a' })).statusCode).toBe(200);
    const response = await t.app.inject({ method: 'POST', url: '/_mock/reset' });
    expect(response.statusCode).toBe(204);
    expect([rowCount(t.db, 'tasks'), rowCount(t.db, 'sub_tasks'), rowCount(t.db, 'progress_samples')]).toEqual([
      0, 0, 0,
    ]);
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/a' })).statusCode).toBe(404);
  });

  it('GET /_mock/tasks/{id}/progress lists reports oldest first, 404 for an unknown task', async () => {
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/a', payload: sampleTask('a') });
    await api(t.app, { method: 'PUT', url: '/v3/tasks/a/progress', payload: report });
    t.clock.advance(1000);
    await api(t.app, { method: 'PUT', url: '/v3/tasks/a/progress', payload: { ...report, progress: 2 } });
    const response = await t.app.inject({ method: 'GET', url: '/_mock/tasks/a/progress' });
    expect(response.statusCode).toBe(200);
    const { samples } = json<{ samples: SampleBody[] }>(response);
    expect(samples.map((s) => [s.progress, s.received_at])).toEqual([
      [1, t.clock.now() - 1000],
      [2, t.clock.now()],
    ]);
    const unknown = await t.app.inject({ method: 'GET', url: '/_mock/tasks/zz/progress' });
    expect([unknown.statusCode, unknown.json()]).toEqual([
      404,
      { error_code: 'SMS.2003', error_msg: 'The migration task does not exist: zz' },
    ]);
  });

  it.each([
    [{ nmae: 'typo' }, 'nmae is not a known field'],
    [{ target_server: { disks: [{ sise: 1 }] } }, 'target_server.disks[0].sise is not a known field'],
    [{ target_server: { hostname: 'h' } }, 'target_server.hostname is not a known field'],
    [{ sub_tasks: [{ progress: 0 }, { progress: 0, nmae: 'x' }] }, 'sub_tasks[1].nmae is not a known field'],
    [{ source_server: { ip: '1.2.3.4', agent_version: '1' } }, 'source_server.agent_version is not a known field'],
    [
      { target_server: { disks: [{ physical_volumes: [{ mount: '/' }] }] } },
      'target_server.disks[0].physical_volumes[0].mount is not a known field',
    ],
    [{ clone_server: { state: 'READY' } }, 'clone_server.state is not a known field'],
    [{ network_check_info: { delay: 1 } }, 'network_check_info.delay is not a known field'],
    [{ target_disk_ids: 5 }, 'target_disk_ids must be string'],
    [{ use_ipv6: 'yes' }, 'use_ipv6 must be boolean'],
  ])('PUT /_mock/tasks/{id} refuses %j with 400 naming the field, storing nothing', async (payload, message) => {
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
    const before = t.db.prepare('SELECT * FROM tasks').all();
    const response = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    expect(t.db.prepare('SELECT * FROM tasks').all()).toEqual(before);
    expect(rowCount(t.db, 'sub_tasks')).toBe(2);
  });

  it('PUT /_mock/tasks/{id} stores the UpdateTask fields a task keeps, showing those ShowTask echoes', async () => {
    const payload = { exist_server: true, use_ipv6: true, use_public_ip: false, target_disk_ids: 'd1 d2' };
    const response = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ exist_server: true, use_ipv6: true, use_public_ip: false });
    expect(response.json()).not.toHaveProperty('target_disk_ids');
    const row = t.db.prepare('SELECT exist_server, use_ipv6, use_public_ip, target_disk_ids FROM tasks').get();
    expect(row).toEqual({ exist_server: 1, use_ipv6: 1, use_public_ip: 0, target_disk_ids: 'd1 d2' });
    // The stored use_ipv6 is what UpdateTask checks a migration_ip against.
    const update = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1',
      payload: { migration_ip: '2001:db8::1' },
    });
    expect(update.statusCode).toBe(200);
  });

  it.each([
    ['{"sub_tasks":[{"id":3,"progress":0},{"id":3,"progress":5}]}', 'sub_tasks[1].id duplicates sub_tasks[0].id'],
    [
      '{"total_time":9223372036854775807.0}',
      'total_time must be an integer from -9223372036854775808 to 9223372036854775807',
    ],
    [
      '{"target_server":{"disks":[{"size":9.223372036854775807e18}]}}',
      'target_server.disks[0].size must be an integer from -9223372036854775808 to 9223372036854775807',
    ],
    [`{"name":"x","source_server":${'['.repeat(70)}${']'.repeat(70)}}`, 'the body nests deeper than 64 levels'],
  ])('PUT /_mock/tasks/{id} refuses %s with 400, storing nothing', async (payload, message) => {
    const response = await t.app.inject({
      method: 'PUT',
      url: '/_mock/tasks/task-1',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    expect([rowCount(t.db, 'tasks'), rowCount(t.db, 'sub_tasks')]).toEqual([0, 0]);
  });

  it('needs no credentials, and is not journaled', async () => {
    const control = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({ method, url, ...(payload ? { payload } : {}) });
    const put = await control('PUT', '/_mock/tasks/a', { name: 'no-token' });
    expect([put.statusCode, put.json().name]).toEqual([200, 'no-token']);
    expect(t.db.prepare('SELECT id, name FROM tasks').all()).toEqual([{ id: 'a', name: 'no-token' }]);
    const reads: [string, unknown][] = [
      ['/_mock/tasks/a/progress', { samples: [] }],
      ['/_mock/faults', { faults: [] }],
      ['/_mock/requests', { count: 0, requests: [] }],
    ];
    for (const [url, body] of reads) {
      const response = await control('GET', url);
      expect([response.statusCode, response.json()], url).toEqual([200, body]);
    }
    const deleted = await control('DELETE', '/_mock/tasks/a');
    expect([deleted.statusCode, deleted.body]).toEqual([204, '']);
    await control('PUT', '/_mock/tasks/b', {});
    const reset = await control('POST', '/_mock/reset');
    expect([reset.statusCode, reset.body]).toEqual([204, '']);
    expect(Object.values(dbSnapshot(t.db)).flat()).toEqual([]);
    expect(t.core.journal.count()).toBe(0);
  });
});
