import { describe, expect, it } from 'vitest';
import { ListTasksResponse, TasksResponseBody } from '../../../src/schemas/index.js';
import { api, dbSnapshot, type ErrorBody, json, sampleTask, type TaskFixture, useTestApp } from '../../helpers.js';
import { filled, looseIntegers, registerSource } from './life-cycle-fixtures.js';

const t = useTestApp();

interface ListBody {
  count: number;
  tasks: ({ id: string } & Record<string, unknown>)[];
}

const list = (query = '') => api(t.app, { method: 'GET', url: `/v3/tasks${query}` });
const listed = async (query = '') => {
  const response = await list(query);
  expect(response.statusCode, response.body).toBe(200);
  return json<ListBody>(response);
};
const put = (tasks: TaskFixture[]) => t.core.admin.putTasks(tasks);
const show = async (id: string) =>
  json<Record<string, unknown>>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));

describe('GET /v3/tasks (ListTasks)', () => {
  it('answers every task in the list item shape: ShowTask cut to the item fields, null where none', async () => {
    registerSource(t.db, { id: 'src-1', state: 'replicate', migration_cycle: 'replicating', connected: false });
    await put([
      {
        ...sampleTask('task-1'),
        enterprise_project_id: 'ep-1',
        log_collect_status: 'UPLOADED',
        syncing: true,
        clone_server: { vm_id: 'clone-1', name: 'web-01-clone', clone_state: 'FINISHED' },
        network_check_info: {
          network_delay: 1.5,
          network_jitter: 0.5,
          migration_speed: 100,
          loss_percentage: 0,
          cpu_usage: 10,
          mem_usage: 20,
          evaluation_result: 'GOOD..',
        },
        error_json: '',
        total_time: 0,
      },
    ]);
    t.db
      .prepare(
        'INSERT INTO task_configurations (task_id, position, config_key, config_value, config_status) VALUES (?, ?, ?, ?, ?)',
      )
      .run('task-1', 0, 'LINUX_CPU_LIMIT', '50', null);
    const body = await listed();
    const task = await show('task-1');
    expect(body).toEqual({
      count: 1,
      tasks: [
        filled(TasksResponseBody, {
          ...task,
          special_config: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '50', config_status: null }],
        }),
      ],
    });
    const [item] = body.tasks;
    // The source server as it is now (its state), cut to the item's fields.
    expect(item?.source_server).toEqual({
      id: 'src-1',
      ip: '10.0.0.5',
      name: 'web-01',
      os_type: 'LINUX',
      os_version: null,
      oem_system: null,
      state: 'replicate',
    });
    expect(item?.target_server).toEqual({
      id: 'tgt-1',
      vm_id: 'vm-1',
      name: 'web-01-target',
      ip: null,
      os_type: 'LINUX',
      os_version: null,
    });
    expect(item?.clone_server).toEqual({ vm_id: 'clone-1', name: 'web-01-clone' });
    expect(item?.sub_tasks).toEqual([
      { id: 11, name: 'CREATE_CLOUD_SERVER', progress: 0, start_date: null, end_date: null, process_trace: null },
      { id: 12, name: 'MIGRATE_LINUX_BLOCK', progress: 0, start_date: null, end_date: null, process_trace: null },
    ]);
    expect(Object.keys(item ?? {})).toEqual(Object.keys(TasksResponseBody.properties));
  });

  it('answers no tasks at all as {"count": 0, "tasks": []}; special_config is null without settings', async () => {
    expect(await listed()).toEqual({ count: 0, tasks: [] });
    await put([sampleTask('task-1')]);
    expect((await listed()).tasks[0]?.special_config).toBeNull();
  });

  it('lists newest first, in the order tasks were created', async () => {
    await put([sampleTask('b'), sampleTask('c'), sampleTask('a')]);
    registerSource(t.db, { id: 'src-9' });
    const created = json<{ id: string }>(
      await api(t.app, {
        method: 'POST',
        url: '/v3/tasks',
        payload: {
          name: 'n',
          type: 'MIGRATE_FILE',
          region_name: 'r',
          region_id: 'r',
          project_name: 'p',
          project_id: 'p',
          source_server: { id: 'src-9' },
          target_server: {},
        },
      }),
    ).id;
    expect((await listed()).tasks.map((task) => task.id)).toEqual([created, 'a', 'c', 'b']);
  });

  it('filters by state, name, id, source server and enterprise project, each an exact match, together', async () => {
    const task = (id: string, changes: Record<string, unknown>): TaskFixture => ({ ...sampleTask(id), ...changes });
    await put([
      task('t1', { state: 'RUNNING', name: 'web', enterprise_project_id: '0' }),
      task('t2', { state: 'READY', name: 'web', enterprise_project_id: '0' }),
      task('t3', { state: 'RUNNING', name: 'web-01', enterprise_project_id: '1' }),
      task('t4', {
        state: 'RUNNING',
        name: 'db',
        source_server: { id: 'src-4', ip: '10.0.0.4', name: 'db', os_type: 'LINUX' },
      }),
    ]);
    const ids = async (query: string) => {
      const body = await listed(query);
      expect(body.count).toBe(body.tasks.length);
      return body.tasks.map((item) => item.id).sort();
    };
    expect(await ids('?state=RUNNING')).toEqual(['t1', 't3', 't4']);
    expect(await ids('?name=web')).toEqual(['t1', 't2']);
    expect(await ids('?name=we')).toEqual([]);
    expect(await ids('?id=t3')).toEqual(['t3']);
    expect(await ids('?source_server_id=src-4')).toEqual(['t4']);
    expect(await ids('?source_server_id=src-1')).toEqual(['t1', 't2', 't3']);
    expect(await ids('?enterprise_project_id=0')).toEqual(['t1', 't2']);
    expect(await ids('?state=RUNNING&name=web&enterprise_project_id=0')).toEqual(['t1']);
    expect(await ids('?state=SYNC_F_ROLLBACKING')).toEqual([]);
    expect(await ids('?state=MIGRATE_SUCCESS&name=web')).toEqual([]);
  });

  it('pages by record offset: offset += 100 until an empty page reads 250 tasks once each, the count constant', async () => {
    const tasks = Array.from({ length: 250 }, (_, index) => ({
      ...sampleTask(`task-${String(index).padStart(3, '0')}`),
      sub_tasks: [{ id: index + 1, name: 'SSL_CONFIG', progress: 0 }],
    }));
    await put(tasks);
    const seen: string[] = [];
    const sizes: number[] = [];
    for (let offset = 0; ; offset += 100) {
      const body = await listed(`?limit=100&offset=${offset}`);
      expect(body.count).toBe(250);
      sizes.push(body.tasks.length);
      if (body.tasks.length === 0) break;
      seen.push(...body.tasks.map((task) => task.id));
    }
    expect(sizes).toEqual([100, 100, 50, 0]);
    expect(seen).toEqual(tasks.map((task) => task.id).reverse());
    // Without a limit, or with 0, a page holds 100; the limit and offset bound it otherwise.
    expect((await listed()).tasks).toHaveLength(100);
    expect((await listed('?limit=0')).tasks).toHaveLength(100);
    expect((await listed('?limit=200')).tasks).toHaveLength(200);
    expect((await listed('?limit=3&offset=248')).tasks.map((task) => task.id)).toEqual(['task-001', 'task-000']);
    expect(await listed('?offset=65535')).toEqual({ count: 250, tasks: [] });
  });

  it('keeps int64 exact and writes every integer as an integer literal (what a strict decoder needs)', async () => {
    await put([
      {
        ...sampleTask('big'),
        create_date: 9223372036854775807n,
        estimate_complete_time: 9007199254740993n,
        total_time: 0,
        sub_tasks: [{ id: 9007199254740993n, name: 'MIGRATE_LINUX_BLOCK', progress: 50, start_date: 1 }],
      },
    ]);
    const response = await list();
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"create_date":9223372036854775807');
    expect(response.body).toContain('"estimate_complete_time":9007199254740993');
    expect(response.body).toContain('"id":9007199254740993');
    expect(looseIntegers(response.body, ListTasksResponse)).toEqual([]);
  });

  it('shows every change made since the last listing: items kept between writes are dropped by the next one', async () => {
    registerSource(t.db, { id: 'src-1', state: 'waiting', migration_cycle: 'checking' });
    await put([sampleTask('task-1'), sampleTask('task-2')]);
    const before = await listed();
    expect(await listed()).toEqual(before);

    // A progress report, a rename, an action, a change to the source server and a new task each show at once.
    await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      payload: {
        subtask_name: 'MIGRATE_LINUX_BLOCK',
        progress: 40,
        replicatesize: 4,
        totalsize: 10,
        process_trace: 'x',
      },
    });
    await api(t.app, { method: 'PUT', url: '/v3/tasks/task-2', payload: { name: 'renamed' } });
    const changed = await api(t.app, {
      method: 'PUT',
      url: '/v3/sources/src-1/changestate',
      payload: { copystate: 'stopped', migrationcycle: 'replicating' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const after = await listed();
    const byId = new Map(after.tasks.map((task) => [task.id, task]));
    const first = byId.get('task-1') as unknown as {
      sub_tasks: { name: string; progress: number }[];
      source_server: object;
    };
    expect(byId.get('task-2')?.name).toBe('renamed');
    expect(first.sub_tasks.find((s) => s.name === 'MIGRATE_LINUX_BLOCK')?.progress).toBe(40);
    expect(first.source_server).toMatchObject({ state: 'stopped' });
    for (const task of after.tasks) {
      expect(task).toEqual(filled(TasksResponseBody, { ...(await show(task.id)), special_config: null }));
    }

    await put([sampleTask('task-3')]);
    expect((await listed()).tasks.map((task) => task.id)).toEqual(['task-3', 'task-2', 'task-1']);
  });

  it('reads no progress reports: a task with many lists as one without', async () => {
    await put([sampleTask('task-1')]);
    const before = (await list()).body;
    for (let i = 0; i < 20; i++) {
      await api(t.app, {
        method: 'PUT',
        url: '/v3/tasks/task-1/progress',
        payload: { subtask_name: 'SSL_CONFIG', progress: 1, replicatesize: 1, totalsize: 2, process_trace: 'x' },
      });
    }
    // What the reports changed in the task itself goes back: only reading them could still tell.
    t.db.prepare("UPDATE tasks SET state = 'READY', start_date = NULL, subtask_info = NULL WHERE id = 'task-1'").run();
    t.db.prepare("DELETE FROM sub_tasks WHERE name = 'SSL_CONFIG'").run();
    expect((await list()).body).toEqual(before);
  });

  it.each([
    ['?limit=201', 'limit must be <= 200'],
    ['?limit=-1', 'limit must be >= 0'],
    ['?limit=ten', 'limit must be integer'],
    // Past the doubles' range: Ajv's coercion made these Infinity, which its bounds let through (a 500 from SQLite).
    ['?limit=1e400', 'limit must be a finite number'],
    ['?offset=-1e400', 'offset must be a finite number'],
    ['?offset=65536', 'offset must be <= 65535'],
    ['?state=DONE', 'state must be one of'],
    [`?id=${'x'.repeat(37)}`, 'id must be at most 36 characters'],
    ['?name=', 'name must be at least 1 characters'],
  ])('refuses %s with 400 SMS.2001 naming the parameter', async (query, message) => {
    await put([sampleTask('task-1')]);
    const before = dbSnapshot(t.db);
    const response = await list(query);
    expect(response.statusCode).toBe(400);
    const error = json<ErrorBody>(response);
    expect(error.error_code).toBe('SMS.2001');
    expect(error.error_msg).toContain(message);
    expect(dbSnapshot(t.db)).toEqual(before);
  });
});
