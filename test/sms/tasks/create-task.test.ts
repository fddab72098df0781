import { describe, expect, it } from 'vitest';
import { ShowTaskResponse, TaskTargetServer } from '../../../src/schemas/index.js';
import { planFor } from '../../../src/sms/tasks/plans.js';
import {
  api,
  dbSnapshot,
  type ErrorBody,
  json,
  rowCount,
  type ShowTaskBody,
  sampleTask,
  useTestApp,
} from '../../helpers.js';
import {
  createBody,
  filled,
  looseIntegers,
  registerSource,
  storedSource,
  terraformBody,
} from './life-cycle-fixtures.js';

const t = useTestApp();

const create = (payload: unknown) =>
  api(t.app, {
    method: 'POST',
    url: '/v3/tasks',
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
const show = async (id: string) => json<ShowTaskBody>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /v3/tasks (CreateTask)', () => {
  it("creates a READY task from the Terraform provider's body: answers its id, copies the source in, lays out the plan", async () => {
    registerSource(t.db, { id: 'src-1', name: 'web-01', ip: '10.0.0.5', enterprise_project_id: '0' });
    const createdAt = t.clock.now();
    const response = await create(terraformBody('src-1'));
    expect(response.statusCode).toBe(200);
    const { id } = json<{ id: string }>(response);
    expect(Object.keys(json(response))).toEqual(['id']);
    expect(id).toMatch(UUID);

    // auto_start does not start it: the provider's acceptance test reads READY right after create.
    const task = await show(id);
    const names = [
      'CREATE_CLOUD_SERVER',
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CHECK_CONSISTENCY',
      'CONFIGURE_LINUX_FILE',
      'DETTACH_AGENT_IMAGE',
    ];
    expect(task).toEqual({
      name: 'MigrationTask',
      type: 'MIGRATE_FILE',
      os_type: 'LINUX',
      id,
      priority: 1,
      speed_limit: 10,
      region_id: 'cn-north-4',
      start_target_server: true,
      enterprise_project_id: '0',
      migration_ip: null,
      region_name: 'cn-north-4',
      project_name: 'cn-north-4',
      project_id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      vm_template_id: 'template-1',
      source_server: {
        id: 'src-1',
        ip: '10.0.0.5',
        name: 'web-01',
        os_type: 'LINUX',
        os_version: 'CENTOS_7_9_64BIT',
        oem_system: false,
        state: 'waiting',
        migration_cycle: 'replicating',
      },
      target_server: filled(TaskTargetServer, terraformBody('src-1').target_server),
      state: 'READY',
      estimate_complete_time: null,
      connected: true,
      create_date: createdAt,
      start_date: null,
      finish_date: null,
      migrate_speed: 0,
      compress_rate: null,
      error_json: '',
      total_time: 0,
      float_ip: null,
      remain_seconds: null,
      target_snapshot_id: null,
      clone_server: null,
      sub_tasks: names.map((name, index) => ({
        id: index + 1,
        name,
        progress: 0,
        start_date: null,
        end_date: null,
        migrate_speed: null,
        user_op: 'REPLICATE',
        process_trace: null,
      })),
      network_check_info: null,
      total_cpu_usage: null,
      agent_cpu_usage: null,
      total_mem_usage: null,
      agent_mem_usage: null,
      total_disk_io: null,
      agent_disk_io: null,
      need_migration_test: true,
      subtask_info: null,
      use_public_ip: true,
      use_ipv6: true,
      syncing: false,
      exist_server: false,
      auto_start: true,
      start_network_check: true,
      over_speed_threshold: 50,
      is_need_consistency_check: true,
      clonevm_template_id: null,
      log_collect_status: null,
    });
    // The source waits for the start, in the replication stage; the task's link is its source_server id.
    expect(storedSource(t.db, 'src-1')).toEqual({
      state: 'waiting',
      migration_cycle: 'replicating',
      state_action_time: null,
    });
    expect(t.db.prepare('SELECT source_server_id FROM tasks WHERE id = ?').pluck().get(id)).toBe('src-1');
    expect(rowCount(t.db, 'progress_samples')).toBe(0);
  });

  it('answers ShowTask with every integer as an integer literal (what a strict decoder needs)', async () => {
    registerSource(t.db, { id: 'src-1' });
    const { id } = json<{ id: string }>(await create(terraformBody('src-1')));
    const response = await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` });
    expect(looseIntegers(response.body, ShowTaskResponse)).toEqual([]);
    // and the check itself catches what it is there for
    expect(
      looseIntegers('{"priority": 1.0, "total_time": "5", "sub_tasks": [{"progress": 1e2}]}', ShowTaskResponse),
    ).toEqual(['priority: 1.0', 'total_time: "5"', 'sub_tasks[0].progress: 1e2']);
  });

  it('takes os_type from the source when the body has none; the source enters the replication stage', async () => {
    registerSource(t.db, { id: 'win', os_type: 'WINDOWS', os_version: 'WINDOWS2016_64BIT', oem_system: true });
    const response = await create(createBody('win', { os_type: undefined, type: 'MIGRATE_BLOCK', exist_server: true }));
    expect(response.statusCode).toBe(200);
    const task = await show(json<{ id: string }>(response).id);
    expect(task.os_type).toBe('WINDOWS');
    expect(task.source_server).toMatchObject({ os_type: 'WINDOWS', os_version: 'WINDOWS2016_64BIT', oem_system: true });
    expect(task.sub_tasks.map((s) => s.name)).toEqual(
      planFor({ osType: 'WINDOWS', type: 'MIGRATE_BLOCK', existServer: true, syncing: false, consistencyCheck: false }),
    );
    // Its state stays waiting: the state action time stays as it was.
    expect(storedSource(t.db, 'win')).toEqual({
      state: 'waiting',
      migration_cycle: 'replicating',
      state_action_time: null,
    });
  });

  it.each([
    [{ syncing: true }, { syncing: true }],
    [{ exist_server: true }, { existServer: true }],
    [
      { is_need_consistency_check: true, syncing: true },
      { consistencyCheck: true, syncing: true },
    ],
    [{ type: 'MIGRATE_BLOCK' }, {}],
  ])('lays out the plan plans.ts gives for %j', async (changes, plan) => {
    registerSource(t.db, { id: 'src-1' });
    const body = createBody('src-1', changes);
    const { id } = json<{ id: string }>(await create(body));
    const task = await show(id);
    const expected = planFor({
      osType: 'LINUX',
      type: body.type as 'MIGRATE_FILE',
      existServer: false,
      syncing: false,
      consistencyCheck: false,
      ...plan,
    });
    expect(task.sub_tasks.map((s) => [s.name, s.progress, s.user_op])).toEqual(
      expected.map((name) => [name, 0, 'REPLICATE']),
    );
    expect(task.syncing).toBe(body.syncing === true);
  });

  it('numbers new subtasks after the highest id stored anywhere', async () => {
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/old', payload: sampleTask('old') });
    registerSource(t.db, { id: 'src-9' });
    const { id } = json<{ id: string }>(await create(createBody('src-9')));
    const ids = (await show(id)).sub_tasks.map((s) => s.id);
    expect(ids).toEqual([13, 14, 15, 16, 17, 18, 19]);
  });

  it('keeps what the body sends: btrfs file systems by name, int64 sizes exact, IPv6 address with use_ipv6', async () => {
    registerSource(t.db, { id: 'src-1', ip: null, ipv6: 'fd00::5' });
    const text = JSON.stringify(
      createBody('src-1', {
        migration_ip: 'fd00::10',
        use_ipv6: true,
        priority: 2,
        clonevm_template_id: 'clone-tpl',
        target_server: {
          vm_id: 'vm-1',
          name: 't',
          btrfs_list: [{ name: 'root-fs', uuid: 'u-1', size: 10 }, { label: 'no-name' }],
          disks: [{ name: '/dev/vdb', size: 1, used_size: 2 }],
        },
      }),
    )
      .replace('"size":1,', '"size":9223372036854775807,')
      .replace('"used_size":2', '"used_size":9007199254740993');
    const response = await create(text);
    expect(response.statusCode).toBe(200);
    const { id } = json<{ id: string }>(response);
    const raw = (await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` })).body;
    expect(raw).toContain('"size":9223372036854775807');
    expect(raw).toContain('"used_size":9007199254740993');
    const task = JSON.parse(raw) as ShowTaskBody;
    // A file system without a name is listed as '' (ShowTask lists them as strings).
    expect(task.target_server.btrfs_list).toEqual(['root-fs', '']);
    expect(task).toMatchObject({
      migration_ip: 'fd00::10',
      use_ipv6: true,
      priority: 2,
      clonevm_template_id: 'clone-tpl',
      source_server: { ip: 'fd00::5' },
      use_public_ip: null,
      auto_start: null,
    });
  });

  describe('refuses, storing nothing', () => {
    const refused = async (payload: unknown, status: number, code: string, message: string) => {
      const before = dbSnapshot(t.db);
      const response = await create(payload);
      expect(response.statusCode).toBe(status);
      expect(json<ErrorBody>(response)).toEqual({ error_code: code, error_msg: message });
      expect(dbSnapshot(t.db)).toEqual(before);
    };

    it('a source server that is not registered: 400 SMS.2216', async () => {
      await refused(
        createBody('nope'),
        400,
        'SMS.2216',
        'Failed to create the migration task: the source server does not exist: nope',
      );
    });

    it('a second task for one source server: 400 SMS.7605 naming the task it has', async () => {
      registerSource(t.db, { id: 'src-1' });
      const first = json<{ id: string }>(await create(createBody('src-1'))).id;
      await refused(
        createBody('src-1', { name: 'again' }),
        400,
        'SMS.7605',
        `A migration task already exists for this source server: source server src-1 is migrated by task ${first}`,
      );
    });

    it('a file-level migration of a Windows server, by the body or by the source: 400 SMS.6610', async () => {
      registerSource(t.db, { id: 'win', os_type: 'WINDOWS' });
      registerSource(t.db, { id: 'lin' });
      const message = 'The task type does not match the OS type: Windows servers migrate block-level only';
      await refused(
        createBody('lin', { os_type: 'WINDOWS' }),
        400,
        'SMS.6610',
        `${message}: os_type WINDOWS with type MIGRATE_FILE`,
      );
      await refused(
        createBody('win', { os_type: undefined }),
        400,
        'SMS.6610',
        `${message}: os_type WINDOWS (the source server's) with type MIGRATE_FILE`,
      );
    });

    it("an os_type other than the source server's: 400 SMS.2001 naming both", async () => {
      registerSource(t.db, { id: 'win', os_type: 'WINDOWS' });
      await refused(
        createBody('win', { os_type: 'LINUX', type: 'MIGRATE_BLOCK' }),
        400,
        'SMS.2001',
        "Invalid request parameter: os_type LINUX does not match the source server's os_type WINDOWS",
      );
    });

    it('no os_type in the body nor on the source: 400 SMS.2001', async () => {
      registerSource(t.db, { id: 'src-1', os_type: null });
      await refused(
        createBody('src-1', { os_type: undefined }),
        400,
        'SMS.2001',
        'Invalid request parameter: os_type is required: the source server reports none',
      );
    });

    it.each([
      [{ migration_ip: '10.0.0.300' }, 'migration_ip must be an IPv4 address when use_ipv6 is false'],
      [{ migration_ip: 'fd00::1' }, 'migration_ip must be an IPv4 address when use_ipv6 is false'],
      [{ migration_ip: '10.0.0.1', use_ipv6: true }, 'migration_ip must be an IPv6 address when use_ipv6 is true'],
      [
        { exist_server: true, target_server: { disks: [] } },
        'target_server.vm_id is required when exist_server is true',
      ],
      [{ name: undefined }, 'name is required'],
      [{ name: '' }, 'name must be at least 1 characters'],
      [{ name: 'a'.repeat(65) }, 'name must be at most 64 characters'],
      [{ name: 'web 01' }, 'name has characters that are not allowed'],
      [{ type: 'MIGRATE_DISK' }, 'type must be one of: MIGRATE_FILE, MIGRATE_BLOCK'],
      [{ os_type: 'MACOS' }, 'os_type must be one of: WINDOWS, LINUX'],
      [{ source_server: {} }, 'source_server.id is required'],
      [{ source_server: { id: 'x'.repeat(37) } }, 'source_server.id must be at most 36 characters'],
      [{ target_server: undefined }, 'target_server is required'],
      [{ region_name: undefined }, 'region_name is required'],
      [{ project_id: '' }, 'project_id must be at least 1 characters'],
      [{ priority: 3 }, 'priority must be one of: 0, 1, 2'],
      [{ priority: '1' }, 'priority must be integer'],
      [{ speed_limit: 1001 }, 'speed_limit must be <= 1000'],
      [{ over_speed_threshold: 100.5 }, 'over_speed_threshold must be <= 100'],
      [{ start_target_server: 'true' }, 'start_target_server must be boolean'],
      [{ target_server: { disks: [{ size: '85897247744' }] } }, 'target_server.disks[0].size must be integer'],
    ])('%j: 400 SMS.2001 naming the field', async (changes, message) => {
      registerSource(t.db, { id: 'src-1' });
      const before = dbSnapshot(t.db);
      const response = await create(createBody('src-1', changes));
      expect(response.statusCode).toBe(400);
      const error = json<ErrorBody>(response);
      expect(error.error_code).toBe('SMS.2001');
      expect(error.error_msg).toContain(`Invalid request parameter: ${message}`);
      expect(dbSnapshot(t.db)).toEqual(before);
    });

    it('a body that is not JSON, or none at all', async () => {
      registerSource(t.db, { id: 'src-1' });
      const before = dbSnapshot(t.db);
      for (const payload of ['{"name": ', '[]', 'null']) {
        const response = await create(payload);
        expect(response.statusCode).toBe(400);
        expect(json<ErrorBody>(response).error_code).toBe('SMS.2001');
      }
      const empty = await api(t.app, { method: 'POST', url: '/v3/tasks' });
      expect(empty.statusCode).toBe(400);
      expect(dbSnapshot(t.db)).toEqual(before);
    });
  });
});
