// The agent's command channel over HTTP: ShowCommand's answer for every state of a server's task and every pending
// command, commands handed out until their result, the stop a live agent is waited for, what results do to a task
// (a failed START, a failed STOP), results that change nothing, unknown servers, and the disconnect timeout on the
// mock clock in ShowServer, ListServers and ShowTask.
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_TIMEOUT_MS } from '../../../src/sms/agent/repository.js';
import { COMMAND_BY_STATE, DEFAULT_START_ERROR } from '../../../src/sms/agent/service.js';
import { TASK_STATES, type TaskState } from '../../../src/sms/tasks/state-machine.js';
import { api, dbSnapshot, type ErrorBody, json, type ShowTaskBody, useTestApp } from '../../helpers.js';
import { type Body, linuxRegistration, register, taskFor } from '../sources/fixtures.js';
import { terraformBody } from '../tasks/life-cycle-fixtures.js';

const t = useTestApp();

const poll = (serverId: string) => api(t.app, { method: 'GET', url: `/v3/sources/${serverId}/command` });
const report = (serverId: string, payload: Body) =>
  api(t.app, { method: 'POST', url: `/v3/sources/${serverId}/command_result`, payload });
const action = (taskId: string, operation: string) =>
  api(t.app, { method: 'POST', url: `/v3/tasks/${taskId}/action`, payload: { operation } });
const showTask = async (id: string) => json<ShowTaskBody>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));
const showServer = async (id: string) => json<Body>(await api(t.app, { method: 'GET', url: `/v3/sources/${id}` }));
const listServers = async (query = '') =>
  json<{ count: number; source_servers: Body[] }>(await api(t.app, { method: 'GET', url: `/v3/sources${query}` }));

/** The answer ShowCommand gives, as a body. */
const command = (name: string, taskId: string | null) => ({
  command_name: name,
  command_param: taskId === null ? null : { task_id: taskId },
});

/** What the channel stores of a task. */
function taskRow(id: string): Body | undefined {
  return t.db.prepare('SELECT state, agent_command, error_json FROM tasks WHERE id = ?').get(id) as Body | undefined;
}

/** What the channel stores of a source server. */
function agentRow(id: string): Body | undefined {
  return t.db
    .prepare('SELECT state, migration_cycle, connected, last_visit_time, agent_polled_at FROM sources WHERE id = ?')
    .get(id) as Body | undefined;
}

/** A registered server with a READY task created for it through the API. */
async function serverWithTask(): Promise<{ server: string; task: string }> {
  const server = await register(t, linuxRegistration());
  const created = await api(t.app, { method: 'POST', url: '/v3/tasks', payload: terraformBody(server) });
  expect(created.statusCode, created.body).toBe(200);
  return { server, task: json<{ id: string }>(created).id };
}

/** A server whose agent polled (so is live) and whose task it acknowledged starting: RUNNING, nothing pending. */
async function runningWithLiveAgent(): Promise<{ server: string; task: string }> {
  const ids = await serverWithTask();
  await poll(ids.server);
  expect((await action(ids.task, 'start')).statusCode).toBe(200);
  expect(json(await poll(ids.server))).toEqual(command('START', ids.task));
  expect((await report(ids.server, { command_name: 'START', result: 'success' })).statusCode).toBe(200);
  expect(taskRow(ids.task)).toMatchObject({ state: 'RUNNING', agent_command: null });
  return ids;
}

