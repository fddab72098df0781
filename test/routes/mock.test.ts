import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, buildTestApp, rowCount, sampleTask, type TestApp } from '../helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(() => t.close());

const report = { subtask_name: 'SSL_CONFIG', progress: 1, replicatesize: 1, totalsize: 1, process_trace: '' };

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
    const { samples } = response.json();
    expect(samples.map((s: { progress: number; received_at: number }) => [s.progress, s.received_at])).toEqual([
      [1, t.clock.now() - 1000],
      [2, t.clock.now()],
    ]);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/tasks/zz/progress' })).statusCode).toBe(404);
  });

  it('needs no credentials', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode).toBe(204);
  });
});
