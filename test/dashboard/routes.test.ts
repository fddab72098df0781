// The dashboard's read routes over tasks, subtasks, samples and sources put in through the API; its own controls'
// route (POST /_mock/tasks/{id}/action) and the journal's `last`; all of it outside the journal and fault rules.
import { describe, expect, it } from 'vitest';
import { api, dbSnapshot, json, progressReport, sampleTask, useTestApp } from '../helpers.js';
import { setClock, startedTask } from '../sms/simulation/fixtures.js';

const t = useTestApp();

async function put(task: Record<string, unknown>): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: `/_mock/tasks/${String(task.id)}`, payload: task });
  expect(response.statusCode, response.body).toBe(200);
}

async function report(id: string, changes: Record<string, unknown>): Promise<void> {
  const response = await api(t.app, {
    method: 'PUT',
    url: `/v3/tasks/${id}/progress`,
    payload: progressReport(changes),
  });
  expect([response.statusCode, response.body]).toEqual([200, '{}']);
}

async function get<T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }> {
  const response = await t.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: json<T>(response) };
}

/** Two stored tasks: one READY, one RUNNING half way through its copy with two reports. */
async function twoTasks(): Promise<void> {
  await put({ ...sampleTask('task-ready'), name: 'cache-03', create_date: 1_700_000_000_000 });
  await put({
    ...sampleTask('task-running'),
    name: 'DB-01',
    state: 'RUNNING',
    create_date: 1_700_000_100_000,
    start_date: 1_700_000_200_000,
    speed_limit: 80,
    sub_tasks: [
      {
        id: 11,
        name: 'CREATE_CLOUD_SERVER',
        progress: 100,
        start_date: 1_700_000_200_000,
        end_date: 1_700_000_260_000,
      },
      { id: 12, name: 'MIGRATE_LINUX_BLOCK', progress: 0, user_op: 'REPLICATE' },
      { id: 13, name: 'CONFIGURE_LINUX_BLOCK', progress: 0 },
    ],
  });
  await report('task-running', { progress: 20, replicatesize: 2000, migrate_speed: 30, total_cpu_usage: 10 });
  t.clock.advance(10_000);
  await report('task-running', { progress: 50, replicatesize: 5000, migrate_speed: 60.5, total_cpu_usage: 20 });
}

const READY_ROW = {
  id: 'task-ready',
  name: 'cache-03',
  state: 'READY',
  type: 'MIGRATE_BLOCK',
  os_type: 'LINUX',
  progress: 0,
  subtasks: 2,
  subtasks_done: 0,
  current_subtask: 'CREATE_CLOUD_SERVER',
  current_progress: 0,
  replicated_bytes: null,
  total_bytes: null,
  migrate_speed: null,
  speed_limit: 0,
  remain_seconds: null,
  source_id: 'src-1',
  source_name: 'web-01',
  create_date: 1_700_000_000_000,
  start_date: null,
  finish_date: null,
  simulation: null,
};

describe('GET /_mock/ui/api/board', () => {
  it('answers every task, newest first, with its progress from the subtasks and its last report', async () => {
    await twoTasks();
    const board = await get('/_mock/ui/api/board');
    expect(board).toEqual({
      status: 200,
      body: {
        count: 2,
        tasks: [
          {
            ...READY_ROW,
            id: 'task-running',
            name: 'DB-01',
            state: 'RUNNING',
            // One of three subtasks done, the running one at 50 %: (1 + 0.5) / 3.
            progress: 50,
            subtasks: 3,
            subtasks_done: 1,
            current_subtask: 'MIGRATE_LINUX_BLOCK',
            current_progress: 50,
            replicated_bytes: 5000,
            total_bytes: 10000,
            migrate_speed: 60.5,
            speed_limit: 80,
            create_date: 1_700_000_100_000,
            start_date: 1_700_000_200_000,
          },
          READY_ROW,
        ],
      },
    });
  });

  it('filters by state and by part of the name or id, in any case, and counts past the limit', async () => {
    await twoTasks();
    const ids = async (query: string) => {
      const { status, body } = await get<{ count: number; tasks: { id: string }[] }>(`/_mock/ui/api/board?${query}`);
      expect(status).toBe(200);
      return [body.count, body.tasks.map((task) => task.id)];
    };
    expect(await ids('state=READY')).toEqual([1, ['task-ready']]);
    expect(await ids('name=db-')).toEqual([1, ['task-running']]);
    expect(await ids('name=TASK-R')).toEqual([2, ['task-running', 'task-ready']]);
    expect(await ids('name=nothing')).toEqual([0, []]);
    expect(await ids('limit=1')).toEqual([2, ['task-running']]);
    expect(await ids('state=RUNNING&name=cache')).toEqual([0, []]);
  });

  it('refuses a query it does not know, in the vendor shape', async () => {
    for (const [query, message] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['colour=red', 'colour'],
      ['state=NOPE', 'state'],
    ]) {
      const response = await t.app.inject({ method: 'GET', url: `/_mock/ui/api/board?${query}` });
      expect(response.statusCode).toBe(400);
      const body = json<{ error_code: string; error_msg: string }>(response);
      expect(body.error_code).toBe('SMS.2001');
      expect(body.error_msg).toContain(message);
    }
  });
});

