import { describe, expect, it } from 'vitest';
import { TASK_STATES } from '../../../src/sms/tasks/state-machine.js';
import {
  api,
  dbSnapshot,
  type ErrorBody,
  json,
  rowCount,
  sampleTask,
  type TaskFixture,
  useTestApp,
} from '../../helpers.js';
import { createBody, registerSource, storedSource } from './life-cycle-fixtures.js';

const t = useTestApp();

const REFUSED = ['RUNNING', 'SYNCING', 'ABORTING', 'SKIPPING', 'DELETING', 'RESETING'];
const ALLOWED = TASK_STATES.filter((state) => !REFUSED.includes(state));

const deleteOne = (id: string) => api(t.app, { method: 'DELETE', url: `/v3/tasks/${id}` });
const deleteMany = (payload: unknown) =>
  api(t.app, {
    method: 'POST',
    url: '/v3/tasks/delete',
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
const showStatus = async (id: string) => (await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` })).statusCode;

/** A task of its own source server (registered, its task running: replicate), with a report, a speed-limit rule and a setting. */
async function seed(id: string, state: string, source = `src-${id}`): Promise<void> {
  if (storedSource(t.db, source) === undefined) {
    registerSource(t.db, { id: source, state: 'replicate', migration_cycle: 'replicating' });
  }
  const task: TaskFixture = {
    ...sampleTask(id),
    state,
    source_server: { id: source, ip: '10.0.0.5', name: id, os_type: 'LINUX' },
  };
  await t.core.admin.putTasks([task]);
  t.db
    .prepare(
      `INSERT INTO progress_samples (task_id, seq, received_at, subtask_name, progress, replicatesize, totalsize,
         process_trace) VALUES (?, 1, 1, 'SSL_CONFIG', 1, 1, 2, 'x')`,
    )
    .run(id);
  t.db
    .prepare(
      "INSERT INTO task_speed_limits (task_id, position, start_time, end_time, speed) VALUES (?, 0, '0:00', '8:00', 10)",
    )
    .run(id);
  t.db
    .prepare(
      "INSERT INTO task_configurations (task_id, position, config_key, config_value) VALUES (?, 0, 'LINUX_CPU_LIMIT', '50')",
    )
    .run(id);
}

const rowsOf = (id: string) =>
  ['tasks', 'sub_tasks', 'progress_samples', 'task_speed_limits', 'task_configurations'].map(
    (table) =>
      t.db
        .prepare(`SELECT COUNT(*) FROM ${table} WHERE ${table === 'tasks' ? 'id' : 'task_id'} = ?`)
        .pluck()
        .get(id) as number,
  );

describe('DELETE /v3/tasks/{task_id} (DeleteTask)', () => {
  it.each(ALLOWED)('deletes a %s task with everything it holds, and frees its source server', async (state) => {
    await seed('task-1', state);
    await seed('task-2', 'RUNNING');
    expect(rowsOf('task-1')).toEqual([1, 2, 1, 1, 1]);
    t.clock.advance(1000);
    const response = await deleteOne('task-1');
    expect([response.statusCode, response.body]).toEqual([200, '{}']);
    expect(rowsOf('task-1')).toEqual([0, 0, 0, 0, 0]);
    expect(rowsOf('task-2')).toEqual([1, 2, 1, 1, 1]);
    expect(await showStatus('task-1')).toBe(404);
    // The source is a server without a task again: waiting, in the check stage.
    expect(storedSource(t.db, 'src-task-1')).toEqual({
      state: 'waiting',
      migration_cycle: 'checking',
      state_action_time: t.clock.now(),
    });
    expect(storedSource(t.db, 'src-task-2')?.state).toBe('replicate');
    // Deleted once, it is gone: a second delete answers 404.
    expect((await deleteOne('task-1')).statusCode).toBe(404);
  });

  it.each(REFUSED)('refuses a %s task with 400 SMS.2015, changing nothing', async (state) => {
    await seed('task-1', state);
    const before = dbSnapshot(t.db);
    const response = await deleteOne('task-1');
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2015',
      error_msg: `Running, syncing and stopping tasks cannot be deleted: task task-1 is ${state}`,
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('answers 404 for an unknown task', async () => {
    const response = await deleteOne('nope');
    expect([response.statusCode, response.json()]).toEqual([
      404,
      { error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' },
    ]);
  });

  it('frees the source for a new task, which CreateTask then accepts', async () => {
    registerSource(t.db, { id: 'src-1' });
    const create = () => api(t.app, { method: 'POST', url: '/v3/tasks', payload: createBody('src-1') });
    const first = json<{ id: string }>(await create()).id;
    expect((await create()).statusCode).toBe(400);
    expect((await deleteOne(first)).statusCode).toBe(200);
    expect(storedSource(t.db, 'src-1')).toMatchObject({ state: 'waiting', migration_cycle: 'checking' });
    expect((await create()).statusCode).toBe(200);
  });

  it('leaves a source another task still migrates as it is', async () => {
    await seed('task-1', 'READY', 'shared');
    await seed('task-2', 'RUNNING', 'shared');
    await deleteOne('task-1');
    expect(storedSource(t.db, 'shared')).toEqual({
      state: 'replicate',
      migration_cycle: 'replicating',
      state_action_time: null,
    });
  });
});

describe('POST /v3/tasks/delete (DeleteTasks)', () => {
  it('deletes every task named (a name given twice counts once)', async () => {
    await seed('a', 'READY');
    await seed('b', 'MIGRATE_SUCCESS');
    await seed('c', 'ABORT');
    const response = await deleteMany({ ids: ['a', 'b', 'a'] });
    expect([response.statusCode, response.body]).toEqual([200, '{}']);
    expect(rowCount(t.db, 'tasks')).toBe(1);
    expect(await showStatus('c')).toBe(200);
    expect(storedSource(t.db, 'src-b')?.state).toBe('waiting');
  });

  it.each([
    [['a', 'nope', 'b'], 404, 'SMS.2003', 'The migration task does not exist: nope'],
    [['a', 'run', 'b'], 400, 'SMS.2015', 'Running, syncing and stopping tasks cannot be deleted: task run is RUNNING'],
    [['run', 'nope'], 404, 'SMS.2003', 'The migration task does not exist: nope'],
  ])('deletes nothing when one of %j cannot go', async (ids, status, code, message) => {
    await seed('a', 'READY');
    await seed('b', 'MIGRATE_FAIL');
    await seed('run', 'RUNNING');
    const before = dbSnapshot(t.db);
    const response = await deleteMany({ ids });
    expect(response.statusCode).toBe(status);
    expect(json<ErrorBody>(response)).toEqual({ error_code: code, error_msg: message });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it.each([
    [{ ids: [] }, 'ids must have at least 1 items'],
    [{ ids: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'ids must have at most 50 items'],
    [{ ids: [''] }, 'ids[0] must be at least 1 characters'],
    [{ ids: ['x'.repeat(37)] }, 'ids[0] must be at most 36 characters'],
    [{ ids: 'a' }, 'ids must be array'],
    [{}, 'ids is required'],
  ])('refuses %j with 400 SMS.2001 naming the field', async (payload, message) => {
    await seed('a', 'READY');
    const before = dbSnapshot(t.db);
    const response = await deleteMany(payload);
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2001',
      error_msg: `Invalid request parameter: ${message}`,
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('takes 50 ids at once', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `t${i}`);
    await t.core.admin.putTasks(ids.map((id) => sampleTask(id)));
    expect((await deleteMany({ ids })).statusCode).toBe(200);
    expect(rowCount(t.db, 'tasks')).toBe(0);
    expect(rowCount(t.db, 'sub_tasks')).toBe(0);
  });
});
