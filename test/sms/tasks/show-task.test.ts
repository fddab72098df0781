import { describe, expect, it } from 'vitest';
import {
  api,
  docExample,
  type ErrorBody,
  haveDocPage,
  json,
  type ShowTaskBody,
  sampleTask,
  type TaskFixture,
  useTestApp,
} from '../../helpers.js';

const unordered: TaskFixture = {
  id: 'x',
  sub_tasks: [
    { id: 30, name: 'C', progress: 0 },
    { id: 10, name: 'A', progress: 0 },
    { id: 20, name: 'B', progress: 0 },
  ],
};
const big: TaskFixture = {
  id: 'big',
  total_time: 9223372036854775807n,
  target_server: { disks: [{ size: 9223372036854775807n }] },
};
const haveExample = haveDocPage('show-task.zh.txt');
const example = haveExample ? docExample<TaskFixture>('show-task.zh.txt', '响应示例') : undefined;

const t = useTestApp({}, { seed: [sampleTask('task-1'), unordered, big, ...(example ? [example] : [])] });

/** Every top-level ShowTask field, null: what a task without values shows. */
const ALL_NULL = {
  name: null,
  type: null,
  os_type: null,
  id: null,
  priority: null,
  speed_limit: null,
  region_id: null,
  start_target_server: null,
  enterprise_project_id: null,
  migration_ip: null,
  region_name: null,
  project_name: null,
  project_id: null,
  vm_template_id: null,
  source_server: null,
  target_server: null,
  state: null,
  estimate_complete_time: null,
  connected: null,
  create_date: null,
  start_date: null,
  finish_date: null,
  migrate_speed: null,
  compress_rate: null,
  error_json: null,
  total_time: null,
  float_ip: null,
  remain_seconds: null,
  target_snapshot_id: null,
  clone_server: null,
  sub_tasks: null,
  network_check_info: null,
  total_cpu_usage: null,
  agent_cpu_usage: null,
  total_mem_usage: null,
  agent_mem_usage: null,
  total_disk_io: null,
  agent_disk_io: null,
  need_migration_test: null,
  subtask_info: null,
  use_public_ip: null,
  use_ipv6: null,
  syncing: null,
  exist_server: null,
  auto_start: null,
  start_network_check: null,
  over_speed_threshold: null,
  is_need_consistency_check: null,
  clonevm_template_id: null,
  log_collect_status: null,
};

const SUBTASK_NULLS = { start_date: null, end_date: null, migrate_speed: null, process_trace: null };

describe('GET /v3/tasks/{task_id} (ShowTask)', () => {
  it('answers 200 with every field of the ShowTask body, null where the task has no value', async () => {
    const response = await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      ...ALL_NULL,
      id: 'task-1',
      name: 'web-01',
      type: 'MIGRATE_BLOCK',
      os_type: 'LINUX',
      state: 'READY',
      create_date: 1700000000000,
      priority: 1,
      speed_limit: 0,
      start_target_server: true,
      region_id: 'region-a',
      region_name: 'Region A',
      project_id: 'p-1',
      project_name: 'proj',
      sub_tasks: [
        { id: 11, name: 'CREATE_CLOUD_SERVER', progress: 0, user_op: 'REPLICATE', ...SUBTASK_NULLS },
        { id: 12, name: 'MIGRATE_LINUX_BLOCK', progress: 0, user_op: 'REPLICATE', ...SUBTASK_NULLS },
      ],
      source_server: {
        id: 'src-1',
        ip: '10.0.0.5',
        name: 'web-01',
        os_type: 'LINUX',
        os_version: null,
        oem_system: null,
        state: 'replicate',
        migration_cycle: null,
      },
      target_server: {
        id: 'tgt-1',
        vm_id: 'vm-1',
        name: 'web-01-target',
        ip: null,
        os_type: 'LINUX',
        os_version: null,
        system_dir: null,
        disks: [
          {
            id: 1,
            device_use: 'OS',
            disk_id: null,
            name: '/dev/vda',
            physical_volumes: null,
            size: 42949672960,
            used_size: 1024,
            disk_index: null,
            os_disk: true,
            partition_style: null,
            relation_name: null,
          },
        ],
        volume_groups: [],
        btrfs_list: [],
        image_disk_id: null,
        cutovered_snapshot_ids: null,
      },
    });
  });

  it('orders subtasks by id', async () => {
    const body = json<ShowTaskBody>(await api(t.app, { method: 'GET', url: '/v3/tasks/x' }));
    expect(body.sub_tasks.map((s) => s.id)).toEqual([10, 20, 30]);
  });

  it('answers 404 SMS.2003 for an unknown task', async () => {
    const response = await api(t.app, { method: 'GET', url: '/v3/tasks/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error_code: 'SMS.2003',
      error_msg: 'The migration task does not exist: nope',
    });
  });

  it('returns int64 values digit for digit', async () => {
    const response = await api(t.app, { method: 'GET', url: '/v3/tasks/big' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"total_time":9223372036854775807,');
    expect(response.body).toContain('"size":9223372036854775807,');
  });

  it('takes the empty id the page permits (0-255 characters) as a task id no task has, and 256 characters as a 400', async () => {
    const empty = await api(t.app, { method: 'GET', url: '/v3/tasks/' });
    expect(empty.statusCode).toBe(404);
    expect(json<ErrorBody>(empty)).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist' });
    const long = await api(t.app, { method: 'GET', url: `/v3/tasks/${'a'.repeat(256)}` });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: task_id must be at most 255 characters',
    });
    const longest = 'a'.repeat(255);
    const ok = await api(t.app, { method: 'GET', url: `/v3/tasks/${longest}` });
    expect(ok.statusCode).toBe(404);
    expect(ok.json()).toEqual({ error_code: 'SMS.2003', error_msg: `The migration task does not exist: ${longest}` });
  });

  it.skipIf(!haveExample)('gives back the doc page example response it was seeded with', async () => {
    if (!example) return;
    const response = await api(t.app, { method: 'GET', url: `/v3/tasks/${example.id}` });
    expect(response.statusCode).toBe(200);
    // The example predates a few fields; they come back null, everything the example holds comes back equal.
    const expected = {
      ...ALL_NULL,
      ...example,
      sub_tasks: (example.sub_tasks as object[]).map((s) => ({ migrate_speed: null, ...s })),
      target_server: { btrfs_list: null, ...(example.target_server as object) },
    };
    expect(response.json()).toEqual(expected);
  });
});
