import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Core, createCore } from '../../../src/core.js';
import { type Db, openDatabase } from '../../../src/db/database.js';
import { createWriteQueue } from '../../../src/db/write-queue.js';
import { parseJson } from '../../../src/lib/json.js';
import type { UpdateTaskBody, UpdateTaskSpeedBody } from '../../../src/schemas/index.js';
import type { LiveFields } from '../../../src/sms/tasks/render.js';
import { createTaskRepository, type TaskRepository } from '../../../src/sms/tasks/repository.js';
import { createTaskService } from '../../../src/sms/tasks/service.js';
import { TASK_STATES, TRANSITIONS, transition } from '../../../src/sms/tasks/state-machine.js';
import { progressReport as fixture, sampleTask, TestClock } from '../../helpers.js';

const progressReport = (changes: Parameters<typeof fixture>[0] = {}) => fixture(changes) as UpdateTaskSpeedBody;

let db: Db;
let clock: TestClock;
const build = (live?: LiveFields): Core =>
  createCore({
    config: { autoCreate: false, journalSize: 10, journalBytes: 1 << 20 },
    db,
    clock,
    seed: [sampleTask('task-1')],
    live,
  });
beforeEach(() => {
  db = openDatabase({ path: ':memory:' });
  clock = new TestClock();
});
afterEach(() => db.close());

const show = (core: Core, id = 'task-1') => parseJson(core.tasks.showTask(id)) as Record<string, unknown>;

describe('task state machine', () => {
  it('moves READY to RUNNING on the first report, stamping the start date, and nothing else on a report', () => {
    expect(transition('READY', 'progress')).toEqual({ to: 'RUNNING', stamps: ['start_date'] });
    for (const state of TASK_STATES.filter((s) => s !== 'READY')) expect(transition(state, 'progress')).toBeUndefined();
    expect(transition(null, 'progress')).toBeUndefined();
    expect(transition('NOT_A_STATE', 'progress')).toBeUndefined();
    // Every row names states the API knows.
    for (const [from, events] of Object.entries(TRANSITIONS)) {
      expect(TASK_STATES).toContain(from);
      for (const move of Object.values(events ?? {})) expect(TASK_STATES).toContain(move?.to);
    }
  });

  it('the service applies the table: a report starts a READY task once, keeping the first start date', async () => {
    const core = build();
    await core.start();
    await core.tasks.reportProgress('task-1', progressReport());
    expect(show(core)).toMatchObject({ state: 'RUNNING', start_date: clock.current });
    const first = clock.current;
    clock.advance(5000);
    await core.tasks.reportProgress('task-1', progressReport({ progress: 20 }));
    expect(show(core)).toMatchObject({ state: 'RUNNING', start_date: first });
  });

  it('a report to a task in another state changes its figures, not its state', async () => {
    const core = build();
    await core.start();
    await core.admin.putTasks([{ ...sampleTask('task-1'), state: 'ABORT', start_date: null }]);
    await core.tasks.reportProgress('task-1', progressReport({ migrate_speed: 7.5 }));
    expect(show(core)).toMatchObject({ state: 'ABORT', start_date: null, migrate_speed: 7.5 });
  });
});

describe('ShowTask bodies', () => {
  it('are kept between commits and never served stale: any commit makes every kept body current again', async () => {
    const core = build();
    await core.start();
    await core.admin.putTasks([sampleTask('task-2')]);
    const before = core.tasks.showTask('task-1');
    expect(core.tasks.showTask('task-1')).toBe(before);
    // A write straight to the table through the queue, as a later resource's service would make it.
    await core.writes.run(() => db.prepare("UPDATE tasks SET name = 'renamed' WHERE id = 'task-1'").run());
    expect(show(core).name).toBe('renamed');
    await core.tasks.updateTask('task-2', { name: 'other' });
    expect(show(core, 'task-2').name).toBe('other');
  });

  it('lay fields computed from the clock over the kept body: moving the clock changes them', async () => {
    const live: LiveFields = (task, now) =>
      task.state === 'RUNNING' && typeof task.estimate_complete_time === 'number'
        ? { remain_seconds: Math.max(0, Math.ceil((task.estimate_complete_time - now) / 1000)) }
        : undefined;
    const core = build(live);
    await core.start();
    await core.tasks.reportProgress('task-1', progressReport({ remain_time: 600 }));
    expect(show(core).remain_seconds).toBe(600);
    clock.advance(60_000);
    expect(show(core).remain_seconds).toBe(540);
    clock.advance(10 * 60_000);
    expect(show(core).remain_seconds).toBe(0);
    // A task the function leaves alone is served as kept.
    await core.admin.putTasks([{ ...sampleTask('task-2'), remain_seconds: 5 }]);
    expect(show(core, 'task-2').remain_seconds).toBe(5);
  });

  it('answer 404 for a task that is gone, even if its body was kept', async () => {
    const core = build();
    await core.start();
    core.tasks.showTask('task-1');
    await core.admin.deleteTask('task-1');
    expect(() => core.tasks.showTask('task-1')).toThrow('The migration task does not exist: task-1');
  });
});

