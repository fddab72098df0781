import { describe, expect, it } from 'vitest';
import { api, dbSnapshot, rowCount, sampleTask, useTestApp } from '../../helpers.js';

const t = useTestApp(
  {},
  {
    seed: [
      sampleTask('task-1'),
      { ...sampleTask('task-win'), os_type: 'WINDOWS' },
      { ...sampleTask('task-file'), type: 'MIGRATE_FILE' },
      { id: 'task-bare', state: 'READY' },
    ],
  },
);

const show = (id = 'task-1', query = '') =>
  api(t.app, { method: 'GET', url: `/v3/tasks/${id}/configuration-setting${query}` });
const post = (payload: unknown, id = 'task-1') =>
  api(t.app, { method: 'POST', url: `/v3/tasks/${id}/configuration-setting`, payload: payload as object });
const rows = (id = 'task-1') =>
  t.db
    .prepare(
      `SELECT position, config_key, config_value, config_status
       FROM task_configurations WHERE task_id = ? ORDER BY position`,
    )
    .raw()
    .all(id);

const KEYS =
  'MIGRATE_EXCLUDE_DIR, SYNC_EXCLUDE_DIR, ONLY_SYNC_DIR, CONSISTENCY_DIR, CONSISTENCY_DIR_ILLEGAL, ' +
  'LINUX_BLOCK_COMPRESS_THREAD_NUM, MIGRATE_DST_IP, LINUX_BLOCK_CACHE_SIZE, LINUX_CPU_LIMIT, LINUX_MEM_LIMIT, ' +
  'LINUX_IO_LIMIT, NUM_PROCESS_MIGRATE, NUM_PROCESS_SYNC, CONSISTENCY_RECHECK, CONSISTENCY_MODE, DYNAMIC_PORT, ' +
  'INSTALL_PWD_AGENT';

describe('GET /v3/tasks/{task_id}/configuration-setting (ShowConfigSetting)', () => {
  it('answers the task id, its migration type and an empty list for a task without settings', async () => {
    const response = await show();
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"task_id":"task-1","migrate_type":"LINUX_MIGRATE_BLOCK","configurations":[]}');
  });

  it.each([
    ['task-win', 'WINDOWS_MIGRATE_BLOCK'],
    ['task-file', 'LINUX_MIGRATE_FILE'],
    ['task-bare', null],
  ])('names the migration type of %s from its OS and type: %s', async (id, type) => {
    expect((await show(id)).json()).toEqual({ task_id: id, migrate_type: type, configurations: [] });
  });

  it('answers 404 for an unknown task', async () => {
    const response = await show('nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' });
    expect((await show('nope', '?config_key=LINUX_CPU_LIMIT')).statusCode).toBe(404);
  });

  it('filters by config_key, exactly', async () => {
    await post({
      configurations: [
        { config_key: 'MIGRATE_EXCLUDE_DIR', config_value: '/tmp,/var/cache' },
        { config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: 'on' },
      ],
    });
    expect((await show('task-1', '?config_key=LINUX_CPU_LIMIT')).json()).toEqual({
      task_id: 'task-1',
      migrate_type: 'LINUX_MIGRATE_BLOCK',
      configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: 'on' }],
    });
    expect((await show('task-1', '?config_key=LINUX_MEM_LIMIT')).json()).toEqual({
      task_id: 'task-1',
      migrate_type: 'LINUX_MIGRATE_BLOCK',
      configurations: [],
    });
  });

  it('refuses a config_key the service does not know, with 400 naming it', async () => {
    for (const query of ['?config_key=linux_cpu_limit', '?config_key=', '?config_key=LINUX_CPU']) {
      const response = await show('task-1', query);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error_code: 'SMS.2001',
        error_msg: `Invalid request parameter: config_key must be one of: ${KEYS}`,
      });
    }
  });
});