describe('GET /v3/sources/{server_id}/command (ShowCommand)', () => {
  it('answers TASK_NOT_STARTED with no parameters for a server without a task, and records the poll', async () => {
    const server = await register(t, linuxRegistration());
    t.clock.advance(1000);
    const before = dbSnapshot(t.db);
    const response = await poll(server);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"command_name":"TASK_NOT_STARTED","command_param":null}');
    const now = t.clock.current;
    expect(agentRow(server)).toEqual({
      state: 'waiting',
      migration_cycle: 'checking',
      connected: 1,
      last_visit_time: now,
      agent_polled_at: now,
    });
    // Nothing else changed: the tasks and every other table are as they were.
    const after = dbSnapshot(t.db);
    expect({ ...after, sources: [] }).toEqual({ ...before, sources: [] });
  });

  const STATES: (TaskState | null)[] = [...TASK_STATES, null];
  it.each(STATES)(
    'with no command pending, a task in state %s answers by its state, with the task id',
    async (state) => {
      const server = await register(t, linuxRegistration());
      await t.core.admin.putTasks([taskFor(server, 'task-1', { state: state ?? 'READY' })]);
      if (state === null) t.db.prepare("UPDATE tasks SET state = NULL WHERE id = 'task-1'").run();
      const tasksBefore = dbSnapshot(t.db).tasks;
      const response = await poll(server);
      expect(response.statusCode).toBe(200);
      const expected = state === null ? 'TASK_NOT_STARTED' : COMMAND_BY_STATE[state];
      expect(json(response)).toEqual(command(expected as string, 'task-1'));
      expect(dbSnapshot(t.db).tasks).toEqual(tasksBefore);
    },
  );

  it('the table: not started, at work, stopped and finished', () => {
    expect(COMMAND_BY_STATE).toEqual({
      READY: 'TASK_NOT_STARTED',
      RUNNING: 'START',
      SYNCING: 'START',
      SKIPPING: 'START',
      ABORTING: 'TASK_HAS_STOPPED',
      ABORT: 'TASK_HAS_STOPPED',
      MIGRATE_FAIL: 'TASK_HAS_STOPPED',
      SYNC_FAIL: 'TASK_HAS_STOPPED',
      DELETING: 'TASK_HAS_STOPPED',
      RESETING: 'TASK_HAS_STOPPED',
      MIGRATE_SUCCESS: 'TASK_HAS_FINISHED',
      SYNC_SUCCESS: 'TASK_HAS_FINISHED',
    });
  });

  const PENDING: [string, TaskState][] = [
    ['START', 'READY'],
    ['STOP', 'MIGRATE_SUCCESS'],
    ['SKIP', 'ABORT'],
    ['PREMIGRATE', 'SYNC_FAIL'],
  ];
  it.each(PENDING)('a pending %s is answered whatever the state (here %s)', async (pending, state) => {
    const server = await register(t, linuxRegistration());
    await t.core.admin.putTasks([taskFor(server, 'task-1', { state })]);
    t.db.prepare("UPDATE tasks SET agent_command = ? WHERE id = 'task-1'").run(pending);
    expect(json(await poll(server))).toEqual(command(pending, 'task-1'));
  });

  it('answers the task ShowServer shows as current: the newest, should several name the server', async () => {
    const server = await register(t, linuxRegistration());
    await t.core.admin.putTasks([
      taskFor(server, 'old', { state: 'MIGRATE_SUCCESS', create_date: 1000 }),
      taskFor(server, 'new', { state: 'ABORT', create_date: 2000 }),
    ]);
    expect(json(await poll(server))).toEqual(command('TASK_HAS_STOPPED', 'new'));
    expect((await showServer(server)).current_task).toMatchObject({ id: 'new' });
  });

  it('hands a START out on every poll until its result is reported', async () => {
    const { server, task } = await serverWithTask();
    expect(json(await poll(server))).toEqual(command('TASK_NOT_STARTED', task));
    await action(task, 'start');
    expect(taskRow(task)).toEqual({ state: 'RUNNING', agent_command: 'START', error_json: '' });
    for (let i = 0; i < 3; i++) {
      t.clock.advance(5000);
      expect(json(await poll(server))).toEqual(command('START', task));
      expect(taskRow(task)).toMatchObject({ agent_command: 'START' });
    }
    const result = await report(server, { command_name: 'START', result: 'success', result_detail: { msg: 'ok' } });
    expect([result.statusCode, result.body]).toEqual([200, '{}']);
    expect(taskRow(task)).toEqual({ state: 'RUNNING', agent_command: null, error_json: '' });
    // The command in force for a running task: an agent that restarted picks its task up again.
    expect(json(await poll(server))).toEqual(command('START', task));
    expect(taskRow(task)).toMatchObject({ agent_command: null });
  });

  it('hands out SKIP and PREMIGRATE as their actions give them; their moves settle at once', async () => {
    const server = await register(t, linuxRegistration());
    await poll(server);
    await t.core.admin.putTasks([
      taskFor(server, 'task-1', {
        state: 'RUNNING',
        sub_tasks: [
          { id: 1, name: 'MIGRATE_LINUX_FILE', progress: 100 },
          { id: 2, name: 'CHECK_CONSISTENCY', progress: 30 },
          { id: 3, name: 'CONFIGURE_LINUX_FILE', progress: 0 },
        ],
      }),
    ]);
    expect((await action('task-1', 'skip')).statusCode).toBe(200);
    expect(taskRow('task-1')).toMatchObject({ state: 'RUNNING', agent_command: 'SKIP' });
    expect(json(await poll(server))).toEqual(command('SKIP', 'task-1'));
    await report(server, { command_name: 'SKIP', result: 'success' });
    expect(taskRow('task-1')).toMatchObject({ state: 'RUNNING', agent_command: null });

    await t.core.admin.putTasks([taskFor(server, 'task-1', { state: 'SYNCING', need_migration_test: true })]);
    expect((await action('task-1', 'migration_test')).statusCode).toBe(200);
    expect(json(await poll(server))).toEqual(command('PREMIGRATE', 'task-1'));
    await report(server, { command_name: 'PREMIGRATE', result: 'fail' });
    expect(taskRow('task-1')).toMatchObject({ state: 'SYNCING', agent_command: null });
  });

  it('answers 404 SMS.2004 for an unknown server, storing nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await poll('nope');
    expect(response.statusCode).toBe(404);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2004',
      error_msg: 'The source server does not exist: nope',
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });
});