describe('reset', () => {
  it('empties the store, puts the seed back, and leaves no kept body behind', async () => {
    const core = build();
    await core.start();
    await core.tasks.updateTask('task-1', { name: 'changed' });
    await core.admin.putTasks([sampleTask('task-9')]);
    expect(show(core).name).toBe('changed');
    await core.reset();
    expect(show(core).name).toBe(sampleTask('task-1').name);
    expect(() => core.tasks.showTask('task-9')).toThrow('The migration task does not exist: task-9');
  });
});

describe('statements per write', () => {
  const service = (autoCreate: boolean) => {
    const tasks = createTaskRepository(db);
    const spies = {
      exists: vi.spyOn(tasks, 'exists'),
      column: vi.spyOn(tasks, 'column'),
      columns: vi.spyOn(tasks, 'columns'),
      lifecycle: vi.spyOn(tasks, 'lifecycle'),
    };
    const writes = createWriteQueue(db);
    return { tasks, spies, service: createTaskService({ tasks, writes, clock, body: () => '', autoCreate }) };
  };

  it('UpdateTask reads the task at most once, and not at all when the body needs no stored value', async () => {
    const { tasks, spies, service: s } = service(false);
    tasks.put('t1', { state: 'READY', use_ipv6: true, source_server: { id: 'a', ip: '1' } }, []);
    await s.updateTask('t1', { name: 'renamed', speed_limit: 5 });
    expect(spies.exists).not.toHaveBeenCalled();
    expect(spies.columns).not.toHaveBeenCalled();
    await s.updateTask('t1', { migration_ip: '2001:db8::1', source_server: { ip: '2' } } as UpdateTaskBody);
    expect(spies.columns).toHaveBeenCalledTimes(1);
    expect(spies.columns).toHaveBeenCalledWith('t1', ['use_ipv6', 'source_server']);
    expect(spies.column).not.toHaveBeenCalled();
    expect(tasks.find('t1')).toMatchObject({
      name: 'renamed',
      speed_limit: 5,
      migration_ip: '2001:db8::1',
      source_server: { id: 'a', ip: '2' },
    });
  });

  it('UpdateTask with an address of the family the task holds writes it without a read; another family is refused', async () => {
    const { tasks, spies, service: s } = service(false);
    tasks.put('v4', { state: 'READY' }, []);
    tasks.put('v6', { state: 'READY', use_ipv6: true }, []);
    await s.updateTask('v4', { migration_ip: '10.0.0.1', name: 'four' });
    await s.updateTask('v6', { migration_ip: '2001:db8::1' });
    expect(spies.columns).not.toHaveBeenCalled();
    await expect(s.updateTask('v4', { migration_ip: '2001:db8::2' })).rejects.toMatchObject({
      message: 'Invalid request parameter: migration_ip must be an IPv4 address when use_ipv6 is false',
    });
    await expect(s.updateTask('v6', { migration_ip: '10.0.0.2', name: 'x' })).rejects.toMatchObject({
      message: 'Invalid request parameter: migration_ip must be an IPv6 address when use_ipv6 is true',
    });
    await expect(s.updateTask('v6', { migration_ip: 'no address' })).rejects.toMatchObject({
      message: 'Invalid request parameter: migration_ip must be an IPv6 address when use_ipv6 is true',
    });
    expect([tasks.find('v4')?.migration_ip, tasks.find('v4')?.name]).toEqual(['10.0.0.1', 'four']);
    expect([tasks.find('v6')?.migration_ip, tasks.find('v6')?.name]).toEqual(['2001:db8::1', null]);
    // An address given with its use_ipv6, or none at all, needs nothing stored.
    spies.columns.mockClear();
    await s.updateTask('v4', { migration_ip: '2001:db8::3', use_ipv6: true });
    await s.updateTask('v4', { migration_ip: '' });
    await s.updateTask('v4', { migration_ip: null } as unknown as UpdateTaskBody);
    expect(spies.columns).not.toHaveBeenCalled();
  });

  it('UpdateTask answers 404 for a missing task before it looks at the body, and stores nothing', async () => {
    const { tasks, service: s } = service(false);
    const bodies = [
      { name: 'x' },
      { migration_ip: '2001:db8::1' },
      { migration_ip: '10.0.0.1' },
      { migration_ip: 'bad' },
      { migration_ip: 'bad', use_ipv6: false },
      { migration_ip: '10.0.0.1', use_ipv6: true },
    ];
    for (const body of bodies) {
      await expect(s.updateTask('missing', body as UpdateTaskBody)).rejects.toMatchObject({
        definition: { code: 'SMS.2003' },
      });
    }
    expect(tasks.exists('missing')).toBe(false);
  });

  it('UpdateTask with auto-create makes a READY task first, whichever way the body is stored', async () => {
    const { tasks, service: s } = service(true);
    await s.updateTask('a', { name: 'a' });
    await s.updateTask('b', { migration_ip: '10.0.0.1', target_server: { name: 't' } } as UpdateTaskBody);
    expect(tasks.find('a')).toMatchObject({ state: 'READY', create_date: clock.current, name: 'a' });
    expect(tasks.find('b')).toMatchObject({
      state: 'READY',
      create_date: clock.current,
      migration_ip: '10.0.0.1',
      target_server: { name: 't' },
    });
    await s.updateTask('d', { migration_ip: '10.0.0.2' });
    expect(tasks.find('d')).toMatchObject({ state: 'READY', migration_ip: '10.0.0.2' });
    for (const body of [
      { migration_ip: '2001:db8::1' },
      { migration_ip: 'bad' },
      { migration_ip: '10.0.0.1', use_ipv6: true },
    ]) {
      await expect(s.updateTask('c', body)).rejects.toMatchObject({ definition: { code: 'SMS.2001' } });
    }
    expect(tasks.exists('c')).toBe(false);
  });

  it('a report reads the state once, and moves it in the same UPDATE that stores its figures', async () => {
    const { tasks, spies, service: s } = service(true);
    tasks.put('t1', { state: 'READY' }, []);
    await s.reportProgress('t1', progressReport());
    await s.reportProgress('t1', progressReport({ progress: 50 }));
    expect(spies.lifecycle).toHaveBeenCalledTimes(2);
    expect(tasks.lifecycle('t1')).toMatchObject({ state: 'RUNNING', start_date: clock.current });
    // An unknown task, created by the report itself, starts as any other.
    await s.reportProgress('new', progressReport());
    expect(tasks.lifecycle('new')).toMatchObject({ state: 'RUNNING', start_date: clock.current });
    expect(tasks.listSamples('new')).toHaveLength(1);
  });

  it('reports that come together read each task once and leave what one report after another would', async () => {
    const sequential = openDatabase({ path: ':memory:' });
    try {
      const bodies = [
        progressReport({ subtask_name: 'SSL_CONFIG', progress: 100, remain_time: 60 }),
        progressReport({ progress: 10, migrate_speed: 5 }),
        progressReport({ subtask_name: 'NEW_ONE', progress: 30 }),
        progressReport({ progress: 20, migrate_speed: null }),
      ];
      const targets = ['t1', 't1', 't2', 't1', 't1'];
      const seed = (r: TaskRepository) => {
        r.put('t1', { state: 'READY' }, [{ id: 1, name: 'SSL_CONFIG' }]);
        r.put('t2', { state: 'RUNNING' }, []);
      };
      const together = service(true);
      seed(together.tasks);
      const reports = targets.map((id, index) => ({ id, body: bodies[index % bodies.length] as UpdateTaskSpeedBody }));
      await Promise.all(
        reports.map(({ id, body }, index) => {
          clock.current = 1000 + index;
          return together.service.reportProgress(id, body);
        }),
      );
      // Runs of one task, each reading its state once: t1 (two reports), t2, t1 (two reports).
      expect(together.spies.lifecycle.mock.calls.map(([id]) => id)).toEqual(['t1', 't2', 't1']);

      const tasks = createTaskRepository(sequential);
      seed(tasks);
      const alone = createTaskService({
        tasks,
        writes: createWriteQueue(sequential),
        clock,
        body: () => '',
        autoCreate: true,
      });
      for (const [index, { id, body }] of reports.entries()) {
        clock.current = 1000 + index;
        await alone.reportProgress(id, body);
      }
      for (const id of ['t1', 't2']) {
        expect(together.tasks.find(id)).toEqual(tasks.find(id));
        expect(together.tasks.listSamples(id)).toEqual(tasks.listSamples(id));
      }
      // SSL_CONFIG, t1's only subtask, reached 100 with the first report: the plan was done, the task finished then.
      expect(together.tasks.find('t1')).toMatchObject({
        state: 'MIGRATE_SUCCESS',
        start_date: 1000,
        finish_date: 1000,
        total_time: 0,
      });
    } finally {
      sequential.close();
    }
  });

  it('a report to a missing task among others that come with it: 404 for it alone, the others stored', async () => {
    const { tasks, service: s } = service(false);
    tasks.put('t1', { state: 'RUNNING' }, []);
    const results = await Promise.allSettled([
      s.reportProgress('t1', progressReport({ progress: 1 })),
      s.reportProgress('missing', progressReport()),
      s.reportProgress('t1', progressReport({ progress: 2 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ definition: { code: 'SMS.2003' } });
    expect(tasks.listSamples('t1').map((sample) => sample.progress)).toEqual([1, 2]);
    expect(tasks.exists('missing')).toBe(false);
  });
});
