import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, buildTestApp, sampleTask, type TestApp } from '../helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  const response = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
  expect(response.statusCode).toBe(200);
});
afterEach(() => t.close());

const put = (payload: unknown, id = 'task-1') =>
  api(t.app, { method: 'PUT', url: `/v3/tasks/${id}`, payload: payload as object });
const show = async (id = 'task-1') => (await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` })).json();
const row = (id = 'task-1') => t.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Record<string, unknown>;

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
    const error = response.json();
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
    expect(t.db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(1);
  });

  it('bounds the path task_id at 1-36 characters', async () => {
    const response = await put({ name: 'x' }, 'a'.repeat(37));
    expect(response.statusCode).toBe(400);
    expect(response.json().error_msg).toBe('Invalid request parameter: task_id must be at most 36 characters');
  });

  const docPage = new URL('../../../shared/docs/sms-v3/update-task.zh.txt', import.meta.url);
  it.skipIf(!existsSync(docPage))("accepts the page's own request example", async () => {
    const text = readFileSync(docPage, 'utf8');
    const start = text.indexOf('\n{\n', text.indexOf('请求示例')) + 1;
    const end = text.indexOf('\n}\n', start) + 2;
    const example = JSON.parse(text.slice(start, end)) as Record<string, unknown>;
    const response = await put(example);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'task-1' });
    const body = await show();
    expect(body.name).toBe(example.name);
    expect(body.state).toBe('RUNNING');
    expect(body.sub_tasks).toHaveLength(5);
    expect(body.target_server.disks[0].physical_volumes).toHaveLength(2);
  });
});

describe('UpdateTask with --auto-create', () => {
  it('creates a READY task for an unknown id', async () => {
    const auto = await buildTestApp({ autoCreate: true });
    try {
      const response = await api(auto.app, { method: 'PUT', url: '/v3/tasks/fresh', payload: { name: 'fresh' } });
      expect(response.statusCode).toBe(200);
      const body = (await api(auto.app, { method: 'GET', url: '/v3/tasks/fresh' })).json();
      expect([body.id, body.name, body.state, body.create_date, body.sub_tasks]).toEqual([
        'fresh',
        'fresh',
        'READY',
        auto.clock.now(),
        [],
      ]);
    } finally {
      await auto.close();
    }
  });
});