describe('GET /_mock/ui/api/tasks/{id}', () => {
  it("shows the task's subtasks as a timeline: done, running, planned", async () => {
    await twoTasks();
    const view = await get<{ task: Record<string, unknown>; subtasks: unknown[]; speed_limits: unknown[] }>(
      '/_mock/ui/api/tasks/task-running',
    );
    expect(view.status).toBe(200);
    expect(view.body.task).toMatchObject({
      id: 'task-running',
      state: 'RUNNING',
      samples: 2,
      first_sample_at: t.clock.current - 10_000,
      last_sample_at: t.clock.current,
      target_name: 'web-01-target',
    });
    expect(view.body.subtasks).toEqual([
      {
        id: 11,
        name: 'CREATE_CLOUD_SERVER',
        progress: 100,
        status: 'done',
        start_date: 1_700_000_200_000,
        end_date: 1_700_000_260_000,
        process_trace: null,
      },
      {
        id: 12,
        name: 'MIGRATE_LINUX_BLOCK',
        progress: 50,
        status: 'running',
        start_date: t.clock.current - 10_000,
        end_date: null,
        process_trace: 'copying /dev/vda1',
      },
      {
        id: 13,
        name: 'CONFIGURE_LINUX_BLOCK',
        progress: 0,
        status: 'planned',
        start_date: null,
        end_date: null,
        process_trace: null,
      },
    ]);
    expect(view.body.speed_limits).toEqual([]);
  });

  it('marks the subtask a failed task stopped at as failed, and a stopped one as paused', async () => {
    await twoTasks();
    await put({
      ...sampleTask('task-running'),
      state: 'MIGRATE_FAIL',
      sub_tasks: [
        { id: 11, name: 'CREATE_CLOUD_SERVER', progress: 100 },
        { id: 12, name: 'MIGRATE_LINUX_BLOCK', progress: 40, start_date: 1_700_000_000_000 },
      ],
    });
    const statuses = async () =>
      (await get<{ subtasks: { status: string }[] }>('/_mock/ui/api/tasks/task-running')).body.subtasks.map(
        (step) => step.status,
      );
    expect(await statuses()).toEqual(['done', 'failed']);
    await put({
      ...sampleTask('task-running'),
      state: 'ABORT',
      sub_tasks: [
        { id: 11, name: 'CREATE_CLOUD_SERVER', progress: 100 },
        { id: 12, name: 'MIGRATE_LINUX_BLOCK', progress: 40, start_date: 1_700_000_000_000 },
      ],
    });
    expect(await statuses()).toEqual(['done', 'paused']);
  });

  it('answers 404 in the vendor shape for a task that does not exist', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/_mock/ui/api/tasks/nope' });
    expect(response.statusCode).toBe(404);
    expect(json(response)).toEqual({
      error_code: 'SMS.2003',
      error_msg: 'The migration task does not exist: nope',
    });
  });
});

