// A task run to its end by progress reports: the plan finishing moves the task (MIGRATE_SUCCESS, SYNCING,
// SYNC_SUCCESS) and its source server follows, report by report; reports that come together leave what one after
// another would.
import { describe, expect, it, vi } from 'vitest';
import { type Db, openDatabase } from '../../../src/db/database.js';
import { createWriteQueue } from '../../../src/db/write-queue.js';
import type { UpdateTaskSpeedBody } from '../../../src/schemas/index.js';
import { launchSteps, planFor } from '../../../src/sms/tasks/plans.js';
import { createTaskRepository } from '../../../src/sms/tasks/repository.js';
import { createTaskService } from '../../../src/sms/tasks/service.js';
import { api, json, rowCount, type ShowTaskBody, sampleTask, TestClock, useTestApp } from '../../helpers.js';
import { createBody, registerSource, type StoredSource, storedSource } from './life-cycle-fixtures.js';

const t = useTestApp();

const report = (subtask_name: string, progress: number, changes: Record<string, unknown> = {}) => ({
  subtask_name,
  progress,
  replicatesize: progress * 100,
  totalsize: 10_000,
  process_trace: `${subtask_name} at ${progress}`,
  ...changes,
});
const send = (id: string, body: unknown) =>
  api(t.app, { method: 'PUT', url: `/v3/tasks/${id}/progress`, payload: body as object });
const action = (id: string, operation: string) =>
  api(t.app, { method: 'POST', url: `/v3/tasks/${id}/action`, payload: { operation } });
const show = async (id: string) => json<ShowTaskBody>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));
const source = (): StoredSource | undefined => storedSource(t.db, 'src-1');

async function createTask(changes: Record<string, unknown> = {}): Promise<string> {
  registerSource(t.db, { id: 'src-1' });
  const response = await api(t.app, { method: 'POST', url: '/v3/tasks', payload: createBody('src-1', changes) });
  expect(response.statusCode, response.body).toBe(200);
  return json<{ id: string }>(response).id;
}

