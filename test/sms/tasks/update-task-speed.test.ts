import { describe, expect, it } from 'vitest';
import {
  api,
  docExample,
  type ErrorBody,
  haveDocPage,
  json,
  progressReport,
  rowCount,
  type SampleBody,
  type ShowTaskBody,
  sampleTask,
  useTestApp,
} from '../../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1'), sampleTask('task-2')] });

const report = progressReport();

const send = (payload: unknown, id = 'task-1') =>
  api(t.app, {
    method: 'PUT',
    url: `/v3/tasks/${id}/progress`,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
const show = async (id = 'task-1') => json<ShowTaskBody>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));
const samples = async (id = 'task-1') => await t.app.inject({ method: 'GET', url: `/_mock/tasks/${id}/progress` });

describe('PUT /v3/tasks/{task_id}/progress (UpdateTaskSpeed)', () => {
  it('stores the report and applies it to the subtask and the task; answers 200 {}', async () => {
    const reportedAt = t.clock.now();
    const response = await send({
      ...report,
      migrate_speed: 98.5,
      compress_rate: 1.2,
      remain_time: 300,
      total_cpu_usage: 35.5,
      agent_cpu_usage: 4.2,
      total_mem_usage: 2048,
      agent_mem_usage: 128,
      total_disk_io: 50,
      agent_disk_io: 10,
      need_migration_test: true,
      agent_time: '2026-11-23 05:20:57',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({});

    const task = await show();
    expect(task.state).toBe('RUNNING');
    expect(task.start_date).toBe(reportedAt);
    expect(task).toMatchObject({
      migrate_speed: 98.5,
      compress_rate: 1.2,
      remain_seconds: 300,
      estimate_complete_time: reportedAt + 300_000,
      total_cpu_usage: 35.5,
      agent_cpu_usage: 4.2,
      total_mem_usage: 2048,
      agent_mem_usage: 128,
      total_disk_io: 50,
      agent_disk_io: 10,
      need_migration_test: true,
    });
    expect(task.sub_tasks[1]).toEqual({
      id: 12,
      name: 'MIGRATE_LINUX_BLOCK',
      progress: 40,
      start_date: reportedAt,
      end_date: null,
      migrate_speed: 98.5,
      user_op: 'REPLICATE',
      process_trace: 'copying /dev/vda1',
    });
    expect(task.sub_tasks[0]?.progress).toBe(0);

    const stored = await samples();
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toEqual({
      samples: [
        {
          subtask_name: 'MIGRATE_LINUX_BLOCK',
          progress: 40,
          replicatesize: 4000,
          totalsize: 10000,
          process_trace: 'copying /dev/vda1',
          migrate_speed: 98.5,
          compress_rate: 1.2,
          remain_time: 300,
          total_cpu_usage: 35.5,
          agent_cpu_usage: 4.2,
          total_mem_usage: 2048,
          agent_mem_usage: 128,
          total_disk_io: 50,
          agent_disk_io: 10,
          need_migration_test: true,
          agent_time: '2026-11-23 05:20:57',
          received_at: reportedAt,
        },
      ],
    });
  });

  it('ends a subtask at 100, appends an unknown one, and moves a task to RUNNING only from READY', async () => {
    await send({ ...report, progress: 100 });
    t.clock.advance(5000);
    await send({ ...report, subtask_name: 'CONFIGURE_LINUX', progress: 10 });
    const task = await show();
    expect(task.sub_tasks.map((s) => [s.id, s.name, s.progress, s.start_date, s.end_date])).toEqual([
      [11, 'CREATE_CLOUD_SERVER', 0, null, null],
      [12, 'MIGRATE_LINUX_BLOCK', 100, t.clock.now() - 5000, t.clock.now() - 5000],
      [13, 'CONFIGURE_LINUX', 10, t.clock.now(), null],
    ]);
    expect(task.start_date).toBe(t.clock.now() - 5000);
    expect(rowCount(t.db, 'progress_samples')).toBe(2);
  });

  it.each([
    [{ ...report, progress: undefined }, 'progress is required'],
    [{ ...report, replicatesize: undefined }, 'replicatesize is required'],
    [{ ...report, process_trace: undefined }, 'process_trace is required'],
    [{ ...report, progress: 101 }, 'progress must be <= 100'],
    [{ ...report, progress: -1 }, 'progress must be >= 0'],
    [{ ...report, progress: 1.5 }, 'progress must be integer'],
    [{ ...report, subtask_name: 'COFFEE' }, 'subtask_name must be one of: CREATE_CLOUD_SERVER'],
    [{ ...report, process_trace: 'x'.repeat(2049) }, 'process_trace must be at most 2048 characters'],
    [{ ...report, migrate_speed: 10000.5 }, 'migrate_speed must be <= 10000'],
    [{ ...report, total_cpu_usage: 101 }, 'total_cpu_usage must be <= 100'],
    [{ ...report, remain_time: 2147483648 }, 'remain_time must be <= 2147483647'],
    [{ ...report, agent_time: 'x'.repeat(31) }, 'agent_time must be at most 30 characters'],
    [{ ...report, totalsize: '100' }, 'totalsize must be integer'],
    [{ ...report, progress: null }, 'progress must be integer'],
  ])('refuses %j with 400 naming the field, storing nothing', async (body, message) => {
    const response = await send(body);
    expect(response.statusCode).toBe(400);
    const error = json<ErrorBody>(response);
    expect(error.error_code).toBe('SMS.2001');
    expect(error.error_msg).toContain(`Invalid request parameter: ${message}`);
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
    expect((await show()).state).toBe('READY');
  });

  it('accepts 2048 characters of trace and stores all of them', async () => {
    const trace = `${'x'.repeat(2047)}é`;
    const response = await send({ ...report, process_trace: trace });
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    const [sample] = json<{ samples: SampleBody[] }>(await samples()).samples;
    expect(sample?.process_trace).toBe(trace);
    const stored = t.db.prepare('SELECT process_trace FROM progress_samples').pluck().all() as string[];
    expect(stored.map((text) => text.length)).toEqual([2048]);
    expect((await show()).sub_tasks[1]?.process_trace).toBe(trace);
  });

  it.skipIf(!haveDocPage('update-task-speed.zh.txt'))("accepts the page's own request example", async () => {
    const example = docExample('update-task-speed.zh.txt', '请求示例');
    const response = await send(example);
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    expect(json<{ samples: SampleBody[] }>(await samples()).samples).toEqual([
      expect.objectContaining({ ...example, received_at: t.clock.now() }),
    ]);
    const task = await show();
    expect(task.sub_tasks.map((s) => [s.name, s.progress, s.end_date])).toEqual([
      ['CREATE_CLOUD_SERVER', 0, null],
      ['MIGRATE_LINUX_BLOCK', 0, null],
      ['ATTACH_AGENT_IMAGE', 100, t.clock.now()],
    ]);
  });

  it('keeps int64 sizes exact: 2^63-1 accepted and returned digit for digit, 2^63 refused', async () => {
    const ok = await send(
      '{"subtask_name":"SSL_CONFIG","progress":1,"replicatesize":9223372036854775807,"totalsize":9223372036854775807,"process_trace":""}',
    );
    expect(ok.statusCode).toBe(200);
    const stored = await samples();
    expect(stored.body).toContain('"replicatesize":9223372036854775807,"totalsize":9223372036854775807');
    const inDb = t.db.prepare('SELECT replicatesize FROM progress_samples').safeIntegers(true).pluck().get();
    expect(inDb).toBe(9223372036854775807n);

    const tooBig = await send(
      '{"subtask_name":"SSL_CONFIG","progress":1,"replicatesize":9223372036854775808,"totalsize":1,"process_trace":""}',
    );
    expect(tooBig.statusCode).toBe(400);
    expect(json<ErrorBody>(tooBig).error_msg).toMatch(/^Invalid request parameter: replicatesize must be/);
    const negative = await send(
      '{"subtask_name":"SSL_CONFIG","progress":1,"replicatesize":-9223372036854775807,"totalsize":1,"process_trace":""}',
    );
    expect(negative.statusCode).toBe(400);
    expect(json<ErrorBody>(negative).error_msg).toBe('Invalid request parameter: replicatesize must be >= 0');
    const bigInInt32 = await send(
      '{"subtask_name":"SSL_CONFIG","progress":12345678901234567,"replicatesize":1,"totalsize":1,"process_trace":""}',
    );
    expect(bigInInt32.statusCode).toBe(400);
    expect(rowCount(t.db, 'progress_samples')).toBe(1);
  });

  it('answers 404 for an unknown task, storing nothing', async () => {
    const response = await send(report, 'ghost');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: ghost' });
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
  });

  it('refuses a body that is not an object', async () => {
    for (const payload of ['[]', '"x"', 'null', '42']) {
      const response = await send(payload);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error_code: 'SMS.2001',
        error_msg: 'Invalid request parameter: body must be object',
      });
    }
    const empty = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.statusCode).toBe(400);
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
  });
});

