import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Db, openDatabase } from '../../../src/db/database.js';
import {
  createTaskRepository,
  MAX_UPDATE_STATEMENTS,
  type TaskFields,
  type TaskRepository,
} from '../../../src/sms/tasks/repository.js';
import { progressReport, rowCount } from '../../helpers.js';

let db: Db;
let repo: TaskRepository;

beforeEach(() => {
  db = openDatabase({ path: ':memory:' });
  repo = createTaskRepository(db);
});
afterEach(() => db.close());

const report = progressReport();

describe('task repository', () => {
  it('stores and reads back a task with nested documents, subtasks ordered by id, int64 exact', () => {
    repo.put(
      't1',
      {
        name: 'n',
        state: 'READY',
        create_date: 1,
        start_target_server: true,
        migrate_speed: 1.5,
        target_server: { disks: [{ size: 9223372036854775807n, name: '\u0000' }] },
        total_time: 9223372036854775807n,
      },
      [
        { id: 9, name: 'B', progress: 5 },
        { id: 3, name: 'A' },
      ],
    );
    const task = repo.find('t1');
    expect(task?.name).toBe('n');
    expect(task?.start_target_server).toBe(true);
    expect(task?.connected).toBeNull();
    expect(task?.migrate_speed).toBe(1.5);
    expect(task?.total_time).toBe(9223372036854775807n);
    expect(task?.create_date).toBe(1);
    expect(task?.target_server).toEqual({ disks: [{ size: 9223372036854775807n, name: '\u0000' }] });
    expect(task?.sub_tasks.map((s) => [s.id, s.name, s.progress])).toEqual([
      [3, 'A', 0],
      [9, 'B', 5],
    ]);
  });

  it('updates only the given columns', () => {
    repo.put('t1', { name: 'a', region_id: 'r' }, []);
    expect(repo.update('t1', { name: 'b', connected: false })).toBe(true);
    const task = repo.find('t1');
    expect([task?.name, task?.region_id, task?.connected]).toEqual(['b', 'r', false]);
    expect(repo.update('missing', { name: 'x' })).toBe(false);
  });

  it('applies a progress report: sample, subtask and live fields, and the state and start date it is told', () => {
    repo.put('t1', { state: 'READY', create_date: 1 }, [{ id: 5, name: 'MIGRATE_LINUX_BLOCK', progress: 0 }]);
    expect(repo.lifecycle('t1')).toEqual({
      state: 'READY',
      start_date: null,
      finish_date: null,
      syncing: false,
      launched: false,
      source_server_id: null,
    });
    expect(repo.lifecycle('missing')).toBeUndefined();
    const moves = { state: 'RUNNING', start_date: 1000 };
    expect(repo.applyProgress('t1', { ...report, migrate_speed: 12.5, remain_time: 60 }, 1000, moves)).toBe(true);
    let task = repo.find('t1');
    expect(task?.state).toBe('RUNNING');
    expect(task?.start_date).toBe(1000);
    expect(task?.migrate_speed).toBe(12.5);
    expect(task?.remain_seconds).toBe(60);
    expect(task?.estimate_complete_time).toBe(61000);
    expect(task?.sub_tasks).toEqual([
      {
        id: 5,
        name: 'MIGRATE_LINUX_BLOCK',
        progress: 40,
        start_date: 1000,
        end_date: null,
        migrate_speed: 12.5,
        user_op: null,
        process_trace: 'copying /dev/vda1',
      },
    ]);

    expect(repo.applyProgress('t1', { ...report, progress: 100 }, 2000)).toBe(true);
    task = repo.find('t1');
    expect(task?.start_date).toBe(1000);
    expect(task?.migrate_speed).toBe(12.5);
    expect(task?.sub_tasks[0]).toMatchObject({ progress: 100, start_date: 1000, end_date: 2000 });
    expect(repo.listSamples('t1').map((s) => [s.progress, s.received_at, s.migrate_speed])).toEqual([
      [40, 1000, 12.5],
      [100, 2000, null],
    ]);
  });

  it('updates only when the stored use_ipv6 is the one given, a null counting as false', () => {
    repo.put('v4', { use_ipv6: null }, []);
    repo.put('v6', { use_ipv6: true }, []);
    expect(repo.update('v4', { migration_ip: '2001:db8::1' }, true)).toBe(false);
    expect(repo.update('v6', { migration_ip: '10.0.0.1', name: 'x' }, false)).toBe(false);
    expect([repo.find('v4')?.migration_ip, repo.find('v6')?.migration_ip, repo.find('v6')?.name]).toEqual([
      null,
      null,
      null,
    ]);
    expect(repo.update('v4', { migration_ip: '10.0.0.1' }, false)).toBe(true);
    expect(repo.update('v6', { migration_ip: '2001:db8::1' }, true)).toBe(true);
    expect([repo.find('v4')?.migration_ip, repo.find('v6')?.migration_ip]).toEqual(['10.0.0.1', '2001:db8::1']);
    expect(repo.update('missing', { migration_ip: '10.0.0.1' }, false)).toBe(false);
    expect([repo.update('v6', {}, true), repo.update('v6', {}, false), repo.update('missing', {}, false)]).toEqual([
      true,
      false,
      false,
    ]);
    // Past the statements kept per set of columns, the statement for any set keeps the condition too.
    for (let i = 0; i < 2 * MAX_UPDATE_STATEMENTS; i++)
      repo.update('v4', { priority: i, speed_limit: i % 3 }, i % 2 === 0);
    const many = ['name', 'type', 'os_type', 'region_id', 'project_id', 'float_ip'] as const;
    for (let mask = 1; mask < 2 ** many.length; mask++) {
      const fields = Object.fromEntries(many.filter((_, bit) => mask & (1 << bit)).map((c) => [c, `m${mask}`]));
      repo.update('v4', fields, false);
      repo.update('v4', fields, false);
    }
    expect(repo.update('v4', { name: 'kept', connected: true }, true)).toBe(false);
    expect(repo.update('v4', { name: 'changed', connected: true }, false)).toBe(true);
    expect(repo.find('v4')?.name).toBe('changed');
  });

  it('reads several columns in one go, undefined for a task that does not exist', () => {
    repo.put('t1', { use_ipv6: true, source_server: { id: 's', size: 9223372036854775807n } }, []);
    expect(repo.columns('t1', ['use_ipv6', 'source_server', 'target_server'])).toEqual({
      use_ipv6: true,
      source_server: { id: 's', size: 9223372036854775807n },
      target_server: null,
    });
    expect(repo.columns('t1', [])).toEqual({});
    expect(repo.columns('missing', ['use_ipv6'])).toBeUndefined();
    expect(repo.columns('missing', [])).toBeUndefined();
    expect(() => repo.columns('t1', ['id; DROP TABLE tasks' as 'name'])).toThrow('unknown task column');
  });

  it('appends a subtask the task does not have yet, with the next id', () => {
    repo.put('t1', { state: 'RUNNING' }, [{ id: 7, name: 'A' }]);
    repo.put('t2', { state: 'RUNNING' }, [{ id: 20, name: 'A' }]);
    repo.applyProgress('t1', { ...report, subtask_name: 'SSL_CONFIG', progress: 100 }, 5);
    expect(repo.find('t1')?.sub_tasks.map((s) => [s.id, s.name, s.progress, s.start_date, s.end_date])).toEqual([
      [7, 'A', 0, null, null],
      [21, 'SSL_CONFIG', 100, 5, 5],
    ]);
    expect(repo.find('t1')?.state).toBe('RUNNING');
  });

  it('stores nothing for an unknown task', () => {
    expect(repo.applyProgress('nope', report, 1)).toBe(false);
    expect(rowCount(db, 'progress_samples')).toBe(0);
    expect(rowCount(db, 'sub_tasks')).toBe(0);
  });

  it('keeps int64 sizes exact in samples', () => {
    repo.put('t1', { state: 'READY' }, []);
    repo.applyProgress('t1', { ...report, replicatesize: 9223372036854775807n, totalsize: 9223372036854775807n }, 1);
    const [sample] = repo.listSamples('t1');
    expect(sample?.replicatesize).toBe(9223372036854775807n);
    expect(sample?.totalsize).toBe(9223372036854775807n);
  });

  it('put replaces a task with its subtasks and samples; delete cascades', () => {
    repo.put('t1', { name: 'old' }, [{ id: 1, name: 'A' }]);
    repo.applyProgress('t1', report, 1);
    repo.put('t1', { name: 'new' }, []);
    expect(repo.find('t1')?.name).toBe('new');
    expect(repo.find('t1')?.sub_tasks).toEqual([]);
    expect(rowCount(db, 'progress_samples')).toBe(0);

    repo.applyProgress('t1', report, 1);
    expect(repo.delete('t1')).toBe(true);
    expect(repo.delete('t1')).toBe(false);
    expect([rowCount(db, 'tasks'), rowCount(db, 'sub_tasks'), rowCount(db, 'progress_samples')]).toEqual([0, 0, 0]);
  });

  it('numbers an id-less subtask after the highest id anywhere, never reusing one given later in its list', () => {
    repo.put('t0', {}, [{ id: 40, name: 'elsewhere' }]);
    repo.put('t1', {}, [{ name: 'A' }, { id: 41, name: 'B' }, { name: 'C' }, { id: 7, name: 'D' }]);
    expect(repo.find('t1')?.sub_tasks.map((s) => [s.id, s.name])).toEqual([
      [7, 'D'],
      [41, 'B'],
      [42, 'A'],
      [43, 'C'],
    ]);
    repo.replaceSubTasks('t1', [{ name: 'E' }, { id: 44, name: 'F' }]);
    expect(repo.find('t1')?.sub_tasks.map((s) => [s.id, s.name])).toEqual([
      [44, 'F'],
      [45, 'E'],
    ]);
  });

  it('numbers within its own task once the highest id anywhere is 2^63 - 1, leaving other tasks alone', () => {
    const max = 9223372036854775807n;
    repo.put('big', { state: 'RUNNING' }, [{ id: max, name: 'A' }]);
    repo.put('other', { state: 'RUNNING' }, [
      { id: 1, name: 'CREATE_CLOUD_SERVER' },
      { id: 3, name: 'MIGRATE_LINUX_BLOCK' },
    ]);

    expect(repo.applyProgress('other', { ...report, subtask_name: 'SSL_CONFIG' }, 5)).toBe(true);
    expect(repo.applyProgress('other', { ...report, subtask_name: 'CONFIGURE_LINUX' }, 6)).toBe(true);
    expect(repo.find('other')?.sub_tasks.map((s) => [s.id, s.name])).toEqual([
      [1, 'CREATE_CLOUD_SERVER'],
      [2, 'SSL_CONFIG'],
      [3, 'MIGRATE_LINUX_BLOCK'],
      [4, 'CONFIGURE_LINUX'],
    ]);

    repo.replaceSubTasks('other', [{ name: 'X' }, { id: 1, name: 'Y' }, { name: 'Z' }]);
    expect(repo.find('other')?.sub_tasks.map((s) => [s.id, s.name])).toEqual([
      [1, 'Y'],
      [2, 'X'],
      [3, 'Z'],
    ]);
    // In its own list too: past the given 2^63 - 1 there is no higher id to take.
    repo.replaceSubTasks('big', [{ id: max, name: 'A' }, { name: 'B' }]);
    expect(repo.find('big')?.sub_tasks.map((s) => [s.id, s.name])).toEqual([
      [1, 'B'],
      [max, 'A'],
    ]);
    const stored = db.prepare('SELECT typeof(id) FROM sub_tasks').pluck().all();
    expect(new Set(stored)).toEqual(new Set(['integer']));
  });

  it('prepares one update statement per set of columns that comes twice, whatever their order, and no more', () => {
    repo.put('t1', { name: 'a' }, []);
    const prepare = vi.spyOn(db, 'prepare');
    repo.update('t1', { name: 'b', region_id: 'r', speed_limit: 5 });
    expect(repo.find('t1')).toMatchObject({ name: 'b', region_id: 'r', speed_limit: 5 });
    repo.update('t1', { speed_limit: 6, name: 'c', region_id: 's' });
    repo.update('t1', { region_id: 't', speed_limit: 7, name: 'd' });
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(repo.find('t1')).toMatchObject({ name: 'd', region_id: 't', speed_limit: 7 });

    // Many more distinct sets, each used twice, then in any order: the number of statements stays bounded.
    const columns = ['type', 'os_type', 'region_name', 'project_name', 'project_id', 'state', 'float_ip', 'priority'];
    const sets: Partial<TaskFields>[] = [];
    for (let mask = 1; mask < 2 ** columns.length; mask++) {
      sets.push(Object.fromEntries(columns.filter((_, bit) => mask & (1 << bit)).map((c) => [c, null])));
    }
    for (const fields of [...sets, ...sets, ...sets.reverse()]) repo.update('t1', fields);
    expect(prepare).toHaveBeenCalledTimes(MAX_UPDATE_STATEMENTS);

    // Beyond the bound, every set of columns still updates exactly the columns given.
    repo.update('t1', { name: 'e', connected: true, total_time: 9223372036854775807n, target_server: { a: 1 } });
    repo.update('t1', { connected: false, name: null });
    const task = repo.find('t1');
    expect([task?.name, task?.connected, task?.total_time, task?.target_server]).toEqual([
      null,
      false,
      9223372036854775807n,
      { a: 1 },
    ]);
    expect([task?.region_id, task?.speed_limit]).toEqual(['t', 7]);
    expect(prepare).toHaveBeenCalledTimes(MAX_UPDATE_STATEMENTS);
    expect(repo.update('missing', { name: 'x', type: null })).toBe(false);
    expect(repo.update('t1', {})).toBe(true);
  });
});

