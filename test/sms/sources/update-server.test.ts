import { describe, expect, it } from 'vitest';
import { stringifyJson } from '../../../src/lib/json.js';
import { CHANGESTATE_IGNORED_IN } from '../../../src/sms/sources/life-cycle.js';
import { api, type ErrorBody, json, useTestApp } from '../../helpers.js';
import { type Body, linuxRegistration, register, sourceRow, sourceRows, taskFor } from './fixtures.js';

const t = useTestApp();

async function putTask(task: Body & { id: string }): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: `/_mock/tasks/${task.id}`, payload: task });
  expect(response.statusCode, response.body).toBe(200);
}

function put(url: string, payload?: Body) {
  return api(t.app, {
    method: 'PUT',
    url,
    ...(payload === undefined
      ? {}
      : { payload: stringifyJson(payload), headers: { 'content-type': 'application/json' } }),
  });
}

const NOT_FOUND = (id: string) => ({ error_code: 'SMS.2004', error_msg: `The source server does not exist: ${id}` });

describe('PUT /v3/sources/{source_id} (UpdateServerName)', () => {
  it('renames the server and sets its migration project: 200 {}', async () => {
    const id = await register(t, linuxRegistration());
    const response = await put(`/v3/sources/${id}`, { name: 'web-01-prod', migprojectid: 'mp-1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({});
    expect(sourceRow(t.db, id)).toMatchObject({ name: 'web-01-prod', migprojectid: 'mp-1' });
    const shown = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect((shown.json() as Body).name).toBe('web-01-prod');
  });

  it('changes only the fields present; migprojectid null clears it, name null leaves it', async () => {
    const id = await register(t, linuxRegistration());
    await put(`/v3/sources/${id}`, { migprojectid: 'mp-1' });
    expect(sourceRow(t.db, id)).toMatchObject({ name: 'web-01', migprojectid: 'mp-1' });
    await put(`/v3/sources/${id}`, { name: null, migprojectid: null });
    expect(sourceRow(t.db, id)).toMatchObject({ name: 'web-01', migprojectid: null });
  });

  it('an empty body, or none at all, changes nothing', async () => {
    const id = await register(t, linuxRegistration());
    const before = sourceRows(t.db);
    for (const payload of [{}, undefined]) {
      const response = await put(`/v3/sources/${id}`, payload);
      expect([response.statusCode, response.json()]).toEqual([200, {}]);
    }
    expect(sourceRows(t.db)).toEqual(before);
  });

  it('stores disk and volume group adjustments while no task names the server, int64 exact', async () => {
    const id = await register(t, linuxRegistration());
    const disks = [
      { id: '/dev/vda', adjust_size: 9223372036854775807n, physical_volumes: [{ id: 'p1', need_migration: true }] },
    ];
    const volume_groups = [{ id: 'vg0', need_migration: false }];
    expect((await put(`/v3/sources/${id}`, { disks, volume_groups })).statusCode).toBe(200);
    expect((sourceRow(t.db, id) as { registration: Body }).registration.adjustments).toEqual({
      disks,
      volume_groups,
    });
    await put(`/v3/sources/${id}`, { volume_groups: [] });
    expect((sourceRow(t.db, id) as { registration: Body }).registration.adjustments).toEqual({
      disks,
      volume_groups: [],
    });
  });

  it('ignores disk adjustments once a task names the server (the name still changes)', async () => {
    const id = await register(t, linuxRegistration());
    await putTask(taskFor(id));
    const response = await put(`/v3/sources/${id}`, { name: 'renamed', disks: [{ id: '/dev/vda', adjust_size: 1 }] });
    expect(response.statusCode).toBe(200);
    const row = sourceRow(t.db, id) as Body & { registration: Body };
    expect(row.name).toBe('renamed');
    expect(row.registration).not.toHaveProperty('adjustments');
  });

  it.each([
    [{ name: '' }, 'name must be at least 1 characters'],
    [{ name: 'n'.repeat(65) }, 'name must be at most 64 characters'],
    [{ disks: [{ adjust_size: 'big' }] }, 'disks[0].adjust_size must be integer'],
    [{ volume_groups: {} }, 'volume_groups must be array'],
  ])('refuses %j with 400, changing nothing', async (payload, message) => {
    const id = await register(t, linuxRegistration());
    const before = sourceRows(t.db);
    const response = await put(`/v3/sources/${id}`, payload);
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2001',
      error_msg: `Invalid request parameter: ${message}`,
    });
    expect(sourceRows(t.db)).toEqual(before);
  });

  it('answers 404 for an unknown server', async () => {
    const response = await put('/v3/sources/nope', { name: 'x' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(NOT_FOUND('nope'));
  });
});

describe('PUT /v3/sources/{source_id}/changestate (UpdateCopyState)', () => {
  it('sets the state and migration cycle, stamping when each changed: 200 {}', async () => {
    const id = await register(t, linuxRegistration());
    const registeredAt = BigInt(t.clock.current);
    t.clock.advance(5000);
    const response = await put(`/v3/sources/${id}/changestate`, {
      copystate: 'replicate',
      migrationcycle: 'replicating',
    });
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    const changedAt = BigInt(t.clock.current);
    expect(sourceRow(t.db, id)).toMatchObject({
      state: 'replicate',
      migration_cycle: 'replicating',
      state_action_time: changedAt,
      stage_action_time: changedAt,
    });

    t.clock.advance(5000);
    await put(`/v3/sources/${id}/changestate`, { copystate: 'syncing', migrationcycle: 'replicating' });
    expect(sourceRow(t.db, id)).toMatchObject({
      state: 'syncing',
      state_action_time: BigInt(t.clock.current),
      stage_action_time: changedAt,
    });
    expect(registeredAt).toBeLessThan(changedAt);
  });

  it.each([
    ['INIT', 'SETTING', 'initialize', 'setting'],
    ['init', 'checking', 'initialize', 'checking'],
    ['initialize', 'Syncing', 'initialize', 'syncing'],
    ['premiging', 'testing', 'premiging', 'testing'],
    ['Cloning', 'no_ready', 'cloning', 'no_ready'],
    ['WAITING', 'ready_for_test', 'waiting', 'ready_for_test'],
  ])(
    'accepts copystate %s and migrationcycle %s in any case, stored as %s / %s',
    async (copystate, cycle, state, stored) => {
      const id = await register(t, linuxRegistration());
      expect((await put(`/v3/sources/${id}/changestate`, { copystate, migrationcycle: cycle })).statusCode).toBe(200);
      expect(sourceRow(t.db, id)).toMatchObject({ state, migration_cycle: stored });
    },
  );

  it('Terraform’s unavailable/checking on a registered server', async () => {
    const id = await register(t, linuxRegistration());
    await put(`/v3/sources/${id}/changestate`, { copystate: 'unavailable', migrationcycle: 'checking' });
    const shown = (await api(t.app, { method: 'GET', url: `/v3/sources/${id}` })).json() as Body;
    expect([shown.state, shown.migration_cycle]).toEqual(['unavailable', 'checking']);
  });

  it.each(CHANGESTATE_IGNORED_IN.map((state) => [state]))(
    'leaves a server in %s as it is, still answering 200 {}',
    async (state) => {
      const id = await register(t, linuxRegistration());
      await put(`/v3/sources/${id}/changestate`, { copystate: state, migrationcycle: 'setting' });
      const before = sourceRows(t.db);
      t.clock.advance(1000);
      const response = await put(`/v3/sources/${id}/changestate`, {
        copystate: 'waiting',
        migrationcycle: 'cutovered',
      });
      expect([response.statusCode, response.json()]).toEqual([200, {}]);
      expect(sourceRows(t.db)).toEqual(before);
    },
  );

  it.each([
    [
      { copystate: 'sleeping', migrationcycle: 'checking' },
      'copystate must be one of: unavailable, waiting, initialize',
    ],
    [{ copystate: 'waiting', migrationcycle: 'done' }, 'migrationcycle must be one of: checking, setting, replicating'],
    [{ copystate: 'waiting' }, 'migrationcycle is required'],
    [{ migrationcycle: 'checking' }, 'copystate is required'],
    [{ copystate: '', migrationcycle: 'checking' }, 'copystate must be at least 1 characters'],
  ])('refuses %j with 400, changing nothing', async (payload, message) => {
    const id = await register(t, linuxRegistration());
    const before = sourceRows(t.db);
    const response = await put(`/v3/sources/${id}/changestate`, payload);
    expect(response.statusCode).toBe(400);
    const body = json<ErrorBody>(response);
    expect(body.error_code).toBe('SMS.2001');
    expect(body.error_msg.startsWith(`Invalid request parameter: ${message}`), body.error_msg).toBe(true);
    expect(sourceRows(t.db)).toEqual(before);
  });

  it('names every accepted value when refusing one', async () => {
    const id = await register(t, linuxRegistration());
    const response = await put(`/v3/sources/${id}/changestate`, { copystate: 'x', migrationcycle: 'checking' });
    expect(json<ErrorBody>(response).error_msg).toBe(
      'Invalid request parameter: copystate must be one of: unavailable, waiting, initialize, replicate, syncing, ' +
        'stopping, stopped, skipping, deleting, clearing, cleared, clearfailed, premigready, premiged, premigfailed, ' +
        'cloning, cutovering, finished, error, premiging, init',
    );
  });

  it('answers 404 for an unknown server, whatever the body says', async () => {
    for (const payload of [
      { copystate: 'waiting', migrationcycle: 'checking' },
      { copystate: 'x', migrationcycle: 'y' },
    ]) {
      const response = await put('/v3/sources/nope/changestate', payload);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual(NOT_FOUND('nope'));
    }
  });
});

describe('PUT /v3/sources/{source_id}/diskinfo (UpdateDiskInfo)', () => {
  const disks = [
    {
      name: '/dev/sda',
      partition_style: 'GPT',
      size: 9223372036854775807n,
      physical_volumes: [{ name: '/dev/sda1', size: 1024 }],
    },
  ];
  const volumegroups = [{ name: 'vg0', components: '/dev/sda2', size: 2048, logical_volumes: [] }];
  const btrfs_list = [{ name: 'pool', size: 4096 }];

  it('replaces the disks, volume groups (body key volumegroups) and Btrfs list: 200 {}', async () => {
    const id = await register(t, linuxRegistration());
    const response = await put(`/v3/sources/${id}/diskinfo`, { disks, volumegroups, btrfs_list });
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    const { registration } = sourceRow(t.db, id) as { registration: Body };
    expect(registration).toMatchObject({ disks, volume_groups: volumegroups, btrfs_list });
    expect(registration).not.toHaveProperty('volumegroups');
    const shown = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect(shown.body).toContain('"size":9223372036854775807,');
    expect((shown.json() as { init_target_server: { disks: Body[] } }).init_target_server.disks[0]?.name).toBe(
      '/dev/sda',
    );
  });

  it('changes only the lists present', async () => {
    const id = await register(t, linuxRegistration());
    await put(`/v3/sources/${id}/diskinfo`, { btrfs_list });
    const { registration } = sourceRow(t.db, id) as { registration: Body };
    expect(registration).toMatchObject({
      disks: linuxRegistration().disks,
      volume_groups: [],
      btrfs_list,
    });
  });

  it('runs the checks again: emptied disks make a waiting server unavailable, new ones make it waiting', async () => {
    const id = await register(t, linuxRegistration());
    t.clock.advance(1000);
    await put(`/v3/sources/${id}/diskinfo`, { disks: [] });
    expect(sourceRow(t.db, id)).toMatchObject({ state: 'unavailable', state_action_time: BigInt(t.clock.current) });
    await put(`/v3/sources/${id}/diskinfo`, { disks });
    expect(sourceRow(t.db, id)).toMatchObject({ state: 'waiting' });
  });

  it('leaves a migration’s state as it is', async () => {
    const id = await register(t, linuxRegistration());
    await put(`/v3/sources/${id}/changestate`, { copystate: 'replicate', migrationcycle: 'replicating' });
    await put(`/v3/sources/${id}/diskinfo`, { disks: [] });
    expect(sourceRow(t.db, id)).toMatchObject({ state: 'replicate' });
  });

  it('an empty body, or none, changes nothing', async () => {
    const id = await register(t, linuxRegistration());
    const before = sourceRows(t.db);
    for (const payload of [{}, undefined]) {
      expect((await put(`/v3/sources/${id}/diskinfo`, payload)).statusCode).toBe(200);
    }
    expect(sourceRows(t.db)).toEqual(before);
  });

  it.each([
    [{ disks: [{ size: 1.5 }] }, 'disks[0].size must be integer'],
    [
      { volumegroups: [{ logical_volumes: [{ block_size: 1048577 }] }] },
      'volumegroups[0].logical_volumes[0].block_size must be <= 1048576',
    ],
    [{ btrfs_list: 'pool' }, 'btrfs_list must be array'],
  ])('refuses %j with 400, changing nothing', async (payload, message) => {
    const id = await register(t, linuxRegistration());
    const before = sourceRows(t.db);
    const response = await put(`/v3/sources/${id}/diskinfo`, payload);
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2001',
      error_msg: `Invalid request parameter: ${message}`,
    });
    expect(sourceRows(t.db)).toEqual(before);
  });

  it('answers 404 for an unknown server', async () => {
    const response = await put('/v3/sources/nope/diskinfo', { disks });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(NOT_FOUND('nope'));
  });
});