describe('GET /_mock/ui/api/tasks/{id}/series', () => {
  it('gives one point per sample when they fit, with the speed limit in force at each', async () => {
    await twoTasks();
    const at = t.clock.current;
    const series = await get(`/_mock/ui/api/tasks/task-running/series`);
    expect(series).toEqual({
      status: 200,
      body: {
        task_id: 'task-running',
        from: at - 10_000,
        to: at,
        bucket_ms: 0,
        samples: 2,
        t: [at - 10_000, at],
        replicated: [2000, 5000],
        total: [10000, 10000],
        speed: [30, 60.5],
        speed_max: [30, 60.5],
        limit: [80, 80],
        cpu: [10, 20],
        agent_cpu: [null, null],
        mem: [null, null],
        agent_mem: [null, null],
        disk: [null, null],
        agent_disk: [null, null],
      },
    });
  });

  it('buckets a simulated day of samples on the server: points stay under the limit, bytes end where the copy ended', async () => {
    const { id } = await startedTask(t);
    await setClock(t, { advance_ms: 24 * 3600_000 });
    const samples = t.db
      .prepare('SELECT received_at, replicatesize FROM progress_samples WHERE task_id = ? ORDER BY seq')
      .all(id) as { received_at: number; replicatesize: number }[];
    expect(samples.length).toBeGreaterThan(50);
    const points = 20;
    const { status, body } = await get<{
      bucket_ms: number;
      samples: number;
      t: number[];
      replicated: number[];
      speed: number[];
      speed_max: number[];
    }>(`/_mock/ui/api/tasks/${id}/series?points=${points}`);
    expect(status).toBe(200);
    expect(body.samples).toBe(samples.length);
    const first = samples[0] as { received_at: number };
    const last = samples.at(-1) as { received_at: number; replicatesize: number };
    expect(body.bucket_ms).toBe(Math.ceil((last.received_at - first.received_at + 1) / points));
    expect(body.t.length).toBeLessThanOrEqual(points);
    expect(body.t.length).toBeGreaterThan(points / 2);
    expect(body.t).toEqual([...body.t].sort((a, b) => a - b));
    expect(body.t.at(-1)).toBe(last.received_at);
    expect(body.replicated.at(-1)).toBe(last.replicatesize);
    body.speed.forEach((average, index) => {
      expect(average).toBeLessThanOrEqual(body.speed_max[index] as number);
    });
    // A range reads that part alone.
    const middle = first.received_at + Math.floor((last.received_at - first.received_at) / 2);
    const part = await get<{ samples: number; t: number[] }>(
      `/_mock/ui/api/tasks/${id}/series?from=${first.received_at}&to=${middle}`,
    );
    expect(part.body.samples).toBe(samples.filter((s) => s.received_at <= middle).length);
    expect(Math.max(...part.body.t)).toBeLessThanOrEqual(middle);
  });

  it('answers the new samples of a task replaced through the mock API, on a clock that stands still', async () => {
    const read = async () => (await get<{ replicated: number[] }>('/_mock/ui/api/tasks/task-1/series')).body.replicated;
    await put({ ...sampleTask('task-1') });
    await report('task-1', { replicatesize: 1000 });
    await report('task-1', { replicatesize: 2000 });
    expect(await read()).toEqual([1000, 2000]);
    // Replaced: its samples go, and the new ones are numbered from 1 again, at the same times.
    await put({ ...sampleTask('task-1') });
    await report('task-1', { replicatesize: 7000 });
    await report('task-1', { replicatesize: 9000 });
    expect(await read()).toEqual([7000, 9000]);
    // A new speed limit is drawn at once, with no new sample.
    await put({ ...sampleTask('task-1'), speed_limit: 0 });
    await report('task-1', { replicatesize: 7000 });
    const before = (await get<{ limit: (number | null)[] }>('/_mock/ui/api/tasks/task-1/series')).body.limit;
    expect(before).toEqual([null]);
    const limited = await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1', payload: { speed_limit: 40 } });
    expect(limited.statusCode, limited.body).toBe(200);
    expect((await get<{ limit: number[] }>('/_mock/ui/api/tasks/task-1/series')).body.limit).toEqual([40]);
  });

  it('refuses a range that ends before it starts, and answers 404 for an unknown task', async () => {
    await twoTasks();
    const backwards = await t.app.inject({
      method: 'GET',
      url: '/_mock/ui/api/tasks/task-running/series?from=10&to=5',
    });
    expect([backwards.statusCode, json(backwards)]).toEqual([
      400,
      { error_code: 'SMS.2001', error_msg: 'Invalid request parameter: from must not be after to' },
    ]);
    const missing = await t.app.inject({ method: 'GET', url: '/_mock/ui/api/tasks/nope/series' });
    expect(missing.statusCode).toBe(404);
    for (const query of ['points=9', 'from=1e400', 'from=99999999999999999999', 'to=253402300800000', 'colour=red']) {
      const refused = await t.app.inject({ method: 'GET', url: `/_mock/ui/api/tasks/task-running/series?${query}` });
      expect(refused.statusCode, query).toBe(400);
    }
    for (const url of ['/_mock/ui/api/sources?x=1', '/_mock/ui/api/meta?x=1', '/_mock/ui/api/events?x=1']) {
      const refused = await t.app.inject({ method: 'GET', url });
      expect([refused.statusCode, json<{ error_code: string }>(refused).error_code], url).toEqual([400, 'SMS.2001']);
    }
  });
});

