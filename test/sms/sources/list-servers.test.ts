import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/lib/json.js';
import { api, dbSnapshot, type ErrorBody, json, useTestApp } from '../../helpers.js';
import { type Body, checksOf, LINUX_CHECKS, linuxRegistration, taskFor } from './fixtures.js';

const t = useTestApp();

/** A source put as the mock's administrator: a passing Linux registration with these columns. */
async function putSource(id: string, changes: Body = {}): Promise<void> {
  const { ip, name, os_type, networks, ...rest } = linuxRegistration();
  const document = { ...rest, ip, name, os_type, networks, add_date: 1000, ...changes };
  const response = await t.app.inject({ method: 'PUT', url: `/_mock/sources/${id}`, payload: document });
  expect(response.statusCode, response.body).toBe(200);
}

async function putTask(task: Body & { id: string }): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: `/_mock/tasks/${task.id}`, payload: task });
  expect(response.statusCode, response.body).toBe(200);
}

async function list(query = ''): Promise<{ count: number; source_servers: Body[] }> {
  const response = await api(t.app, { method: 'GET', url: `/v3/sources${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { count: number; source_servers: Body[] };
}

const ids = (listed: { source_servers: Body[] }) => listed.source_servers.map((s) => s.id);

describe('GET /v3/sources (ListServers)', () => {
  it('answers {count: 0, source_servers: []} with no servers', async () => {
    expect(await list()).toEqual({ count: 0, source_servers: [] });
  });

  it('lists newest registration first, ties by id, each in the listed shape', async () => {
    await putSource('b', { add_date: 2000 });
    await putSource('c', { add_date: 3000 });
    await putSource('a', { add_date: 2000 });
    const listed = await list();
    expect(listed.count).toBe(3);
    expect(ids(listed)).toEqual(['c', 'a', 'b']);
    expect(listed.source_servers[0]).toEqual({
      id: 'c',
      ip: '192.168.0.10',
      name: 'web-01',
      enterprise_project_id: null,
      add_date: 3000,
      os_type: 'LINUX',
      os_version: 'CENTOS_7_9_64BIT',
      oem_system: null,
      state: 'waiting',
      connected: true,
      cpu_quantity: 2,
      memory: 4018196480,
      current_task: null,
      checks: checksOf(LINUX_CHECKS),
      init_target_server: {
        disks: [
          {
            name: '/dev/vda',
            size: 42949672960,
            device_use: 'BOOT',
            used_size: 10737418240,
            physical_volumes: [
              {
                device_use: 'OS',
                file_system: 'ext4',
                index: 0,
                mount_point: '/',
                name: '/dev/vda1',
                size: 42948624384,
                inode_size: null,
                used_size: 10737418240,
                uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
              },
            ],
          },
        ],
        volume_groups: [],
      },
      replicatesize: 0,
      stage_action_time: 3000,
      totalsize: 0,
      last_visit_time: t.clock.current,
      migration_cycle: 'checking',
      state_action_time: 3000,
      is_consistency_result_exist: false,
      has_tc: true,
      start_type: null,
    });
  });

  it('shows a server’s task in the listed task shape, never with a clone server', async () => {
    await putSource('s1');
    await putTask(
      taskFor('s1', 'task-1', {
        state: 'RUNNING',
        estimate_complete_time: 1700000500000,
        compress_rate: 0.5,
        remain_seconds: 300,
        target_server: { vm_id: 'vm-1', name: 'tgt' },
        clone_server: { vm_id: 'clone-1' },
      }),
    );
    const [listed] = (await list()).source_servers;
    expect(listed?.current_task).toEqual({
      id: 'task-1',
      name: 'MigrationTask',
      type: 'MIGRATE_BLOCK',
      state: 'RUNNING',
      estimate_complete_time: 1700000500000,
      start_date: null,
      speed_limit: null,
      migrate_speed: null,
      compress_rate: 0.5,
      start_target_server: null,
      vm_template_id: null,
      region_id: null,
      project_name: null,
      project_id: null,
      target_server: { vm_id: 'vm-1', name: 'tgt' },
      log_collect_status: null,
      exist_server: null,
      use_public_ip: null,
      clone_server: null,
      remain_seconds: 300,
      log_bucket: null,
      log_expire: null,
      log_upload_time: null,
      log_share_url: null,
      subtask_info: null,
    });
  });

  it('answers int64 values beyond 2^53 exactly: the server’s, its recommended disks’, its task’s and its last sizes', async () => {
    const MAX = 9223372036854775807n;
    const { ip, name, os_type, networks, disks: _disks, ...rest } = linuxRegistration();
    const disk = { name: '/dev/vda', partition_style: 'MBR', device_use: 'BOOT', size: MAX, used_size: MAX - 1n };
    const pv = { name: '/dev/vda1', device_use: 'OS', size: MAX - 2n, used_size: 9007199254740993n, index: 0 };
    const document = {
      ...rest,
      ip,
      name,
      os_type,
      networks,
      add_date: MAX,
      memory: MAX - 3n,
      disks: [{ ...disk, physical_volumes: [pv] }],
    };
    const put = await t.app.inject({
      method: 'PUT',
      url: '/_mock/sources/s1',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(document, (_key, value) => (typeof value === 'bigint' ? `#${value}#` : value)).replace(
        /"#(\d+)#"/g,
        '$1',
      ),
    });
    expect(put.statusCode, put.body).toBe(200);
    await t.core.admin.putTasks([
      taskFor('s1', 'task-1', {
        state: 'RUNNING',
        start_date: MAX - 4n,
        estimate_complete_time: MAX - 5n,
        remain_seconds: 9007199254740995n,
        sub_tasks: [{ id: 1, name: 'MIGRATE_LINUX_BLOCK', progress: 0 }],
      }),
    ]);
    const report = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      headers: { 'content-type': 'application/json' },
      payload: `{"subtask_name":"MIGRATE_LINUX_BLOCK","progress":40,"replicatesize":${MAX - 6n},"totalsize":${MAX},"process_trace":"x"}`,
    });
    expect(report.statusCode, report.body).toBe(200);
    const response = await api(t.app, { method: 'GET', url: '/v3/sources' });
    expect(response.statusCode, response.body).toBe(200);
    const [listed] = (parseJson(response.body) as { source_servers: Body[] }).source_servers;
    expect(listed).toMatchObject({
      add_date: MAX,
      memory: MAX - 3n,
      init_target_server: {
        disks: [
          {
            size: MAX,
            used_size: MAX - 1n,
            physical_volumes: [{ size: MAX - 2n, used_size: 9007199254740993n, index: 0 }],
          },
        ],
      },
      current_task: { start_date: MAX - 4n, estimate_complete_time: MAX - 5n, remain_seconds: 9007199254740995n },
      replicatesize: MAX - 6n,
      totalsize: MAX,
    });
  });

  describe('filters, each an exact match', () => {
    const setUp = async () => {
      await putSource('s1', { add_date: 1, name: 'alpha', ip: '10.0.0.1', state: 'waiting' });
      await putSource('s2', {
        add_date: 2,
        name: 'beta',
        ip: '10.0.0.2',
        ipv6: 'fd00::2',
        state: 'replicate',
        migration_cycle: 'replicating',
        connected: false,
        enterprise_project_id: 'ep-1',
        migprojectid: 'mp-1',
      });
      await putSource('s3', { add_date: 3, name: 'alphabet', ip: null, ipv6: 'fd00::3', state: 'unavailable' });
      await putTask(taskFor('s2', 'task-2', { clone_server: { vm_id: 'clone-2' } }));
    };
    const cases: [string, string[]][] = [
      ['?state=replicate', ['s2']],
      ['?state=finished', []],
      ['?name=alpha', ['s1']],
      ['?name=alph', []],
      ['?id=s3', ['s3']],
      ['?ip=10.0.0.2', ['s2']],
      ['?ipv6=fd00::3', ['s3']],
      ['?ip=10.0.0.1&ipv6=fd00::3', ['s1']],
      ['?migration_cycle=checking', ['s3', 's1']],
      ['?connected=false', ['s2']],
      ['?connected=true', ['s3', 's1']],
      ['?enterprise_project_id=ep-1', ['s2']],
      ['?migproject=mp-1', ['s2']],
      ['?vm_id=clone-2', ['s2']],
      ['?vm_id=clone-1', []],
      ['?is_consistency_result_exist=true', []],
      ['?is_consistency_result_exist=false', ['s3', 's2', 's1']],
      ['?state=waiting&name=alpha&connected=true', ['s1']],
      ['?state=waiting&name=beta', []],
    ];
    it.each(cases)('%s', async (query, expected) => {
      await setUp();
      const listed = await list(query);
      expect(ids(listed)).toEqual(expected);
      expect(listed.count).toBe(expected.length);
    });
  });

  it('pages by offset with a default page of 200 (limit 0 too); count is the total', async () => {
    await t.core.sources.putDocuments(
      Array.from({ length: 205 }, (_, i) => ({ id: `s${String(i).padStart(3, '0')}`, name: 'n', add_date: 1000 })),
    );
    const first = await list();
    expect([first.count, first.source_servers.length]).toEqual([205, 200]);
    expect(first.source_servers[0]?.id).toBe('s000');
    expect((await list('?limit=0')).source_servers.length).toBe(200);
    const rest = await list('?offset=200');
    expect([rest.count, ids(rest)]).toEqual([205, ['s200', 's201', 's202', 's203', 's204']]);
    expect(ids(await list('?limit=2&offset=3'))).toEqual(['s003', 's004']);
    expect(await list('?offset=205')).toEqual({ count: 205, source_servers: [] });
  });

  it('serves the Go pager: the same query plus offset += items, until a page is empty', async () => {
    await t.core.sources.putDocuments(
      Array.from({ length: 450 }, (_, i) => ({ id: `s${String(i).padStart(3, '0')}`, name: 'n', add_date: i })),
    );
    const seen: unknown[] = [];
    for (let offset = 0, page = 0; page < 10; page++) {
      const { source_servers } = await list(`?name=n&offset=${offset}`);
      if (source_servers.length === 0) break;
      seen.push(...source_servers.map((s) => s.id));
      offset += source_servers.length;
    }
    expect(seen.length).toBe(450);
    expect(new Set(seen).size).toBe(450);
    expect(seen[0]).toBe('s449');
  });

  it.each([
    ['?limit=201', 'limit must be <= 200'],
    ['?limit=-1', 'limit must be >= 0'],
    ['?offset=-1', 'offset must be >= 0'],
    ['?state=sleeping', 'state must be one of: '],
    ['?migration_cycle=testing', 'migration_cycle must be one of: '],
    ['?connected=maybe', 'connected must be boolean'],
  ])('refuses %s with 400, changing nothing', async (query, message) => {
    await putSource('s1');
    const before = dbSnapshot(t.db);
    const response = await api(t.app, { method: 'GET', url: `/v3/sources${query}` });
    expect(response.statusCode).toBe(400);
    const body = json<ErrorBody>(response);
    expect(body.error_code).toBe('SMS.2001');
    expect(body.error_msg.startsWith(`Invalid request parameter: ${message}`)).toBe(true);
    expect(dbSnapshot(t.db)).toEqual(before);
  });
});