describe('UpdateTaskSpeed: hostile numbers and nesting', () => {
  const text = (sizes: string) => `{"subtask_name":"SSL_CONFIG","progress":1,${sizes},"process_trace":""}`;

  it.each([
    ['"replicatesize":9223372036854775807.0,"totalsize":1', 'replicatesize'],
    ['"replicatesize":1,"totalsize":9.223372036854775807e18', 'totalsize'],
    ['"replicatesize":9223372036854775806.9,"totalsize":1', 'replicatesize'],
  ])('refuses an int64 literal that rounds to 2^63 (%s) with 400, storing nothing', async (sizes, field) => {
    const response = await send(text(sizes));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: `Invalid request parameter: ${field} must be an integer from -9223372036854775808 to 9223372036854775807`,
    });
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
    expect((await show()).state).toBe('READY');
  });

  it('refuses a body nesting deeper than 64 levels, even beside a 16-digit number, storing nothing', async () => {
    const deep = `${'['.repeat(4500)}${']'.repeat(4500)}`;
    const response = await send(text(`"replicatesize":1234567890123456789,"totalsize":1,"x":${deep}`));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: the body nests deeper than 64 levels',
    });
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
    expect((await send(report)).statusCode).toBe(200);
  });

  it('appends a new subtask to one task while another holds subtask id 2^63 - 1', async () => {
    const big = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-2',
      payload: '{"sub_tasks":[{"id":9223372036854775807,"name":"SSL_CONFIG"}]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(200);

    for (const subtask_name of ['CONFIGURE_LINUX', 'SSL_CONFIG']) {
      const response = await send({ ...report, subtask_name });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({});
    }
    expect((await show()).sub_tasks.map((s) => [s.id, s.name])).toEqual([
      [1, 'CONFIGURE_LINUX'],
      [2, 'SSL_CONFIG'],
      [11, 'CREATE_CLOUD_SERVER'],
      [12, 'MIGRATE_LINUX_BLOCK'],
    ]);
    expect(rowCount(t.db, 'progress_samples')).toBe(2);
    const other = t.db.prepare("SELECT id FROM sub_tasks WHERE task_id = 'task-2'").safeIntegers(true).pluck().all();
    expect(other).toEqual([9223372036854775807n]);
    expect((await send({ ...report, subtask_name: 'SSL_CONFIG' }, 'task-2')).statusCode).toBe(200);
  });
});

describe('progress with --auto-create', () => {
  const auto = useTestApp({ autoCreate: true });

  it('creates a READY task, then starts it with the report', async () => {
    const response = await api(auto.app, { method: 'PUT', url: '/v3/tasks/agent-42/progress', payload: report });
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    const task = json<ShowTaskBody>(await api(auto.app, { method: 'GET', url: '/v3/tasks/agent-42' }));
    expect([task.state, task.create_date, task.start_date]).toEqual(['RUNNING', auto.clock.now(), auto.clock.now()]);
    expect(task.sub_tasks.map((s) => [s.name, s.progress])).toEqual([['MIGRATE_LINUX_BLOCK', 40]]);
  });
});
