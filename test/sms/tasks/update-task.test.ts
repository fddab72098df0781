import { describe, expect, it } from 'vitest';
import {
  api,
  docExample,
  type ErrorBody,
  haveDocPage,
  type JournalBody,
  json,
  type ShowTaskBody,
  sampleTask,
  useTestApp,
} from '../../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1'), sampleTask('task-2')] });

const put = (payload: unknown, id = 'task-1') =>
  api(t.app, { method: 'PUT', url: `/v3/tasks/${id}`, payload: payload as object });
const show = async (id = 'task-1') => json<ShowTaskBody>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));
const row = (id = 'task-1') => t.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Record<string, unknown>;
const putText = (text: string, id = 'task-1') =>
  api(t.app, { method: 'PUT', url: `/v3/tasks/${id}`, payload: text, headers: { 'content-type': 'application/json' } });
const subTaskRows = (id = 'task-1') =>
  t.db.prepare('SELECT id, name FROM sub_tasks WHERE task_id = ? ORDER BY id').safeIntegers(true).raw().all(id);
const INT64_MESSAGE = 'must be an integer from -9223372036854775808 to 9223372036854775807';

describe('PUT /v3/tasks/{task_id} (UpdateTask)', () => {
  it('changes only the fields present and answers {"id"}', async () => {
    const before = row();
    const response = await put({ name: '迁移任务_01-a', speed_limit: 1000, region_name: 'Region B' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'task-1' });
    const after = row();
    expect(after).toEqual({ ...before, name: '迁移任务_01-a', speed_limit: 1000, region_name: 'Region B' });
    expect((await show()).name).toBe('迁移任务_01-a');
  });

  it('accepts no body at all and changes nothing', async () => {
    const before = row();
    const response = await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'task-1' });
    expect(row()).toEqual(before);
  });

  it.each([
    [{ name: 'bad name!' }, 'name has characters that are not allowed'],
    [{ name: '' }, 'name must be at least 1 characters'],
    [{ name: 'x'.repeat(65) }, 'name must be at most 64 characters'],
    [{ speed_limit: 1001 }, 'speed_limit must be <= 1000'],
    [{ speed_limit: -1 }, 'speed_limit must be >= 0'],
    [{ speed_limit: '5' }, 'speed_limit must be integer'],
    [{ type: 'MIGRATE_DISK' }, 'type must be one of: MIGRATE_FILE, MIGRATE_BLOCK'],
    [{ use_ipv6: 'yes' }, 'use_ipv6 must be boolean'],
    [{ enterprise_project: 'e'.repeat(37) }, 'enterprise_project must be at most 36 characters'],
    [{ target_server: { disks: [{ size: -1 }] } }, 'target_server.disks[0].size must be >= 0'],
    [
      { target_server: { networks: [{ mac: 'fa:16:3e:00:00:01', mtu: 1.5 }] } },
      'target_server.networks[0].mtu must be integer',
    ],
    [{ target_server: { networks: [{ name: 'eth0' }] } }, 'target_server.networks[0].mac is required'],
    [{ clone_server: { clone_state: 'DONE' } }, 'clone_server.clone_state must be one of:'],
  ])('refuses %j with 400 naming the field, storing nothing', async (body, message) => {
    const before = row();
    const response = await put(body);
    expect(response.statusCode).toBe(400);
    const error = json<ErrorBody>(response);
    expect(error.error_code).toBe('SMS.2001');
    expect(error.error_msg).toContain(`Invalid request parameter: ${message}`);
    expect(Object.keys(error)).toEqual(['error_code', 'error_msg']);
    expect(row()).toEqual(before);
  });

  it('checks migration_ip against use_ipv6, from the body or the stored task', async () => {
    const response = await put({ migration_ip: '2001:db8::1' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: migration_ip must be an IPv4 address when use_ipv6 is false',
    });
    expect(row().migration_ip).toBeNull();

    expect((await put({ migration_ip: '2001:db8::1', use_ipv6: true })).statusCode).toBe(200);
    expect([row().migration_ip, row().use_ipv6]).toEqual(['2001:db8::1', 1]);
    expect((await put({ migration_ip: '10.1.2.3' })).statusCode).toBe(400);
    expect((await put({ migration_ip: '2001:db8::2' })).statusCode).toBe(200);
    expect((await put({ migration_ip: '10.1.2.3', use_ipv6: false })).statusCode).toBe(200);
    expect(row().migration_ip).toBe('10.1.2.3');
    expect((await put({ migration_ip: '300.1.2.3' })).statusCode).toBe(400);
  });

  it('maps the current model fields ShowTask shows elsewhere', async () => {
    const response = await put({
      enterprise_project: 'ep-1',
      snapshot_ids: 's1;s2',
      image_disk_id: 'img-disk',
      cutovered_snapshot_ids: 'cs-1',
      target_server: {
        name: 'renamed-target',
        hostname: 'host-x',
        btrfs_list: [{ name: 'btrfs-root', uuid: 'u' }],
        disks: [{ id: 2, name: '/dev/vdb', size: 1, used_size: 0 }],
      },
      exist_server: true,
      use_public_ip: false,
      target_disk_ids: 'd1 d2',
    });
    expect(response.statusCode).toBe(200);
    const body = await show();
    expect(body.enterprise_project_id).toBe('ep-1');
    expect(body.target_snapshot_id).toBe('s1;s2');
    expect(body.target_server).toMatchObject({
      id: 'tgt-1',
      vm_id: 'vm-1',
      name: 'renamed-target',
      image_disk_id: 'img-disk',
      cutovered_snapshot_ids: 'cs-1',
      btrfs_list: ['btrfs-root'],
      disks: [{ id: 2, name: '/dev/vdb', size: 1, used_size: 0 }],
    });
    expect([row().exist_server, row().use_public_ip, row().target_disk_ids]).toEqual([1, 0, 'd1 d2']);
  });

  it('takes null as "no value"', async () => {
    expect((await put({ region_id: null, clone_server: null, target_server: null })).statusCode).toBe(200);
    const body = await show();
    expect([body.region_id, body.clone_server, body.target_server]).toEqual([null, null, null]);
    expect(body.region_name).toBe('Region A');
  });

  it('accepts the older body model: state, dates and the whole subtask list', async () => {
    const response = await put({
      state: 'RUNNING',
      start_date: 1700000001000,
      priority: 2,
      os_type: 'WINDOWS',
      source_server: { agent_version: '1.2.0', state: 'replicate' },
      sub_tasks: [{ id: 99, name: 'SSL_CONFIG', progress: 50, user_op: 'REPLICATE' }],
    });
    expect(response.statusCode).toBe(200);
    const body = await show();
    expect([body.state, body.start_date, body.priority, body.os_type]).toEqual([
      'RUNNING',
      1700000001000,
      2,
      'WINDOWS',
    ]);
    expect(body.source_server).toMatchObject({ id: 'src-1', ip: '10.0.0.5', state: 'replicate' });
    expect(body.sub_tasks).toEqual([
      {
        id: 99,
        name: 'SSL_CONFIG',
        progress: 50,
        user_op: 'REPLICATE',
        start_date: null,
        end_date: null,
        migrate_speed: null,
        process_trace: null,
      },
    ]);
  });

  it('answers 404 for an unknown task and creates nothing', async () => {
    const response = await put({ name: 'x' }, 'ghost');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: ghost' });
    expect(t.db.prepare('SELECT id FROM tasks ORDER BY id').pluck().all()).toEqual(['task-1', 'task-2']);
  });

  it('bounds the path task_id at 1-36 characters', async () => {
    const response = await put({ name: 'x' }, 'a'.repeat(37));
    expect(response.statusCode).toBe(400);
    expect(response.json().error_msg).toBe('Invalid request parameter: task_id must be at most 36 characters');
  });

  it.skipIf(!haveDocPage('update-task.zh.txt'))("accepts the page's own request example", async () => {
    const example = docExample('update-task.zh.txt', '请求示例');
    const response = await put(example);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'task-1' });
    const body = await show();
    expect(body.name).toBe(example.name);
    expect(body.state).toBe('RUNNING');
    expect(body.sub_tasks).toHaveLength(5);
    expect(body.target_server.disks[0]?.physical_volumes).toHaveLength(2);
  });
});