describe('completion by progress reports', () => {
  it('runs a task through its plan: the source follows each stage, the last report finishes the migration', async () => {
    const id = await createTask();
    t.clock.advance(1000);
    const startedAt = t.clock.now();
    await action(id, 'start');
    expect(source()).toEqual({ state: 'initialize', migration_cycle: 'replicating', state_action_time: startedAt });

    const plan = planFor({
      osType: 'LINUX',
      type: 'MIGRATE_FILE',
      existServer: false,
      syncing: false,
      consistencyCheck: false,
    });
    const seen: [string, string, string | null][] = [];
    for (const name of plan) {
      for (const progress of [10, 100]) {
        t.clock.advance(5000);
        expect((await send(id, report(name, progress))).statusCode).toBe(200);
        const { state, migration_cycle } = source() as StoredSource;
        seen.push([`${name} ${progress}`, state, migration_cycle]);
      }
      if (name !== plan[plan.length - 1]) expect((await show(id)).state).toBe('RUNNING');
    }
    const finishedAt = t.clock.now();
    // The reported subtask is the running one; after a report at 100, the next below 100 is.
    expect(seen).toEqual([
      ['CREATE_CLOUD_SERVER 10', 'initialize', 'replicating'],
      ['CREATE_CLOUD_SERVER 100', 'initialize', 'replicating'],
      ['SSL_CONFIG 10', 'initialize', 'replicating'],
      ['SSL_CONFIG 100', 'initialize', 'replicating'],
      ['ATTACH_AGENT_IMAGE 10', 'initialize', 'replicating'],
      ['ATTACH_AGENT_IMAGE 100', 'initialize', 'replicating'],
      ['FORMAT_DISK_LINUX_FILE 10', 'initialize', 'replicating'],
      ['FORMAT_DISK_LINUX_FILE 100', 'replicate', 'replicating'],
      ['MIGRATE_LINUX_FILE 10', 'replicate', 'replicating'],
      ['MIGRATE_LINUX_FILE 100', 'cutovering', 'cutovering'],
      ['CONFIGURE_LINUX_FILE 10', 'cutovering', 'cutovering'],
      ['CONFIGURE_LINUX_FILE 100', 'cutovering', 'cutovering'],
      ['DETTACH_AGENT_IMAGE 10', 'cutovering', 'cutovering'],
      ['DETTACH_AGENT_IMAGE 100', 'finished', 'cutovered'],
    ]);
    const task = await show(id);
    expect(task).toMatchObject({
      state: 'MIGRATE_SUCCESS',
      start_date: startedAt,
      finish_date: finishedAt,
      total_time: finishedAt - startedAt,
      source_server: { state: 'finished', migration_cycle: 'cutovered' },
    });
    expect(task.sub_tasks.every((s) => s.progress === 100 && s.end_date !== null)).toBe(true);
    expect(source()?.state_action_time).toBe(finishedAt);

    // A report after the end is stored and updates the figures; the task stays finished.
    t.clock.advance(5000);
    await send(id, report('DETTACH_AGENT_IMAGE', 100, { migrate_speed: 3.5 }));
    expect(await show(id)).toMatchObject({ state: 'MIGRATE_SUCCESS', finish_date: finishedAt, migrate_speed: 3.5 });
    expect(rowCount(t.db, 'progress_samples')).toBe(2 * plan.length + 1);
  });

  it('a syncing task enters continuous sync; test launches it and the launch steps finish the migration', async () => {
    const id = await createTask({ syncing: true });
    await action(id, 'start');
    const plan = (await show(id)).sub_tasks.map((s) => s.name as string);
    expect(plan).not.toContain('CONFIGURE_LINUX_FILE');
    for (const name of plan) await send(id, report(name, 100));
    expect(await show(id)).toMatchObject({ state: 'SYNCING', finish_date: null });
    expect(source()).toMatchObject({ state: 'syncing', migration_cycle: 'syncing' });

    // Continuous sync goes on: another report at 100 changes nothing.
    await send(id, report(plan[plan.length - 1] as string, 100));
    expect((await show(id)).state).toBe('SYNCING');

    expect((await action(id, 'test')).statusCode).toBe(200);
    const launched = await show(id);
    expect(launched.state).toBe('RUNNING');
    expect(launched.sub_tasks.slice(plan.length).map((s) => s.name)).toEqual(launchSteps('LINUX', 'MIGRATE_FILE'));
    expect(source()).toMatchObject({ state: 'cutovering', migration_cycle: 'cutovering' });
    t.clock.advance(7000);
    for (const name of launchSteps('LINUX', 'MIGRATE_FILE')) await send(id, report(name, 100));
    expect(await show(id)).toMatchObject({ state: 'MIGRATE_SUCCESS', finish_date: t.clock.now() });
    expect(source()).toMatchObject({ state: 'finished', migration_cycle: 'cutovered' });

    // Launched, its continuous sync is over: an incremental sync started now ends like any other task's.
    expect((await action(id, 'start')).statusCode).toBe(200);
    expect((await show(id)).state).toBe('SYNCING');
    await send(id, report('SYNC_LINUX_FILE', 100));
    expect((await show(id)).state).toBe('SYNC_SUCCESS');
    expect(source()).toMatchObject({ state: 'finished', migration_cycle: 'cutovered' });
  });

  it('start after a finished migration runs an incremental sync, which ends in SYNC_SUCCESS', async () => {
    const id = await createTask({ exist_server: true });
    await action(id, 'start');
    for (const s of (await show(id)).sub_tasks) await send(id, report(s.name as string, 100));
    expect((await show(id)).state).toBe('MIGRATE_SUCCESS');
    await action(id, 'start');
    const syncing = await show(id);
    expect(syncing.state).toBe('SYNCING');
    expect(syncing.sub_tasks.at(-1)).toMatchObject({ name: 'SYNC_LINUX_FILE', progress: 0, user_op: 'SYNC' });
    expect(source()).toMatchObject({ state: 'syncing', migration_cycle: 'syncing' });
    await send(id, report('SYNC_LINUX_FILE', 50));
    expect((await show(id)).state).toBe('SYNCING');
    await send(id, report('SYNC_LINUX_FILE', 100));
    expect((await show(id)).state).toBe('SYNC_SUCCESS');
    expect(source()).toMatchObject({ state: 'finished', migration_cycle: 'cutovered' });
  });

  it('skip closes the running consistency check; when it was the last subtask the plan is done', async () => {
    const id = await createTask({ syncing: true, is_need_consistency_check: true });
    await action(id, 'start');
    const plan = (await show(id)).sub_tasks.map((s) => s.name as string);
    expect(plan.at(-1)).toBe('CHECK_CONSISTENCY');
    for (const name of plan.slice(0, -1)) await send(id, report(name, 100));
    await send(id, report('CHECK_CONSISTENCY', 30));
    expect((await action(id, 'skip')).statusCode).toBe(200);
    const task = await show(id);
    expect(task.state).toBe('SYNCING');
    expect(task.sub_tasks.at(-1)).toMatchObject({ name: 'CHECK_CONSISTENCY', progress: 100, end_date: t.clock.now() });
    expect(source()).toMatchObject({ state: 'syncing', migration_cycle: 'syncing' });
  });

  it.each(['ABORT', 'MIGRATE_FAIL', 'ABORTING'])(
    'a report to an %s task is stored and updates its figures, its state stays',
    async (state) => {
      registerSource(t.db, { id: 'src-1', state: 'stopped', migration_cycle: 'replicating' });
      await t.core.admin.putTasks([
        { ...sampleTask('task-1'), state, start_date: 1000, sub_tasks: [{ id: 1, name: 'SSL_CONFIG', progress: 0 }] },
      ]);
      const response = await send('task-1', report('SSL_CONFIG', 100, { migrate_speed: 9, remain_time: 0 }));
      expect(response.statusCode).toBe(200);
      expect(await show('task-1')).toMatchObject({
        state,
        start_date: 1000,
        finish_date: null,
        migrate_speed: 9,
        sub_tasks: [{ name: 'SSL_CONFIG', progress: 100 }],
      });
      expect(rowCount(t.db, 'progress_samples')).toBe(1);
      // A failed task's source shows error; a paused one's stays as it is.
      expect(source()?.state).toBe(state === 'MIGRATE_FAIL' ? 'error' : 'stopped');
    },
  );

  it('a syncing task seeded as launched finishes its migration when the plan is done, one not launched syncs', async () => {
    const seeded = (id: string, launched: boolean) => ({
      ...sampleTask(id),
      state: 'RUNNING',
      syncing: true,
      launched,
      start_date: 1000,
      sub_tasks: [{ name: 'SSL_CONFIG', progress: 0 }],
    });
    await t.core.admin.putTasks([seeded('launched', true), seeded('not-launched', false)]);
    await send('launched', report('SSL_CONFIG', 100));
    await send('not-launched', report('SSL_CONFIG', 100));
    expect(await show('launched')).toMatchObject({ state: 'MIGRATE_SUCCESS', total_time: t.clock.now() - 1000 });
    expect(await show('not-launched')).toMatchObject({ state: 'SYNCING', finish_date: null, total_time: null });
  });

  it('the first report starts a READY task that was never started, and may finish it at once', async () => {
    await t.core.admin.putTasks([{ ...sampleTask('task-1'), sub_tasks: [{ id: 1, name: 'SSL_CONFIG', progress: 0 }] }]);
    await send('task-1', report('SSL_CONFIG', 100));
    expect(await show('task-1')).toMatchObject({
      state: 'MIGRATE_SUCCESS',
      start_date: t.clock.now(),
      finish_date: t.clock.now(),
      total_time: 0,
    });
  });
});