describe('several reports in one go', () => {
  const names = ['MIGRATE_LINUX_BLOCK', 'SSL_CONFIG', 'CONFIGURE_LINUX'] as const;
  const optional = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined, freq: 3 });
  const reportArb = fc.record({
    report: fc.record({
      subtask_name: fc.constantFrom(...names),
      progress: fc.constantFrom(0, 40, 99, 100),
      replicatesize: fc.constantFrom(1, 9223372036854775807n),
      totalsize: fc.constant(10),
      process_trace: fc.string({ maxLength: 3 }),
      migrate_speed: optional(fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: null })),
      compress_rate: optional(fc.constant(1.5)),
      remain_time: optional(fc.option(fc.constantFrom(0, 60, 9007199254740991), { nil: null })),
      total_cpu_usage: optional(fc.constant(12.5)),
      agent_disk_io: optional(fc.constant(3)),
      need_migration_test: optional(fc.option(fc.boolean(), { nil: null })),
      agent_time: optional(fc.constant('2026-11-23 05:20:57')),
    }),
    step: fc.integer({ min: 0, max: 3 }),
  });
  const startArb = fc.record({
    subTasks: fc.subarray([...names]),
    startDate: fc.option(fc.constant(5), { nil: null }),
    endDate: fc.option(fc.constant(6), { nil: null }),
  });

  it('leave the task, its subtasks and samples exactly as applying them one after another would', () => {
    fc.assert(
      fc.property(startArb, fc.array(reportArb, { minLength: 2, maxLength: 8 }), (start, steps) => {
        const stores = [openDatabase({ path: ':memory:' }), openDatabase({ path: ':memory:' })];
        try {
          const [one, all] = stores.map((d) => {
            const r = createTaskRepository(d);
            r.put('other', {}, [{ id: 50, name: 'elsewhere' }]);
            r.put(
              't1',
              { state: 'RUNNING', migrate_speed: 2, remain_seconds: 7, estimate_complete_time: 8 },
              start.subTasks.map((name, index) => ({
                id: index + 1,
                name,
                progress: 50,
                start_date: start.startDate,
                end_date: start.endDate,
                migrate_speed: 1,
              })),
            );
            return r;
          }) as [TaskRepository, TaskRepository];
          let now = 1000;
          const received = steps.map(({ report, step }) => {
            now += step;
            return {
              report: Object.fromEntries(Object.entries(report).filter(([, v]) => v !== undefined)),
              receivedAt: now,
            };
          }) as { report: typeof report; receivedAt: number }[];
          const moves = { state: 'SYNCING', start_date: 3 };
          received.forEach(({ report: r, receivedAt }, index) => {
            one.applyProgress('t1', r, receivedAt, index === 0 ? moves : undefined);
          });
          expect(all.applyReports('t1', received, moves)).toBe(true);
          expect(all.find('t1')).toEqual(one.find('t1'));
          expect(all.listSamples('t1')).toEqual(one.listSamples('t1'));
          expect(all.find('other')).toEqual(one.find('other'));
        } finally {
          for (const d of stores) d.close();
        }
      }),
      { numRuns: 300, seed: 20261126 },
    );
  }, 60_000); // 300 runs of two databases each: seconds alone, more on two cores shared with the rest of the suite

  it('store nothing for a task that does not exist', () => {
    expect(
      repo.applyReports('nope', [
        { report, receivedAt: 1 },
        { report, receivedAt: 2 },
      ]),
    ).toBe(false);
    expect(rowCount(db, 'progress_samples')).toBe(0);
    expect(rowCount(db, 'sub_tasks')).toBe(0);
  });
});