describe('UpdateTask: int64 values written as non-integer literals', () => {
  it.each([
    ['9223372036854775807.0', 'total_time', (v: string) => `{"total_time":${v}}`],
    ['9.223372036854775807e18', 'estimate_complete_time', (v: string) => `{"estimate_complete_time":${v}}`],
    ['9223372036854775806.9', 'sub_tasks[0].id', (v: string) => `{"sub_tasks":[{"id":${v},"name":"X"}]}`],
    ['9223372036854775807.0', 'sub_tasks[0].end_date', (v: string) => `{"sub_tasks":[{"end_date":${v}}]}`],
    [
      '9.2233720368547758e18',
      'target_server.disks[0].size',
      (v: string) => `{"target_server":{"disks":[{"size":${v}}]}}`,
    ],
    [
      '9223372036854775807.0',
      'target_server.disks[0].physical_volumes[1].used_size',
      (v: string) => `{"target_server":{"disks":[{"physical_volumes":[{},{"used_size":${v}}]}]}}`,
    ],
    [
      '9223372036854775807.0',
      'target_server.btrfs_list[0].nodesize',
      (v: string) => `{"target_server":{"btrfs_list":[{"name":"b","nodesize":${v}}]}}`,
    ],
  ])('refuses %s as %s with 400, storing nothing', async (literal, field, body) => {
    const before = row();
    const response = await putText(body(literal));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: `Invalid request parameter: ${field} ${INT64_MESSAGE}`,
    });
    expect(row()).toEqual(before);
    expect(subTaskRows()).toEqual([
      [11n, 'CREATE_CLOUD_SERVER'],
      [12n, 'MIGRATE_LINUX_BLOCK'],
    ]);
  });

  it('refuses the negative side by the bound, and takes a Long written as 1.0 or 1e3', async () => {
    const negative = await putText('{"total_time":-9223372036854775809.0}');
    expect(negative.statusCode).toBe(400);
    expect(negative.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: total_time must be >= 0',
    });
    expect((await putText('{"total_time":1.0,"remain_seconds":1e3}')).statusCode).toBe(200);
    expect([row().total_time, row().remain_seconds]).toEqual([1, 1000]);
  });

  it('still takes 2^63 - 1 written as an integer, exact', async () => {
    const response = await putText('{"total_time":9223372036854775807,"sub_tasks":[{"id":9223372036854775807}]}');
    expect(response.statusCode).toBe(200);
    expect(t.db.prepare("SELECT total_time FROM tasks WHERE id = 'task-1'").safeIntegers(true).pluck().get()).toBe(
      9223372036854775807n,
    );
    expect(subTaskRows()).toEqual([[9223372036854775807n, null]]);
  });
});

