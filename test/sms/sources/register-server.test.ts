import { describe, expect, it } from 'vitest';
import { api, type ErrorBody, json, rowCount, useTestApp } from '../../helpers.js';
import {
  type Body,
  checksOf,
  LINUX_CHECKS,
  linuxRegistration,
  register,
  sourceRow,
  sourceRows,
  WINDOWS_CHECKS,
  windowsRegistration,
} from './fixtures.js';

const t = useTestApp();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function show(id: string): Promise<Body> {
  const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
  expect(response.statusCode).toBe(200);
  return response.json() as Body;
}

describe('POST /v3/sources (RegisterServer)', () => {
  it('registers a Linux server: 200 with a new id, stored waiting in the checking cycle, connected', async () => {
    const body = linuxRegistration();
    const response = await api(t.app, { method: 'POST', url: '/v3/sources', payload: body });
    expect(response.statusCode).toBe(200);
    const { id } = json<{ id: string }>(response);
    expect(response.json()).toEqual({ id });
    expect(id).toMatch(UUID);

    const now = BigInt(t.clock.current);
    expect(sourceRow(t.db, id)).toEqual({
      id,
      name: 'web-01',
      ip: '192.168.0.10',
      ipv6: null,
      first_mac: 'fa:16:3e:00:00:01',
      os_type: 'LINUX',
      state: 'waiting',
      migration_cycle: 'checking',
      connected: 1n,
      enterprise_project_id: null,
      migprojectid: null,
      add_date: now,
      last_visit_time: now,
      state_action_time: now,
      stage_action_time: now,
      registration: body,
      agent_polled_at: null,
    });
    expect(rowCount(t.db, 'sources')).toBe(1);
  });

  it('registers a Windows server that passes its checks as waiting', async () => {
    const id = await register(t, windowsRegistration());
    const shown = await show(id);
    expect(shown.state).toBe('waiting');
    expect(shown.checks).toEqual(checksOf(WINDOWS_CHECKS));
  });

  it('registers a server whose checks fail as unavailable, and shows which', async () => {
    const id = await register(t, linuxRegistration({ boot_loader: 'LILO' }));
    const shown = await show(id);
    expect([shown.state, shown.migration_cycle, shown.connected]).toEqual(['unavailable', 'checking', true]);
    expect(shown.checks).toEqual(
      checksOf(LINUX_CHECKS, {
        BOOT_LOADER: {
          result: 'ERROR',
          error_code: 'SMS.6517',
          error_or_warn: 'only GRUB is supported as the boot loader',
          error_params: 'boot_loader',
        },
      }),
    );
  });

  it('a warning alone leaves the server waiting', async () => {
    const id = await register(t, linuxRegistration({ has_rsync: false }));
    expect((await show(id)).state).toBe('waiting');
  });

  it('registers the body Terraform sends without an agent (its missing Linux fields fail two checks)', async () => {
    const body = {
      ip: '192.168.0.10',
      name: 'tf-acc-name',
      os_type: 'LINUX',
      os_version: 'Ubuntu 18.04 server 64bit',
      firmware: 'BIOS',
      boot_loader: 'GRUB',
      has_rsync: true,
      paravirtualization: true,
      cpu_quantity: 2,
      memory: 4018196480,
      agent_version: '25.2.0',
      disks: [
        {
          name: 'Disk 0',
          partition_style: 'MBR',
          device_use: 'BOOT',
          size: 85897247744,
          used_size: 42943137792,
          physical_volumes: [
            {
              device_use: 'OS',
              file_system: 'ext4',
              mount_point: '/',
              name: '/dev/vda1',
              size: 42943137792,
              used_size: 1071640576,
            },
          ],
        },
      ],
      networks: [
        {
          name: 'eth0',
          ip: '192.168.0.10',
          netmask: '255.255.255.0',
          gateway: '192.168.0.1',
          mtu: 1,
          mac: 'fa:16:3e:00:00:01',
        },
      ],
    };
    const id = await register(t, body);
    const shown = await show(id);
    expect(shown.state).toBe('unavailable');
    expect((shown.checks as Body[]).filter((c) => c.result !== 'OK').map((c) => c.name)).toEqual([
      'RAW_DEVICES',
      'DISK_INFO',
    ]);
    expect(shown.networks).toEqual([{ ...body.networks[0], ipv6: null, id: null }]);
  });

  it('stores only the model’s fields: the id, state and migration cycle are the server’s, unknown fields dropped', async () => {
    const body = linuxRegistration({ state: 'finished', migration_cycle: 'cutovered', cdrom_letter: 'E:\\' });
    const id = await register(t, body);
    const row = sourceRow(t.db, id) as Body;
    expect([row.state, row.migration_cycle]).toEqual(['waiting', 'checking']);
    const { state: _s, migration_cycle: _m, cdrom_letter: _c, ...stored } = body;
    expect(row.registration).toEqual(stored);
  });

  it('keeps int64 values exact: memory 2^63 - 1 is stored and shown digit for digit', async () => {
    const payload = JSON.stringify(linuxRegistration()).replace('"memory":4018196480', '"memory":9223372036854775807');
    const response = await api(t.app, {
      method: 'POST',
      url: '/v3/sources',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(200);
    const { id } = json<{ id: string }>(response);
    expect((sourceRow(t.db, id) as { registration: Body }).registration.memory).toBe(9223372036854775807n);
    const shown = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
    expect(shown.body).toContain('"memory":9223372036854775807,');
  });

  it('registers an IPv6-only server', async () => {
    const id = await register(t, linuxRegistration({ ip: undefined, ipv6: 'fd00::10' }));
    expect(sourceRow(t.db, id)).toMatchObject({ ip: null, ipv6: 'fd00::10' });
    expect((await show(id)).ip).toBeNull();
  });

  it('an empty ip counts as none when ipv6 is given; both may be given', async () => {
    const a = await register(t, linuxRegistration({ name: 'a', ip: '', ipv6: 'fd00::a' }));
    const b = await register(t, linuxRegistration({ name: 'b', ipv6: 'fd00::b' }));
    expect(sourceRow(t.db, a)).toMatchObject({ ip: null, ipv6: 'fd00::a' });
    expect(sourceRow(t.db, b)).toMatchObject({ ip: '192.168.0.10', ipv6: 'fd00::b' });
  });

  it('only the first network needs a MAC', async () => {
    const networks = [{ mac: 'fa:16:3e:00:00:01' }, { name: 'eth1', mac: '' }];
    expect(await register(t, linuxRegistration({ networks }))).toMatch(UUID);
  });

  describe('registering again', () => {
    it('by id: the same id answers, the registration and last visit are refreshed, add_date stays', async () => {
      const id = await register(t, linuxRegistration());
      const addedAt = BigInt(t.clock.current);
      t.clock.advance(60_000);
      const again = linuxRegistration({ id, name: 'web-01-renamed', ip: '192.168.0.11', memory: 8036392960 });
      expect(await register(t, again)).toBe(id);

      const { id: _id, ...registration } = again;
      expect(sourceRow(t.db, id)).toEqual({
        id,
        name: 'web-01-renamed',
        ip: '192.168.0.11',
        ipv6: null,
        first_mac: 'fa:16:3e:00:00:01',
        os_type: 'LINUX',
        state: 'waiting',
        migration_cycle: 'checking',
        connected: 1n,
        enterprise_project_id: null,
        migprojectid: null,
        add_date: addedAt,
        last_visit_time: BigInt(t.clock.current),
        state_action_time: addedAt,
        stage_action_time: addedAt,
        registration,
        agent_polled_at: null,
      });
      expect(rowCount(t.db, 'sources')).toBe(1);
    });

    it('without an id, by the same name and first MAC', async () => {
      const id = await register(t, linuxRegistration());
      t.clock.advance(1000);
      expect(await register(t, linuxRegistration({ cpu_quantity: 8 }))).toBe(id);
      expect(rowCount(t.db, 'sources')).toBe(1);
      expect((sourceRow(t.db, id) as { registration: Body }).registration.cpu_quantity).toBe(8);
    });

    it('a different name or a different first MAC is another server', async () => {
      const id = await register(t, linuxRegistration());
      const otherName = await register(t, linuxRegistration({ name: 'web-02' }));
      const otherMac = await register(t, linuxRegistration({ networks: [{ mac: 'fa:16:3e:00:00:02' }] }));
      expect(new Set([id, otherName, otherMac]).size).toBe(3);
      expect(rowCount(t.db, 'sources')).toBe(3);
    });

    it('an id naming no stored server registers the server under that id', async () => {
      const id = await register(t, linuxRegistration({ id: 'persisted-agent-id' }));
      expect(id).toBe('persisted-agent-id');
      expect(sourceRow(t.db, id)).toMatchObject({ state: 'waiting', add_date: BigInt(t.clock.current) });
    });

    it('moves a waiting server to unavailable when a check now fails, and back', async () => {
      const id = await register(t, linuxRegistration());
      t.clock.advance(1000);
      await register(t, linuxRegistration({ id, boot_loader: null }));
      expect(sourceRow(t.db, id)).toMatchObject({ state: 'unavailable', state_action_time: BigInt(t.clock.current) });
      t.clock.advance(1000);
      await register(t, linuxRegistration({ id }));
      expect(sourceRow(t.db, id)).toMatchObject({ state: 'waiting', state_action_time: BigInt(t.clock.current) });
    });

    it('leaves a migration’s state, the migration project and the disk adjustments as they were', async () => {
      const id = await register(t, linuxRegistration());
      const changed = await api(t.app, {
        method: 'PUT',
        url: `/v3/sources/${id}/changestate`,
        payload: { copystate: 'replicate', migrationcycle: 'replicating' },
      });
      expect(changed.statusCode).toBe(200);
      const adjust = { migprojectid: 'mp-1', disks: [{ id: '/dev/vda', adjust_size: 53687091200 }] };
      expect((await api(t.app, { method: 'PUT', url: `/v3/sources/${id}`, payload: adjust })).statusCode).toBe(200);

      await register(t, linuxRegistration({ id, boot_loader: null }));
      const row = sourceRow(t.db, id) as Body & { registration: Body };
      expect([row.state, row.migration_cycle, row.migprojectid]).toEqual(['replicate', 'replicating', 'mp-1']);
      expect(row.registration.adjustments).toEqual({ disks: adjust.disks });
      expect(row.registration.boot_loader).toBeNull();
    });
  });

  describe('refusals: 400 in the vendor’s shape, nothing stored', () => {
    const cases: [string, Body, string][] = [
      [
        'the first MAC empty',
        { networks: [{ mac: '' }, { mac: 'fa:16:3e:00:00:02' }] },
        'networks[0].mac must not be empty',
      ],
      ['no MAC on the first network', { networks: [{ name: 'eth0' }] }, 'networks[0].mac is required'],
      ['no networks', { networks: [] }, 'networks must have at least 1 items'],
      ['neither ip nor ipv6', { ip: undefined }, 'ip or ipv6 is required'],
      ['ip and ipv6 both empty', { ip: '', ipv6: '' }, 'ip or ipv6 is required'],
      ['ip null, no ipv6', { ip: null }, 'ip or ipv6 is required'],
      ['ip not IPv4', { ip: '192.168.0.256' }, 'ip must be an IPv4 address'],
      ['ip an IPv6 address', { ip: 'fd00::1' }, 'ip must be an IPv4 address'],
      ['ipv6 not IPv6', { ipv6: '192.168.0.1' }, 'ipv6 must be an IPv6 address'],
      ['no name', { name: undefined }, 'name is required'],
      ['a name of 65 characters', { name: 'n'.repeat(65) }, 'name must be at most 64 characters'],
      ['an unknown OS', { os_type: 'SOLARIS' }, 'os_type must be one of: WINDOWS, LINUX'],
      ['no agent version', { agent_version: undefined }, 'agent_version is required'],
      ['an id of 37 characters', { id: 'i'.repeat(37) }, 'id must be at most 36 characters'],
      ['a fractional memory', { memory: 1.5 }, 'memory must be integer'],
      ['a string CPU count', { cpu_quantity: '2' }, 'cpu_quantity must be integer'],
      ['an unknown firmware', { firmware: 'COREBOOT' }, 'firmware must be one of: BIOS, UEFI'],
      ['a negative memory', { memory: -5 }, 'memory must be >= 0'],
      ['a negative CPU count', { cpu_quantity: -2 }, 'cpu_quantity must be >= 0'],
      ['a negative disk size', { disks: [{ name: '/dev/vda', size: -1 }] }, 'disks[0].size must be >= 0'],
      [
        'a negative partition size',
        { disks: [{ name: '/dev/vda', size: 1, physical_volumes: [{ name: '/dev/vda1', used_size: -1 }] }] },
        'disks[0].physical_volumes[0].used_size must be >= 0',
      ],
    ];
    it.each(cases)('%s', async (_what, changes, message) => {
      const response = await api(t.app, { method: 'POST', url: '/v3/sources', payload: linuxRegistration(changes) });
      expect(response.statusCode).toBe(400);
      expect(json<ErrorBody>(response)).toEqual({
        error_code: 'SMS.2001',
        error_msg: `Invalid request parameter: ${message}`,
      });
      expect(rowCount(t.db, 'sources')).toBe(0);
    });

    it('a refused registration again changes nothing stored', async () => {
      const id = await register(t, linuxRegistration());
      const before = sourceRows(t.db);
      const response = await api(t.app, {
        method: 'POST',
        url: '/v3/sources',
        payload: linuxRegistration({ id, ip: 'not-an-ip', name: 'changed' }),
      });
      expect(response.statusCode).toBe(400);
      expect(sourceRows(t.db)).toEqual(before);
    });

    it('no body at all', async () => {
      const response = await api(t.app, { method: 'POST', url: '/v3/sources' });
      expect(response.statusCode).toBe(400);
      expect(json<ErrorBody>(response).error_code).toBe('SMS.2001');
      expect(rowCount(t.db, 'sources')).toBe(0);
    });
  });
});