describe('GET /_mock/ui/api/sources', () => {
  it('lists source servers with their checks, connection and current task', async () => {
    const { id, sourceId } = await startedTask(t);
    const { status, body } = await get<{ count: number; sources: Record<string, unknown>[] }>('/_mock/ui/api/sources');
    expect(status).toBe(200);
    expect(body.count).toBe(1);
    expect(body.sources[0]).toMatchObject({
      id: sourceId,
      name: 'web-01',
      ip: '192.168.0.10',
      os_type: 'LINUX',
      connected: true,
      current_task: { id, name: 'web-01', state: 'RUNNING' },
    });
    const checks = body.sources[0]?.checks as { result: string }[];
    expect(checks.length).toBeGreaterThan(5);
    expect(checks.every((check) => check.result === 'OK')).toBe(true);
  });
});

describe('POST /_mock/tasks/{id}/action', () => {
  it("runs the action with UpdateTaskStatus's rules and answers the task, outside the journal", async () => {
    await put({ ...sampleTask('task-ready') });
    const before = t.core.journal.size;
    const started = await t.app.inject({
      method: 'POST',
      url: '/_mock/tasks/task-ready/action',
      payload: { operation: 'start' },
    });
    expect(started.statusCode).toBe(200);
    expect(json<{ id: string; state: string }>(started)).toMatchObject({ id: 'task-ready', state: 'RUNNING' });
    expect(t.db.prepare("SELECT state FROM tasks WHERE id = 'task-ready'").pluck().get()).toBe('RUNNING');
    expect(t.core.journal.size).toBe(before);
  });

  it('refuses what the state machine refuses, changing nothing', async () => {
    await put({ ...sampleTask('task-ready') });
    const stored = dbSnapshot(t.db);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/_mock/tasks/task-ready/action',
      payload: { operation: 'stop' },
    });
    expect(refused.statusCode).toBe(400);
    expect(json<{ error_code: string }>(refused).error_code).toBe('SMS.1038');
    expect(dbSnapshot(t.db)).toEqual(stored);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/_mock/tasks/nope/action',
      payload: { operation: 'start' },
    });
    expect(unknown.statusCode).toBe(404);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/_mock/tasks/task-ready/action',
      payload: { operation: 'launch' },
    });
    expect(bad.statusCode).toBe(400);
    expect(dbSnapshot(t.db)).toEqual(stored);
  });
});

describe('the journal for the dashboard', () => {
  it('last=N answers the newest N matching requests, oldest first', async () => {
    await put({ ...sampleTask('task-1') });
    for (const progress of [10, 20, 30, 40]) await report('task-1', { progress });
    const list = await get<{ count: number; requests: { seq: number; body: { progress: number } }[] }>(
      '/_mock/requests?last=2&operation=UpdateTaskSpeed',
    );
    expect(list.body.count).toBe(2);
    expect(list.body.requests.map((entry) => entry.body.progress)).toEqual([30, 40]);
    expect((await get('/_mock/requests?last=2&count=true')).body).toEqual({ count: 2 });
    const refused = await t.app.inject({ method: 'GET', url: '/_mock/requests?last=0' });
    expect(refused.statusCode).toBe(400);
  });

  it('never records or faults the dashboard itself', async () => {
    await put({ ...sampleTask('task-1') });
    const rule = await t.app.inject({
      method: 'POST',
      url: '/_mock/faults',
      payload: { effect: { type: 'error', preset: 'internal' } },
    });
    expect(rule.statusCode).toBe(201);
    for (const url of [
      '/_mock/ui/api/meta',
      '/_mock/ui/api/board',
      '/_mock/ui/api/tasks/task-1',
      '/_mock/ui/api/tasks/task-1/series',
      '/_mock/ui/api/sources',
    ]) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
    }
    expect(t.core.journal.size).toBe(0);
    expect(t.core.faults.list()[0]).toMatchObject({ matched: 0, fired: 0 });
  });
});