describe('stop and the live agent', () => {
  it('with a live agent, stop waits in ABORTING for the STOP result; ShowTask and ShowServer follow', async () => {
    const { server, task } = await runningWithLiveAgent();
    t.clock.advance(10_000);
    const stoppedAt = t.clock.current;
    const stop = await action(task, 'stop');
    expect([stop.statusCode, stop.body]).toEqual([200, '{}']);
    expect(taskRow(task)).toEqual({ state: 'ABORTING', agent_command: 'STOP', error_json: '' });
    expect(await showTask(task)).toMatchObject({ state: 'ABORTING', source_server: { state: 'stopping' } });
    expect(await showServer(server)).toMatchObject({
      state: 'stopping',
      state_action_time: stoppedAt,
      current_task: { id: task, state: 'ABORTING' },
    });

    // Handed out until its result comes.
    for (let i = 0; i < 2; i++) {
      t.clock.advance(5000);
      expect(json(await poll(server))).toEqual(command('STOP', task));
    }
    t.clock.advance(5000);
    const settledAt = t.clock.current;
    const result = await report(server, { command_name: 'STOP', result: 'success' });
    expect([result.statusCode, result.body]).toEqual([200, '{}']);
    expect(taskRow(task)).toEqual({ state: 'ABORT', agent_command: null, error_json: '' });
    expect(agentRow(server)).toMatchObject({ state: 'stopped', last_visit_time: settledAt });
    expect(await showTask(task)).toMatchObject({
      state: 'ABORT',
      migrate_speed: 0,
      source_server: { state: 'stopped' },
    });
    expect(await showServer(server)).toMatchObject({
      state: 'stopped',
      state_action_time: settledAt,
      current_task: { id: task, state: 'ABORT' },
    });
    expect(json(await poll(server))).toEqual(command('TASK_HAS_STOPPED', task));

    // Resumed: START handed out again.
    await action(task, 'start');
    expect(json(await poll(server))).toEqual(command('START', task));
  });

  it('error_for_overspeed waits for the live agent as stop does', async () => {
    const { server, task } = await runningWithLiveAgent();
    await action(task, 'error_for_overspeed');
    expect(taskRow(task)).toMatchObject({ state: 'ABORTING', agent_command: 'STOP' });
    await report(server, { command_name: 'STOP', result: 'success' });
    expect(taskRow(task)).toMatchObject({ state: 'ABORT', agent_command: null });
  });

  it('without a live agent, stop settles in ABORT at once as before; a late agent still gets the STOP', async () => {
    const { server, task } = await serverWithTask();
    await action(task, 'start');
    await action(task, 'stop');
    expect(taskRow(task)).toEqual({ state: 'ABORT', agent_command: 'STOP', error_json: '' });
    expect(agentRow(server)).toMatchObject({ state: 'stopped', agent_polled_at: null });
    expect(await showTask(task)).toMatchObject({ state: 'ABORT' });

    expect(json(await poll(server))).toEqual(command('STOP', task));
    await report(server, { command_name: 'STOP', result: 'success' });
    expect(taskRow(task)).toEqual({ state: 'ABORT', agent_command: null, error_json: '' });
    expect(agentRow(server)).toMatchObject({ state: 'stopped' });
  });

  it('an agent that stopped polling is live for the timeout, then stop settles at once again', async () => {
    // The simulated agent would take the task over once the real one went: it is told to do nothing here.
    t.core.simulation.setDefaultProfile({ profile: 'manual' });
    const { server, task } = await runningWithLiveAgent();
    t.clock.advance(DEFAULT_AGENT_TIMEOUT_MS);
    expect(t.core.agent.hasLiveAgent(server, t.core.clock.now())).toBe(true);
    t.clock.advance(1);
    expect(t.core.agent.hasLiveAgent(server, t.core.clock.now())).toBe(false);
    expect(taskRow(task)).toMatchObject({ state: 'RUNNING' });
    await action(task, 'stop');
    expect(taskRow(task)).toEqual({ state: 'ABORT', agent_command: 'STOP', error_json: '' });
    expect(agentRow(server)).toMatchObject({ state: 'stopped' });
  });

  it('a failed STOP puts the task back to where it was: RUNNING, the source as its running subtask shows', async () => {
    const { server, task } = await runningWithLiveAgent();
    await action(task, 'stop');
    expect(agentRow(server)).toMatchObject({ state: 'stopping' });
    const result = await report(server, { command_name: 'STOP', result: 'fail', result_detail: { reason: 'busy' } });
    expect([result.statusCode, result.body]).toEqual([200, '{}']);
    expect(taskRow(task)).toEqual({ state: 'RUNNING', agent_command: null, error_json: '' });
    // CREATE_CLOUD_SERVER is the first subtask of the plan: preparing.
    expect(agentRow(server)).toMatchObject({ state: 'initialize', migration_cycle: 'replicating' });
    expect(json(await poll(server))).toEqual(command('START', task));
  });

  it('a failed STOP of a task in continuous sync puts it back to SYNCING', async () => {
    const server = await register(t, linuxRegistration());
    await poll(server);
    await t.core.admin.putTasks([
      taskFor(server, 'task-1', {
        state: 'SYNCING',
        syncing: true,
        sub_tasks: [{ id: 1, name: 'MIGRATE_LINUX_FILE', progress: 100 }],
      }),
    ]);
    await action('task-1', 'stop');
    expect(taskRow('task-1')).toMatchObject({ state: 'ABORTING', agent_command: 'STOP' });
    await report(server, { command_name: 'STOP', result: 'fail' });
    expect(taskRow('task-1')).toMatchObject({ state: 'SYNCING', agent_command: null });
    expect(agentRow(server)).toMatchObject({ state: 'syncing', migration_cycle: 'syncing' });
  });
});

