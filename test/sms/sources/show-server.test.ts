import { parse as parseLossless } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/lib/json.js';
import { api, type ErrorBody, json, useTestApp } from '../../helpers.js';
import { type Body, checksOf, LINUX_CHECKS, linuxRegistration, register, taskFor } from './fixtures.js';

const t = useTestApp();

async function putTask(task: Body & { id: string }): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: `/_mock/tasks/${task.id}`, payload: task });
  expect(response.statusCode).toBe(200);
}

/** Every number of a JSON text, as written. */
function numberTexts(text: string): string[] {
  const found: string[] = [];
  parseLossless(text, undefined, (number) => {
    found.push(number);
    return number;
  });
  return found;
}

describe('GET /v3/sources/{source_id} (ShowServer)', () => {
  it('answers every ShowServer field, null where the server has no value, at every depth', async () => {
    const id = await register(t, linuxRegistration());
    const now = t.clock.current;
    const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      id,
      ip: '192.168.0.10',
      name: 'web-01',
      hostname: 'web-01.local',
      enterprise_project_id: null,
      add_date: now,
      os_type: 'LINUX',
      os_version: 'CENTOS_7_9_64BIT',
      oem_system: null,
      state: 'waiting',
      connected: true,
      firmware: 'BIOS',
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
      cpu_quantity: 2,
      memory: 4018196480,
      current_task: null,
      disks: [
        {
          name: '/dev/vda',
          partition_style: 'MBR',
          device_use: 'BOOT',
          size: 42949672960,
          used_size: 10737418240,
          physical_volumes: [
            {
              device_use: 'OS',
              file_system: 'ext4',
              index: 0,
              mount_point: '/',
              name: '/dev/vda1',
              size: 42948624384,
              used_size: 10737418240,
              inode_size: null,
              inode_nums: null,
              uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
              size_per_cluster: null,
            },
          ],
          os_disk: null,
          relation_name: null,
          inode_size: null,
        },
      ],
      volume_groups: [],
      btrfs_list: [],
      networks: [
        {
          name: 'eth0',
          ip: '192.168.0.10',
          ipv6: null,
          netmask: '255.255.255.0',
          gateway: '192.168.0.1',
          mtu: 1500,
          mac: 'fa:16:3e:00:00:01',
          id: null,
        },
      ],
      checks: checksOf(LINUX_CHECKS),
      migration_cycle: 'checking',
      state_action_time: now,
      replicatesize: 0,
      totalsize: 0,
      last_visit_time: now,
      stage_action_time: now,
      agent_version: '25.2.0',
      has_tc: true,
      start_type: null,
    });
  });

  it('decodes with the Go client’s rules: integers are JSON integers, check params strings, error_params a string', async () => {
    const id = await register(t, linuxRegistration({ boot_loader: null }));
    const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    // The registration holds no Double field: every number written is an integer literal.
    const numbers = numberTexts(response.body);
    expect(numbers.length).toBeGreaterThan(20);
    for (const number of numbers) expect(number).toMatch(/^-?\d+$/);
    const body = response.json() as { checks: Body[] };
    for (const check of body.checks) {
      expect(Number.isInteger(check.id)).toBe(true);
      expect(Array.isArray(check.params) && check.params.every((p: unknown) => typeof p === 'string')).toBe(true);
      expect(typeof check.error_params).toBe('string');
    }
  });

  it('recommends one target disk per source disk, giving a partition without an index its place', async () => {
    const disks = [
      {
        name: '/dev/vda',
        partition_style: 'GPT',
        size: 21474836480,
        physical_volumes: [
          { name: '/dev/vda1', size: 1073741824, inode_size: 256 },
          { name: '/dev/vda2', size: 20400000000, index: 7 },
        ],
      },
      { name: '/dev/vdb', partition_style: 'MBR', size: 9223372036854775807n, device_use: 'VOLUME_GROUP' },
    ];
    const volume_groups = [{ name: 'vg0', components: '/dev/vdb', size: 9223372036854775807n, logical_volumes: [] }];
    const id = await register(t, linuxRegistration({ disks, volume_groups }));
    const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    const body = parseJson(response.body) as { init_target_server: unknown };
    const pv = {
      device_use: null,
      file_system: null,
      mount_point: null,
      inode_size: null,
      used_size: null,
      uuid: null,
    };
    expect(body.init_target_server).toEqual({
      disks: [
        {
          name: '/dev/vda',
          size: 21474836480,
          device_use: null,
          used_size: null,
          physical_volumes: [
            { ...pv, name: '/dev/vda1', size: 1073741824, index: 0 },
            { ...pv, name: '/dev/vda2', size: 20400000000, index: 7 },
          ],
        },
        {
          name: '/dev/vdb',
          size: 9223372036854775807n,
          device_use: 'VOLUME_GROUP',
          used_size: null,
          physical_volumes: [],
        },
      ],
      volume_groups: [
        { name: 'vg0', components: '/dev/vdb', size: 9223372036854775807n, free_size: null, logical_volumes: [] },
      ],
    });
  });

  it('shows the task that names the server as current_task, one object without a clone server', async () => {
    const id = await register(t, linuxRegistration());
    await putTask(
      taskFor(id, 'task-1', {
        state: 'RUNNING',
        start_date: 1700000100000,
        speed_limit: 100,
        migrate_speed: 12.5,
        start_target_server: true,
        region_id: 'region-a',
        project_name: 'proj',
        project_id: 'p-1',
        vm_template_id: 'tpl-1',
        exist_server: false,
        use_public_ip: true,
        subtask_info: 'MIGRATE_LINUX_BLOCK-40',
        target_server: { vm_id: 'vm-1', name: 'web-01-target', disks: [] },
        clone_server: { vm_id: 'clone-1', name: 'clone' },
      }),
    );
    const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect((response.json() as Body).current_task).toEqual({
      id: 'task-1',
      name: 'MigrationTask',
      type: 'MIGRATE_BLOCK',
      state: 'RUNNING',
      start_date: 1700000100000,
      speed_limit: 100,
      migrate_speed: 12.5,
      start_target_server: true,
      vm_template_id: 'tpl-1',
      region_id: 'region-a',
      project_name: 'proj',
      project_id: 'p-1',
      target_server: { vm_id: 'vm-1', name: 'web-01-target' },
      log_collect_status: null,
      exist_server: false,
      use_public_ip: true,
      clone_server: null,
      subtask_info: 'MIGRATE_LINUX_BLOCK-40',
    });
  });

  it('takes the sizes from the task’s last progress report, int64 exact', async () => {
    const id = await register(t, linuxRegistration());
    await putTask(
      taskFor(id, 'task-1', { sub_tasks: [{ id: 1, name: 'MIGRATE_LINUX_BLOCK', progress: 0 }], state: 'RUNNING' }),
    );
    for (const [replicated, total] of [
      ['1000', '10000'],
      ['9007199254740993', '9223372036854775807'],
    ]) {
      const report = await api(t.app, {
        method: 'PUT',
        url: '/v3/tasks/task-1/progress',
        headers: { 'content-type': 'application/json' },
        payload: `{"subtask_name":"MIGRATE_LINUX_BLOCK","progress":40,"replicatesize":${replicated},"totalsize":${total},"process_trace":"x"}`,
      });
      expect(report.statusCode).toBe(200);
    }
    const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect(response.body).toContain('"replicatesize":9007199254740993,');
    expect(response.body).toContain('"totalsize":9223372036854775807,');
  });

  it('of several tasks naming the server, shows the newest', async () => {
    const id = await register(t, linuxRegistration());
    await putTask(taskFor(id, 'old', { create_date: 1 }));
    await putTask(taskFor(id, 'new', { create_date: 2 }));
    await putTask(taskFor('another-source', 'other', { create_date: 3 }));
    const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect(((response.json() as Body).current_task as Body).id).toBe('new');
  });

  it('answers 404 SMS.2004 for an unknown id', async () => {
    const response = await api(t.app, { method: 'GET', url: '/v3/sources/nope' });
    expect(response.statusCode).toBe(404);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2004',
      error_msg: 'The source server does not exist: nope',
    });
  });

  it('a fault rule matches it by its source_id', async () => {
    const id = await register(t, linuxRegistration());
    const other = await register(t, linuxRegistration({ name: 'other' }));
    t.core.faults.add({ operation: 'ShowServer', resource_id: id, effect: { type: 'error', preset: 'forbidden' } });
    const faulted = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect([faulted.statusCode, faulted.json()]).toEqual([
      403,
      { error_code: 'SMS.9004', error_msg: 'The current account does not have the permission' },
    ]);
    expect((await api(t.app, { method: 'GET', url: `/v3/sources/${other}` })).statusCode).toBe(200);
  });

  it('is journaled with source_id as its resource', async () => {
    const id = await register(t, linuxRegistration());
    await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    const journal = await t.app.inject({ method: 'GET', url: `/_mock/requests?operation=ShowServer` });
    const [entry] = (journal.json() as { requests: Body[] }).requests;
    expect(entry).toMatchObject({ operation: 'ShowServer', resource_id: id, task_id: null, status: 200 });
  });
});
