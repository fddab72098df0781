import { describe, expect, it } from 'vitest';
import { api, type ErrorBody, json, rowCount, useTestApp } from '../../helpers.js';
import { type Body, linuxRegistration, register, sourceRow, sourceRows, taskFor } from './fixtures.js';

const t = useTestApp();

async function putTask(task: Body & { id: string }): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: `/_mock/tasks/${task.id}`, payload: task });
  expect(response.statusCode, response.body).toBe(200);
}

async function three(): Promise<string[]> {
  return [
    await register(t, linuxRegistration({ name: 'a' })),
    await register(t, linuxRegistration({ name: 'b' })),
    await register(t, linuxRegistration({ name: 'c' })),
  ];
}

describe('DELETE /v3/sources/{source_id} (DeleteServer)', () => {
  it('removes the record: 200 {}, then 404', async () => {
    const [a, b] = await three();
    const response = await api(t.app, { method: 'DELETE', url: `/v3/sources/${a}` });
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    expect(sourceRow(t.db, a as string)).toBeUndefined();
    expect(sourceRow(t.db, b as string)).toBeDefined();
    expect(rowCount(t.db, 'sources')).toBe(2);
    const again = await api(t.app, { method: 'DELETE', url: `/v3/sources/${a}` });
    expect([again.statusCode, again.json()]).toEqual([
      404,
      { error_code: 'SMS.2004', error_msg: `The source server does not exist: ${a}` },
    ]);
  });

  it('refuses while a task names the server (400 SMS.2253), and deletes once the task is gone', async () => {
    const [a] = (await three()) as [string];
    await putTask(taskFor(a, 'task-1'));
    const before = sourceRows(t.db);
    const response = await api(t.app, { method: 'DELETE', url: `/v3/sources/${a}` });
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2253',
      error_msg: `The source server has a migration task: delete the task first: ${a}`,
    });
    expect(sourceRows(t.db)).toEqual(before);

    expect((await t.app.inject({ method: 'DELETE', url: '/_mock/tasks/task-1' })).statusCode).toBe(204);
    expect((await api(t.app, { method: 'DELETE', url: `/v3/sources/${a}` })).statusCode).toBe(200);
    expect(sourceRow(t.db, a)).toBeUndefined();
  });

  it('a registration after the delete brings the server back under its id', async () => {
    const [a] = (await three()) as [string];
    await api(t.app, { method: 'DELETE', url: `/v3/sources/${a}` });
    expect(await register(t, linuxRegistration({ id: a, name: 'a' }))).toBe(a);
    expect(sourceRow(t.db, a)).toMatchObject({ state: 'waiting' });
  });
});

describe('POST /v3/sources/delete (DeleteServers)', () => {
  it('removes every server named: 200 {}', async () => {
    const [a, b, c] = await three();
    const response = await api(t.app, { method: 'POST', url: '/v3/sources/delete', payload: { ids: [a, c, a] } });
    expect([response.statusCode, response.json()]).toEqual([200, {}]);
    expect((sourceRows(t.db) as { id: string }[]).map((row) => row.id)).toEqual([b]);
  });

  it('all or nothing: an unknown id is a 404 naming it, and nothing is deleted', async () => {
    const [a, b] = await three();
    const before = sourceRows(t.db);
    const response = await api(t.app, { method: 'POST', url: '/v3/sources/delete', payload: { ids: [a, 'nope', b] } });
    expect(response.statusCode).toBe(404);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2004',
      error_msg: 'The source server does not exist: nope',
    });
    expect(sourceRows(t.db)).toEqual(before);
  });

  it('all or nothing: a server a task names is a 400 naming it, and nothing is deleted', async () => {
    const [a, b, c] = (await three()) as [string, string, string];
    await putTask(taskFor(b));
    const before = sourceRows(t.db);
    const response = await api(t.app, { method: 'POST', url: '/v3/sources/delete', payload: { ids: [a, b, c] } });
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2253',
      error_msg: `The source server has a migration task: delete the task first: ${b}`,
    });
    expect(sourceRows(t.db)).toEqual(before);
  });

  it.each([
    [{ ids: [] }, 'ids must have at least 1 items'],
    [{}, 'ids is required'],
    [{ ids: [''] }, 'ids[0] must be at least 1 characters'],
    [{ ids: Array.from({ length: 51 }, (_, i) => `s${i}`) }, 'ids must have at most 50 items'],
  ])('refuses %j with 400, deleting nothing', async (payload, message) => {
    await three();
    const before = sourceRows(t.db);
    const response = await api(t.app, { method: 'POST', url: '/v3/sources/delete', payload });
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2001',
      error_msg: `Invalid request parameter: ${message}`,
    });
    expect(sourceRows(t.db)).toEqual(before);
  });
});