describe('reports that come together', () => {
  const build = (db: Db, clock: TestClock) => {
    const tasks = createTaskRepository(db);
    const plan = vi.spyOn(tasks, 'plan');
    const service = createTaskService({
      tasks,
      writes: createWriteQueue(db),
      clock,
      body: () => '',
      autoCreate: false,
    });
    return { tasks, service, plan };
  };
  const seed = (db: Db, tasks: ReturnType<typeof createTaskRepository>) => {
    registerSource(db, { id: 's1' });
    registerSource(db, { id: 's2', state: 'syncing', migration_cycle: 'syncing' });
    tasks.put('t1', { state: 'READY', source_server: { id: 's1' } }, [
      { id: 1, name: 'SSL_CONFIG' },
      { id: 2, name: 'MIGRATE_LINUX_FILE' },
      { id: 3, name: 'CONFIGURE_LINUX_FILE' },
    ]);
    tasks.put('t2', { state: 'RUNNING', syncing: true, start_date: 10, source_server: { id: 's2' } }, [
      { id: 4, name: 'MIGRATE_LINUX_BLOCK' },
    ]);
  };
  const sources = (db: Db) => db.prepare('SELECT * FROM sources ORDER BY id').all();

  it('leave the task, its subtasks and its source as one report after another would, completion included', async () => {
    const bodies: [string, UpdateTaskSpeedBody][] = [
      ['t1', report('SSL_CONFIG', 50) as UpdateTaskSpeedBody],
      ['t1', report('SSL_CONFIG', 100) as UpdateTaskSpeedBody],
      ['t1', report('MIGRATE_LINUX_FILE', 40) as UpdateTaskSpeedBody],
      ['t2', report('MIGRATE_LINUX_BLOCK', 100) as UpdateTaskSpeedBody],
      ['t1', report('MIGRATE_LINUX_FILE', 100) as UpdateTaskSpeedBody],
      ['t1', report('CONFIGURE_LINUX_FILE', 100) as UpdateTaskSpeedBody],
      ['t1', report('CONFIGURE_LINUX_FILE', 100, { migrate_speed: 2 }) as UpdateTaskSpeedBody],
    ];
    const together = openDatabase({ path: ':memory:' });
    const alone = openDatabase({ path: ':memory:' });
    try {
      const clock = new TestClock(5000);
      const a = build(together, clock);
      const b = build(alone, clock);
      seed(together, a.tasks);
      seed(alone, b.tasks);
      await Promise.all(
        bodies.map(([id, body], index) => {
          clock.current = 5000 + index * 1000;
          return a.service.reportProgress(id, body);
        }),
      );
      for (const [index, [id, body]] of bodies.entries()) {
        clock.current = 5000 + index * 1000;
        await b.service.reportProgress(id, body);
      }
      for (const id of ['t1', 't2']) {
        expect(a.tasks.find(id)).toEqual(b.tasks.find(id));
        expect(a.tasks.listSamples(id)).toEqual(b.tasks.listSamples(id));
      }
      expect(sources(together)).toEqual(sources(alone));
      expect(a.tasks.find('t1')).toMatchObject({
        state: 'MIGRATE_SUCCESS',
        start_date: 5000,
        finish_date: 10_000,
        total_time: 5000,
      });
      expect(a.tasks.find('t2')?.state).toBe('SYNCING');
      expect(storedSource(together, 's1')).toEqual({
        state: 'finished',
        migration_cycle: 'cutovered',
        state_action_time: 10_000,
      });
      // The plan is read once per run of reports to a task that holds a report at 100, never otherwise.
      expect(a.plan.mock.calls.map(([id]) => id)).toEqual(['t1', 't2', 't1']);
    } finally {
      together.close();
      alone.close();
    }
  });

  it('a run whose source went elsewhere and came back stamps the time it came back, as reports one by one do', async () => {
    const bodies = [
      report('MIGRATE_LINUX_FILE', 10),
      report('CONFIGURE_LINUX_FILE', 10),
      report('MIGRATE_LINUX_FILE', 20),
    ] as UpdateTaskSpeedBody[];
    const together = openDatabase({ path: ':memory:' });
    const alone = openDatabase({ path: ':memory:' });
    try {
      const clock = new TestClock(5000);
      const a = build(together, clock);
      const b = build(alone, clock);
      for (const [db, tasks] of [
        [together, a.tasks],
        [alone, b.tasks],
      ] as const) {
        registerSource(db, { id: 's1', state: 'replicate', migration_cycle: 'replicating' });
        tasks.put('t1', { state: 'RUNNING', start_date: 1, source_server: { id: 's1' } }, []);
      }
      await Promise.all(
        bodies.map((body, index) => {
          clock.current = 5000 + index;
          return a.service.reportProgress('t1', body);
        }),
      );
      for (const [index, body] of bodies.entries()) {
        clock.current = 5000 + index;
        await b.service.reportProgress('t1', body);
      }
      expect(sources(together)).toEqual(sources(alone));
      expect(storedSource(together, 's1')).toEqual({
        state: 'replicate',
        migration_cycle: 'replicating',
        state_action_time: 5002,
      });
      expect(a.plan).not.toHaveBeenCalled();
    } finally {
      together.close();
      alone.close();
    }
  });
});