describe('POST /v3/sources/{server_id}/command_result (UpdateCommandResult)', () => {
  it('a failed START fails the task: MIGRATE_FAIL, error_json from result_detail, the source in error', async () => {
    const { server, task } = await serverWithTask();
    await poll(server);
    await action(task, 'start');
    const result = await report(server, {
      command_name: 'START',
      result: 'fail',
      result_detail: { error_code: 'SMS.0515', error_param: ['/dev/vdb', 'size'], note: 'kept nowhere' },
    });
    expect([result.statusCode, result.body]).toEqual([200, '{}']);
    const errorJson = '{"error_code":"SMS.0515","error_param":"[\\"/dev/vdb\\",\\"size\\"]"}';
    expect(taskRow(task)).toEqual({ state: 'MIGRATE_FAIL', agent_command: null, error_json: errorJson });
    expect(JSON.parse(errorJson)).toEqual({ error_code: 'SMS.0515', error_param: '["/dev/vdb","size"]' });
    expect(agentRow(server)).toMatchObject({ state: 'error', migration_cycle: 'replicating' });
    expect(await showTask(task)).toMatchObject({ state: 'MIGRATE_FAIL', error_json: errorJson });
    expect(await showServer(server)).toMatchObject({
      state: 'error',
      current_task: { id: task, state: 'MIGRATE_FAIL' },
    });
    expect(json(await poll(server))).toEqual(command('TASK_HAS_STOPPED', task));
    // ListErrorServers lists it with the task's error.
    const errors = json<{ migration_errors: Body[] }>(await api(t.app, { method: 'GET', url: '/v3/errors' }));
    expect(errors.migration_errors).toMatchObject([{ source_id: server, error_json: errorJson }]);
  });

  it.each([
    [undefined, `{"error_code":"${DEFAULT_START_ERROR}","error_param":"[]"}`],
    [{}, '{"error_code":"SMS.1404","error_param":"[]"}'],
    [{ error_code: 'SMS.6603' }, '{"error_code":"SMS.6603","error_param":"[]"}'],
    [{ error_param: '["a"]' }, '{"error_code":"SMS.1404","error_param":"[\\"a\\"]"}'],
    [{ error_param: [] }, '{"error_code":"SMS.1404","error_param":"[]"}'],
  ])('a failed START with result_detail %j leaves error_json %s', async (detail, errorJson) => {
    const { server, task } = await serverWithTask();
    await action(task, 'start');
    await report(server, { command_name: 'START', result: 'fail', ...(detail ? { result_detail: detail } : {}) });
    expect(taskRow(task)).toEqual({ state: 'MIGRATE_FAIL', agent_command: null, error_json: errorJson });
  });

  it('a failed START of an incremental sync fails the sync: SYNC_FAIL', async () => {
    const server = await register(t, linuxRegistration());
    await t.core.admin.putTasks([
      taskFor(server, 'task-1', {
        state: 'MIGRATE_SUCCESS',
        type: 'MIGRATE_FILE',
        sub_tasks: [{ id: 1, name: 'MIGRATE_LINUX_FILE', progress: 100 }],
      }),
    ]);
    await action('task-1', 'start');
    expect(taskRow('task-1')).toMatchObject({ state: 'SYNCING', agent_command: 'START' });
    await report(server, { command_name: 'START', result: 'fail' });
    expect(taskRow('task-1')).toEqual({
      state: 'SYNC_FAIL',
      agent_command: null,
      error_json: '{"error_code":"SMS.1404","error_param":"[]"}',
    });
    expect(agentRow(server)).toMatchObject({ state: 'error' });
  });

  it.each([
    [{ error_code: 'SMS.12' }, 'result_detail.error_code must be SMS. and four digits, such as SMS.1404'],
    [{ error_code: 1404 }, 'result_detail.error_code must be SMS. and four digits, such as SMS.1404'],
    [{ error_code: 'sms.1404' }, 'result_detail.error_code must be SMS. and four digits, such as SMS.1404'],
    [{ error_param: 'disk' }, 'result_detail.error_param must be an array of strings, or a string holding one as JSON'],
    [{ error_param: [1] }, 'result_detail.error_param must be an array of strings, or a string holding one as JSON'],
    [
      { error_param: '{"a":1}' },
      'result_detail.error_param must be an array of strings, or a string holding one as JSON',
    ],
    [{ error_param: ['x'.repeat(1000)] }, 'result_detail makes an error_json over 1024 characters'],
  ])('refuses result_detail %j with 400, changing nothing', async (detail, message) => {
    const { server, task } = await serverWithTask();
    await action(task, 'start');
    t.clock.advance(1000);
    const before = dbSnapshot(t.db);
    const response = await report(server, { command_name: 'START', result: 'fail', result_detail: detail });
    expect(response.statusCode).toBe(400);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2001',
      error_msg: `Invalid request parameter: ${message}`,
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('refuses a result the schema does not allow with 400, changing nothing', async () => {
    const server = await register(t, linuxRegistration());
    const before = dbSnapshot(t.db);
    for (const payload of [
      { command_name: 'START', result: 'done' },
      { command_name: 'REBOOT', result: 'success' },
      { result: 'success' },
    ]) {
      const response = await report(server, payload);
      expect(response.statusCode, response.body).toBe(400);
      expect(json<ErrorBody>(response).error_code).toBe('SMS.2001');
    }
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it("accepts a result for a server with no task (the Terraform provider's test) and records only the visit", async () => {
    const server = await register(t, linuxRegistration());
    t.clock.advance(1000);
    const before = dbSnapshot(t.db);
    const response = await report(server, { command_name: 'START', result: 'success', result_detail: { msg: 'test' } });
    expect([response.statusCode, response.body]).toEqual([200, '{}']);
    const after = dbSnapshot(t.db);
    expect({ ...after, sources: [] }).toEqual({ ...before, sources: [] });
    expect(agentRow(server)).toEqual({
      state: 'waiting',
      migration_cycle: 'checking',
      connected: 1,
      last_visit_time: t.clock.current,
      // A result is not a poll: it does not make the agent live.
      agent_polled_at: null,
    });
  });

  it.each([
    ['STOP', 'fail'],
    ['START', 'fail'],
    ['DELETE', 'success'],
    ['SYNC', 'fail'],
    ['UPLOAD_LOG', 'success'],
    ['RSET_LOG_ACL', 'fail'],
  ])('accepts %s %s when it is not the pending command, leaving the task as it is', async (name, result) => {
    const { server, task } = await serverWithTask();
    await action(task, 'start');
    await report(server, { command_name: 'START', result: 'success' });
    const before = dbSnapshot(t.db);
    const response = await report(server, { command_name: name, result });
    expect([response.statusCode, response.body]).toEqual([200, '{}']);
    expect(dbSnapshot(t.db).tasks).toEqual(before.tasks);
    expect(taskRow(task)).toEqual({ state: 'RUNNING', agent_command: null, error_json: '' });
  });

  it('accepts a STOP result while a START is pending, leaving the START pending', async () => {
    const { server, task } = await serverWithTask();
    await action(task, 'start');
    const before = dbSnapshot(t.db).tasks;
    await report(server, { command_name: 'STOP', result: 'success' });
    expect(dbSnapshot(t.db).tasks).toEqual(before);
    expect(taskRow(task)).toMatchObject({ state: 'RUNNING', agent_command: 'START' });
  });

  it('answers 404 SMS.2004 for an unknown server, storing nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await report('nope', { command_name: 'START', result: 'success' });
    expect(response.statusCode).toBe(404);
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.2004',
      error_msg: 'The source server does not exist: nope',
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });
});

describe('disconnection after the agent timeout (mock clock)', () => {
  const connectedEverywhere = async (server: string, task: string) => ({
    showServer: (await showServer(server)).connected,
    listServers: (await listServers()).source_servers.find((s) => s.id === server)?.connected,
    listedConnected: (await listServers('?connected=true')).source_servers.map((s) => s.id),
    listedDisconnected: (await listServers('?connected=false')).source_servers.map((s) => s.id),
    showTask: (await showTask(task)).connected,
  });

  it('a server not heard from for longer than the timeout shows connected false; a poll brings it back', async () => {
    const { server, task } = await serverWithTask();
    const connected = { showServer: true, listServers: true, listedConnected: [server], listedDisconnected: [] };
    const disconnected = { showServer: false, listServers: false, listedConnected: [], listedDisconnected: [server] };
    // Read once before the clock moves: ShowTask's kept body must not keep the old value.
    expect(await connectedEverywhere(server, task)).toEqual({ ...connected, showTask: true });

    t.clock.advance(DEFAULT_AGENT_TIMEOUT_MS);
    expect(await connectedEverywhere(server, task)).toEqual({ ...connected, showTask: true });
    t.clock.advance(1);
    expect(await connectedEverywhere(server, task)).toEqual({ ...disconnected, showTask: false });
    // Stored as it was: the flag stays, the time counts.
    expect(agentRow(server)).toMatchObject({ connected: 1 });

    expect(json(await poll(server))).toEqual(command('TASK_NOT_STARTED', task));
    expect(await connectedEverywhere(server, task)).toEqual({ ...connected, showTask: true });
  });

  it('PUT /_mock/clock advance_ms disconnects; a command result or a registration counts as hearing from it', async () => {
    const { server, task } = await serverWithTask();
    const advance = await t.app.inject({
      method: 'PUT',
      url: '/_mock/clock',
      payload: { advance_ms: DEFAULT_AGENT_TIMEOUT_MS + 1 },
    });
    expect(advance.statusCode).toBe(200);
    expect((await showServer(server)).connected).toBe(false);
    expect((await showTask(task)).connected).toBe(false);

    await report(server, { command_name: 'START', result: 'success' });
    expect((await showServer(server)).connected).toBe(true);
    expect((await showTask(task)).connected).toBe(true);

    await t.app.inject({ method: 'PUT', url: '/_mock/clock', payload: { advance_ms: DEFAULT_AGENT_TIMEOUT_MS + 1 } });
    expect((await showServer(server)).connected).toBe(false);
    await register(t, linuxRegistration({ id: server }));
    expect((await showServer(server)).connected).toBe(true);
  });

  it('ListTasks items have no connected field, so their kept items need no refresh as time passes', async () => {
    const { task } = await serverWithTask();
    const list = async () => (await api(t.app, { method: 'GET', url: '/v3/tasks' })).body;
    const before = await list();
    expect(json<{ tasks: Body[] }>({ body: before }).tasks[0]).not.toHaveProperty('connected');
    t.clock.advance(DEFAULT_AGENT_TIMEOUT_MS + 1);
    expect(await list()).toBe(before);
    expect((await showTask(task)).connected).toBe(false);
  });

  it('a server a mock document puts in disconnected stays so whatever the clock; one with no visit time keeps its flag', async () => {
    const put = await t.app.inject({ method: 'PUT', url: '/_mock/sources/src-off', payload: { connected: false } });
    expect((put.json() as Body).connected).toBe(false);
    expect(json(await poll('src-off'))).toEqual(command('TASK_NOT_STARTED', null));
    expect((await showServer('src-off')).connected).toBe(true);

    await t.app.inject({ method: 'PUT', url: '/_mock/sources/src-old', payload: { last_visit_time: 1000 } });
    expect((await showServer('src-old')).connected).toBe(false);
    t.db.prepare("UPDATE sources SET last_visit_time = NULL WHERE id = 'src-old'").run();
    expect((await showServer('src-old')).connected).toBe(true);
  });
});
