import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { DEFAULTS } from '../../../src/config.js';
import { createCore } from '../../../src/core.js';
import { openDatabase } from '../../../src/db/database.js';
import { api, dbSnapshot, sampleTask, TestClock, useTestApp } from '../../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1'), sampleTask('task-2')] });

const show = (id = 'task-1', app = t.app) => api(app, { method: 'GET', url: `/v3/tasks/${id}/passphrase` });
const stored = (id = 'task-1') =>
  t.db.prepare('SELECT passphrase FROM tasks WHERE id = ?').pluck().get(id) as string | null;
/** 32 characters of the URL-safe base64 alphabet. */
const PASSPHRASE = /^[A-Za-z0-9_-]{32}$/;

describe('GET /v3/tasks/{task_id}/passphrase (ShowPassphrase)', () => {
  it('makes a passphrase on the first read, stores it, and answers it with the task id', async () => {
    expect(stored()).toBeNull();
    const response = await show();
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body)).toEqual(['task_id', 'passphrase']);
    expect(body.task_id).toBe('task-1');
    expect(body.passphrase).toMatch(PASSPHRASE);
    expect(stored()).toBe(body.passphrase);
  });

  it('answers the same passphrase on every read', async () => {
    const first = (await show()).json().passphrase;
    const second = (await show()).json().passphrase;
    expect(second).toBe(first);
    expect(stored()).toBe(first);
  });

  it('gives the same passphrase to first reads that arrive together', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => show()));
    const passphrases = new Set(answers.map((response) => response.json().passphrase));
    expect(passphrases.size).toBe(1);
    expect(stored()).toBe([...passphrases][0]);
  });

  it('gives every task its own, and a task put in again a new one', async () => {
    const one = (await show('task-1')).json().passphrase;
    const two = (await show('task-2')).json().passphrase;
    expect(two).toMatch(PASSPHRASE);
    expect(two).not.toBe(one);
    const replaced = await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
    expect(replaced.statusCode).toBe(200);
    expect(stored()).toBeNull();
    const again = (await show('task-1')).json().passphrase;
    expect(again).toMatch(PASSPHRASE);
    expect([one, two]).not.toContain(again);
  });

  it('answers 404 for an unknown task and stores nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await show('nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('leaves the ShowTask body as it was', async () => {
    const before = (await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).body;
    await show();
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).body).toBe(before);
  });
});

describe('ShowPassphrase over a database file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** An app on the database file at `path`, as a server start would build it; closing it closes the file. */
  async function appOn(path: string): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
    const db = openDatabase({ path });
    const core = createCore({
      config: { autoCreate: false, journalSize: DEFAULTS.journalSize, journalBytes: DEFAULTS.journalBytes },
      db,
      clock: new TestClock(),
    });
    const app = await buildApp({ config: { autoCreate: false, bodyLimit: 1024 * 1024, credentials: new Map() }, core });
    await core.start();
    await app.ready();
    return {
      app,
      async close() {
        await app.close();
        db.close();
      },
    };
  }

  it('keeps the passphrase across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-mock-passphrase-'));
    dirs.push(dir);
    const path = join(dir, 'sms-mock.db');

    const first = await appOn(path);
    const put = await first.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
    expect(put.statusCode).toBe(200);
    const before = (await show('task-1', first.app)).json().passphrase;
    expect(before).toMatch(PASSPHRASE);
    await first.close();

    const second = await appOn(path);
    try {
      const response = await show('task-1', second.app);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ task_id: 'task-1', passphrase: before });
    } finally {
      await second.close();
    }
  });
});