describe('UpdateTask: subtask ids', () => {
  it.each([
    ['{"sub_tasks":[{"id":5,"name":"A"},{"id":5,"name":"B"}]}', 'sub_tasks[1].id duplicates sub_tasks[0].id'],
    ['{"sub_tasks":[{"id":1},{"name":"B"},{"id":2},{"id":1.0}]}', 'sub_tasks[3].id duplicates sub_tasks[0].id'],
    [
      '{"sub_tasks":[{"id":9223372036854775807},{"id":9223372036854775806},{"id":9223372036854775807}]}',
      'sub_tasks[2].id duplicates sub_tasks[0].id',
    ],
  ])('refuses repeated ids %s with 400 naming both, storing nothing', async (body, message) => {
    const before = row();
    const response = await putText(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    expect(row()).toEqual(before);
    expect(subTaskRows()).toEqual([
      [11n, 'CREATE_CLOUD_SERVER'],
      [12n, 'MIGRATE_LINUX_BLOCK'],
    ]);
  });

  it('never numbers an id-less subtask with an id given later in the list', async () => {
    // The highest id stored is 12: an id-less subtask would have been 13.
    const response = await put({ sub_tasks: [{ name: 'A' }, { id: 13, name: 'B' }, { name: 'C' }] });
    expect(response.statusCode).toBe(200);
    expect(subTaskRows()).toEqual([
      [13n, 'B'],
      [14n, 'A'],
      [15n, 'C'],
    ]);
  });

  it('a subtask id of 2^63 - 1 in one task does not stop another from numbering its subtasks', async () => {
    expect((await putText('{"sub_tasks":[{"id":9223372036854775807,"name":"A"}]}', 'task-2')).statusCode).toBe(200);

    const response = await put({ sub_tasks: [{ name: 'X' }, { id: 2, name: 'Y' }, { name: 'Z' }] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'task-1' });
    expect(subTaskRows()).toEqual([
      [1n, 'X'],
      [2n, 'Y'],
      [3n, 'Z'],
    ]);
    expect((await show()).sub_tasks.map((s) => [s.id, s.name])).toEqual([
      [1, 'X'],
      [2, 'Y'],
      [3, 'Z'],
    ]);
    expect(subTaskRows('task-2')).toEqual([[9223372036854775807n, 'A']]);
  });
});

describe('UpdateTask: nesting and unknown fields', () => {
  const nested = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

  it.each([
    ['a 16-digit number beside 4,500 levels', `{"name":"x","n":1234567890123456789,"z":${nested(4500)}}`],
    ['6,000 levels in an open object', `{"source_server":{"x":${nested(6000)}}}`],
    ['65 levels', `{"target_server":{"disks":[{"physical_volumes":[{"x":${nested(59)}}]}]}}`],
  ])('refuses %s with 400, storing nothing', async (_label, text) => {
    const before = row();
    const response = await putText(text);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: the body nests deeper than 64 levels',
    });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(row()).toEqual(before);
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).statusCode).toBe(200);
  });

  it('takes 64 levels, and the journal shows such a body parsed', async () => {
    const text = `{"source_server":{"x":${nested(62)}},"name":"deep"}`;
    const response = await putText(text);
    expect(response.statusCode).toBe(200);
    expect(row().name).toBe('deep');
    expect(JSON.parse(row().source_server as string).x).toEqual(JSON.parse(nested(62)));
    const journal = json<JournalBody>(
      await t.app.inject({ method: 'GET', url: '/_mock/requests?operation=UpdateTask' }),
    );
    expect(journal.requests.at(-1)?.body).toEqual(JSON.parse(text));
  });

  it('ignores fields neither body model has, as before', async () => {
    const before = row();
    const response = await put({ nmae: 'typo', extra: { a: 1 } });
    expect(response.statusCode).toBe(200);
    expect(row()).toEqual(before);
  });
});