describe('GET /v3/sources/overview (ShowOverview)', () => {
  const ZERO = {
    waiting: 0,
    replicate: 0,
    syncing: 0,
    stopped: 0,
    deleting: 0,
    cutovering: 0,
    unavailable: 0,
    stopping: 0,
    skipping: 0,
    finished: 0,
    initialize: 0,
    error: 0,
    cloning: 0,
    unconfigured: 0,
  };

  it('answers the 14 counts, all 0 with no servers', async () => {
    const response = await api(t.app, { method: 'GET', url: '/v3/sources/overview' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(ZERO);
  });

  it('counts each server once by its state; a waiting server with no task counts as unconfigured', async () => {
    await putSource('w1');
    await putSource('w2');
    await putSource('w3');
    await putTask(taskFor('w3'));
    await putSource('u1', { state: 'unavailable' });
    await putSource('r1', { state: 'replicate' });
    await putTask(taskFor('r1'));
    await putSource('r2', { state: 'replicate' });
    await putSource('f1', { state: 'finished' });
    await putSource('p1', { state: 'premiged' });
    await putSource('i1', { state: 'initialize' });
    const response = await api(t.app, { method: 'GET', url: '/v3/sources/overview' });
    expect(response.json()).toEqual({
      ...ZERO,
      unconfigured: 2,
      waiting: 1,
      unavailable: 1,
      replicate: 2,
      finished: 1,
      initialize: 1,
    });
  });
});

describe('GET /v3/errors (ListErrorServers)', () => {
  it('answers {count: 0, migration_errors: []} when nothing failed', async () => {
    await putSource('ok');
    const response = await api(t.app, { method: 'GET', url: '/v3/errors' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ count: 0, migration_errors: [] });
  });

  it('lists servers whose checks fail and servers whose task failed, newest registration first', async () => {
    await putSource('checks', { add_date: 4, boot_loader: 'LILO', hostname: 'h-checks' });
    await putSource('migrate-fail', { add_date: 3, ip: null, ipv6: 'fd00::3' });
    await putTask(
      taskFor('migrate-fail', 't-fail', {
        state: 'MIGRATE_FAIL',
        error_json: '{"error_code":"SMS.1404","error_param":"[]"}',
        migration_ip: '192.168.1.30',
      }),
    );
    await putSource('sync-fail', { add_date: 2, boot_loader: null });
    await putTask(taskFor('sync-fail', 't-sync', { state: 'SYNC_FAIL' }));
    await putSource('fine', { add_date: 1 });
    await putTask(taskFor('fine', 't-fine', { state: 'RUNNING' }));

    const response = await api(t.app, { method: 'GET', url: '/v3/errors' });
    expect(response.json()).toEqual({
      count: 3,
      migration_errors: [
        {
          error_json: '{"error_code":"SMS.6517","error_param":"[\\"boot_loader\\"]"}',
          host_name: 'h-checks',
          name: 'web-01',
          source_id: 'checks',
          source_ip: '192.168.0.10',
          target_ip: null,
        },
        {
          error_json: '{"error_code":"SMS.1404","error_param":"[]"}',
          host_name: 'web-01.local',
          name: 'web-01',
          source_id: 'migrate-fail',
          source_ip: 'fd00::3',
          target_ip: '192.168.1.30',
        },
        {
          error_json: '{"error_code":"","error_param":"[]"}',
          host_name: 'web-01.local',
          name: 'web-01',
          source_id: 'sync-fail',
          source_ip: '192.168.0.10',
          target_ip: null,
        },
      ],
    });
  });

  it('filters by enterprise project and pages by limit and offset, count the total', async () => {
    for (let i = 0; i < 5; i++)
      await putSource(`e${i}`, { add_date: i, boot_loader: null, enterprise_project_id: 'ep' });
    await putSource('other', { boot_loader: null });
    const page = await api(t.app, { method: 'GET', url: '/v3/errors?enterprise_project_id=ep&limit=2&offset=1' });
    const body = page.json() as { count: number; migration_errors: Body[] };
    expect(body.count).toBe(5);
    expect(body.migration_errors.map((e) => e.source_id)).toEqual(['e3', 'e2']);
    const all = (await api(t.app, { method: 'GET', url: '/v3/errors?limit=0' })).json() as { count: number };
    expect(all.count).toBe(6);
  });

  it('refuses a limit beyond 200 with 400', async () => {
    const response = await api(t.app, { method: 'GET', url: '/v3/errors?limit=201' });
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: limit must be <= 200',
    });
  });
});
