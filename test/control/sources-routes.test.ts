import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/lib/json.js';
import { dbSnapshot, type ErrorBody, json, rowCount, sampleTask, useTestApp } from '../helpers.js';
import { type Body, linuxRegistration, register, sourceRow } from '../sms/sources/fixtures.js';

const t = useTestApp();

function putSource(id: string, payload: Body | string) {
  return t.app.inject({
    method: 'PUT',
    url: `/_mock/sources/${id}`,
    payload,
    headers: { 'content-type': 'application/json' },
  });
}

describe('PUT /_mock/sources/{source_id}', () => {
  it('inserts a source given in the ShowServer shape and answers its ShowServer body', async () => {
    const response = await putSource('src-1', {
      name: 'web-01',
      ip: '10.0.0.5',
      os_type: 'WINDOWS',
      os_version: 'WINDOWS2019_64BIT',
      state: 'replicate',
      migration_cycle: 'replicating',
      connected: false,
      add_date: 1700000000000,
      enterprise_project_id: 'ep-1',
      checks: [{ id: 7, name: 'OS_VERSION', result: 'ERROR', error_code: 'SMS.6504', params: ['x'] }],
      networks: [{ mac: 'fa:16:3e:00:00:05' }],
    });
    expect(response.statusCode).toBe(200);
    const body = response.json() as Body;
    expect(body).toMatchObject({
      id: 'src-1',
      name: 'web-01',
      ip: '10.0.0.5',
      os_type: 'WINDOWS',
      state: 'replicate',
      migration_cycle: 'replicating',
      connected: false,
      add_date: 1700000000000,
      // Put in now: heard from now, unless the document says when.
      last_visit_time: t.clock.current,
      state_action_time: 1700000000000,
      stage_action_time: 1700000000000,
      enterprise_project_id: 'ep-1',
      current_task: null,
      checks: [
        {
          id: 7,
          name: 'OS_VERSION',
          result: 'ERROR',
          error_code: 'SMS.6504',
          params: ['x'],
          error_or_warn: null,
          error_params: null,
        },
      ],
      init_target_server: { disks: [], volume_groups: [] },
    });
    expect(sourceRow(t.db, 'src-1')).toMatchObject({ first_mac: 'fa:16:3e:00:00:05', connected: 0n });
  });

  it('defaults as a registration would: name the id, state from the checks, checking, connected, dates now', async () => {
    const response = await putSource('bare', {});
    expect(response.statusCode).toBe(200);
    const now = t.clock.current;
    expect(response.json()).toMatchObject({
      id: 'bare',
      name: 'bare',
      state: 'waiting',
      migration_cycle: 'checking',
      connected: true,
      add_date: now,
      last_visit_time: now,
      checks: [],
    });
    const failing = await putSource('linux', { os_type: 'LINUX', os_version: 'x' });
    expect((failing.json() as Body).state).toBe('unavailable');
  });

  it('replaces a stored source whole, and the stored fields a registration keeps (ipv6, migration project)', async () => {
    const id = await register(t, linuxRegistration());
    const response = await putSource(id, { name: 'replaced', ipv6: 'fd00::9', migprojectid: 'mp-9' });
    expect(response.statusCode).toBe(200);
    expect(sourceRow(t.db, id)).toMatchObject({
      name: 'replaced',
      ip: null,
      ipv6: 'fd00::9',
      migprojectid: 'mp-9',
      os_type: null,
      registration: {},
    });
    expect(rowCount(t.db, 'sources')).toBe(1);
  });

  it('takes a ShowServer body as answered back: current_task and the sizes come from the tasks, int64 exact', async () => {
    const id = await register(t, linuxRegistration());
    const task = { ...sampleTask('task-1'), source_server: { id } };
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: task });
    const shown = await t.app.inject({ method: 'GET', url: `/v3/sources/${id}`, headers: { 'x-auth-token': 'x' } });
    const text = shown.body
      .replace('"memory":4018196480', '"memory":9223372036854775807')
      .replace('"id":"task-1"', '"id":"made-up"')
      .replace('"totalsize":0', '"totalsize":77');
    const response = await putSource(id, text);
    expect(response.statusCode, response.body).toBe(200);
    const copy = parseJson(response.body) as Body;
    expect(copy.memory).toBe(9223372036854775807n);
    expect((copy.current_task as Body).id).toBe('task-1');
    expect(copy.totalsize).toBe(0);
    const { registration } = sourceRow(t.db, id) as { registration: Body };
    expect(Object.keys(registration)).not.toContain('current_task');
    expect(Object.keys(registration)).not.toContain('totalsize');
  });

  it('takes back what it answered for a source with no values', async () => {
    const first = await putSource('bare', {});
    const again = await putSource('bare', first.body);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
  });

  it.each([
    [{ nmae: 'typo' }, 'nmae is not a known field'],
    [{ disks: [{ sise: 1 }] }, 'disks[0].sise is not a known field'],
    [{ state: 'sleeping' }, 'state must be one of: unavailable, waiting'],
    [{ migration_cycle: 'later' }, 'migration_cycle must be one of: checking'],
    [{ os_type: 'SOLARIS' }, 'os_type must be one of: WINDOWS, LINUX'],
    [{ add_date: 1.5 }, 'add_date must be integer'],
    [{ id: 'other' }, "id 'other' differs from the path's 'src-1'"],
  ])('refuses %j with 400 naming the field, storing nothing', async (payload, message) => {
    const before = dbSnapshot(t.db);
    const response = await putSource('src-1', payload);
    expect(response.statusCode).toBe(400);
    const body = json<ErrorBody>(response);
    expect(body.error_code).toBe('SMS.2001');
    expect(body.error_msg.startsWith(`Invalid request parameter: ${message}`), body.error_msg).toBe(true);
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('refuses an id longer than 255 characters', async () => {
    const response = await putSource('s'.repeat(256), {});
    expect(response.statusCode).toBe(400);
    expect(rowCount(t.db, 'sources')).toBe(0);
  });

  it('is not journaled', async () => {
    await putSource('src-1', {});
    const journal = await t.app.inject({ method: 'GET', url: '/_mock/requests?count=true' });
    expect(journal.json()).toEqual({ count: 0 });
  });
});

describe('DELETE /_mock/sources/{source_id}', () => {
  it('deletes a source even while a task names it: 204, then 404', async () => {
    const id = await register(t, linuxRegistration());
    await t.app.inject({
      method: 'PUT',
      url: '/_mock/tasks/task-1',
      payload: { ...sampleTask('task-1'), source_server: { id } },
    });
    const response = await t.app.inject({ method: 'DELETE', url: `/_mock/sources/${id}` });
    expect([response.statusCode, response.body]).toEqual([204, '']);
    expect(rowCount(t.db, 'sources')).toBe(0);
    expect(rowCount(t.db, 'tasks')).toBe(1);
    const again = await t.app.inject({ method: 'DELETE', url: `/_mock/sources/${id}` });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error_code: 'SMS.2004', error_msg: `The source server does not exist: ${id}` });
  });
});

describe('POST /_mock/reset', () => {
  it('empties the sources table', async () => {
    await register(t, linuxRegistration());
    expect((await t.app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode).toBe(204);
    expect(rowCount(t.db, 'sources')).toBe(0);
  });
});