describe('UpdateTask with --auto-create', () => {
  const auto = useTestApp({ autoCreate: true });

  it('creates a READY task for an unknown id', async () => {
    const response = await api(auto.app, { method: 'PUT', url: '/v3/tasks/fresh', payload: { name: 'fresh' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'fresh' });
    const body = json<ShowTaskBody>(await api(auto.app, { method: 'GET', url: '/v3/tasks/fresh' }));
    expect([body.id, body.name, body.state, body.create_date, body.sub_tasks]).toEqual([
      'fresh',
      'fresh',
      'READY',
      auto.clock.now(),
      [],
    ]);
  });
});

describe('UpdateTask: text that is not Unicode', () => {
  it.each([
    ['a lone high surrogate', '{"region_id":"\\ud800"}'],
    ['a lone low surrogate after text', '{"name":"web-\\uDC00"}'],
    ['a high surrogate with no low one after it', '{"source_server":{"name":"a\\ud83dz"}}'],
    ['a lone surrogate in a key', '{"source_server":{"\\ud800":"x"}}'],
    ['a lone surrogate beside a long number', '{"region_id":"\\udfff","source_server":{"n":12345678901234567}}'],
  ])('refuses %s with 400, storing nothing', async (_label, text) => {
    const before = row();
    const response = await putText(text);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg:
        'Invalid request parameter: the body holds an unpaired UTF-16 surrogate escape (\\uD800 to \\uDFFF), which is not Unicode text',
    });
    expect(row()).toEqual(before);
  });

  it('keeps a pair of surrogate escapes, and an escaped backslash before u, as sent', async () => {
    const response = await putText('{"region_id":"ok-\\ud83d\\ude00","name":"a"}');
    expect(response.statusCode).toBe(200);
    expect((await show()).region_id).toBe('ok-\u{1F600}');
    expect((await putText('{"region_id":"\\\\ud800"}')).statusCode).toBe(200);
    expect((await show()).region_id).toBe('\\ud800');
  });
});