describe('POST /v3/tasks/{task_id}/configuration-setting (UploadSpecialConfigurationSetting)', () => {
  it('stores the settings, answers {}, and GET echoes them with config_status exactly as sent', async () => {
    const response = await post({
      configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: 'testA' }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{}');
    expect(rows()).toEqual([[0, 'LINUX_CPU_LIMIT', '60', 'testA']]);
    expect((await show()).json()).toEqual({
      task_id: 'task-1',
      migrate_type: 'LINUX_MIGRATE_BLOCK',
      configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: 'testA' }],
    });
  });

  it('shows config_status null when none was sent, and keeps values as sent (empty, spaces, any script)', async () => {
    const settings = [
      { config_key: 'SYNC_EXCLUDE_DIR', config_value: '' },
      { config_key: 'MIGRATE_EXCLUDE_DIR', config_value: ' /数据/临时 , /tmp ', config_status: '' },
    ];
    expect((await post({ configurations: settings })).statusCode).toBe(200);
    expect((await show()).json().configurations).toEqual([
      { config_key: 'SYNC_EXCLUDE_DIR', config_value: '', config_status: null },
      { config_key: 'MIGRATE_EXCLUDE_DIR', config_value: ' /数据/临时 , /tmp ', config_status: '' },
    ]);
  });

  it('merges by config_key: a key set again changes in its place, new keys go last, the others stay', async () => {
    await post({
      configurations: [
        { config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: 'testA' },
        { config_key: 'NUM_PROCESS_MIGRATE', config_value: '4' },
        { config_key: 'DYNAMIC_PORT', config_value: '8900' },
      ],
    });
    const response = await post({
      configurations: [
        { config_key: 'INSTALL_PWD_AGENT', config_value: 'false' },
        { config_key: 'LINUX_CPU_LIMIT', config_value: '50' },
        { config_key: 'DYNAMIC_PORT', config_value: '8901', config_status: 'testB' },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(rows()).toEqual([
      [0, 'LINUX_CPU_LIMIT', '50', null],
      [1, 'NUM_PROCESS_MIGRATE', '4', null],
      [2, 'DYNAMIC_PORT', '8901', 'testB'],
      [3, 'INSTALL_PWD_AGENT', 'false', null],
    ]);
    expect((await show()).json().configurations).toEqual([
      { config_key: 'LINUX_CPU_LIMIT', config_value: '50', config_status: null },
      { config_key: 'NUM_PROCESS_MIGRATE', config_value: '4', config_status: null },
      { config_key: 'DYNAMIC_PORT', config_value: '8901', config_status: 'testB' },
      { config_key: 'INSTALL_PWD_AGENT', config_value: 'false', config_status: null },
    ]);
  });

  it('reads back what the Terraform provider sends on create and on update', async () => {
    await post({ configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: 'testA' }] });
    await post({ configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '50', config_status: 'testB' }] });
    expect((await show()).json()).toEqual({
      task_id: 'task-1',
      migrate_type: 'LINUX_MIGRATE_BLOCK',
      configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '50', config_status: 'testB' }],
    });
  });

  it("keeps each task's settings apart, and they go with their task", async () => {
    await post({ configurations: [{ config_key: 'LINUX_IO_LIMIT', config_value: '100' }] });
    await post({ configurations: [{ config_key: 'LINUX_IO_LIMIT', config_value: '5' }] }, 'task-win');
    expect(rows('task-1')).toEqual([[0, 'LINUX_IO_LIMIT', '100', null]]);
    expect(rows('task-win')).toEqual([[0, 'LINUX_IO_LIMIT', '5', null]]);
    expect((await t.app.inject({ method: 'DELETE', url: '/_mock/tasks/task-1' })).statusCode).toBe(204);
    expect(rowCount(t.db, 'task_configurations')).toBe(1);
  });

  it.each([
    [{}, 'configurations is required'],
    [{ configurations: [] }, 'configurations must have at least 1 items'],
    [{ configurations: {} }, 'configurations must be array'],
    [{ configurations: [{ config_value: '1' }] }, 'configurations[0].config_key is required'],
    [{ configurations: [{ config_key: 'LINUX_CPU_LIMIT' }] }, 'configurations[0].config_value is required'],
    [
      { configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: 60 }] },
      'configurations[0].config_value must be string',
    ],
    [
      { configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: true }] },
      'configurations[0].config_status must be string',
    ],
    [
      {
        configurations: [
          { config_key: 'LINUX_CPU_LIMIT', config_value: '60' },
          { config_key: 'CPU_LIMIT', config_value: '60' },
        ],
      },
      `configurations[1].config_key must be one of: ${KEYS}`,
    ],
    [
      {
        configurations: [
          { config_key: 'LINUX_CPU_LIMIT', config_value: '60' },
          { config_key: 'DYNAMIC_PORT', config_value: '1' },
          { config_key: 'LINUX_CPU_LIMIT', config_value: '50' },
        ],
      },
      'configurations[2].config_key duplicates configurations[0].config_key',
    ],
    [
      {
        configurations: Array.from({ length: 51 }, () => ({ config_key: 'LINUX_CPU_LIMIT', config_value: '1' })),
      },
      'configurations must have at most 50 items',
    ],
  ])('refuses %j with 400 naming the field, storing nothing', async (body, message) => {
    await post({ configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '60', config_status: 'testA' }] });
    const before = dbSnapshot(t.db);
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('answers 404 for an unknown task and stores nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await post({ configurations: [{ config_key: 'LINUX_CPU_LIMIT', config_value: '60' }] }, 'nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' });
    expect(dbSnapshot(t.db)).toEqual(before);
  });
});
