// A migration driven by the official Python SDK (test/e2e/python/flow.py) against sms-mock listening on 127.0.0.1
// with signatures verified: register, create, start, progress through the plan to MIGRATE_SUCCESS, stop and resume,
// delete. The script prints what it saw, one JSON line a step; this test checks the lines and the database after.
// Skipped, saying why, when the SDK beside the project, Python or the Debian packages the SDK needs are missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/testing.js';
import { findPython, runScript, type ScriptRun, stepsOf } from '../helpers/python-sdk.js';
import { rowCount } from '../helpers.js';

const AK = 'E2EAK0000000000000000';
const SK = 'E2ESK000000000000000000000000000000000000';
const DISK_SIZE = 42949672960;
/** How long the whole script may run before it is killed. */
const SCRIPT_TIMEOUT_MS = 60_000;

const { python, reason } = findPython();

describe.skipIf(python === undefined)(`Python SDK flow${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let sms: SmsMock;
  let run: ScriptRun;
  const { all, one } = stepsOf(() => run);

  beforeAll(async () => {
    // The script plays the agent itself, reporting every subtask: nothing is simulated, however slowly it runs.
    sms = await startMock({ credentials: { [AK]: SK }, simulation: 'manual' });
    run = await runScript(python as string, 'flow.py', { url: sms.url, ak: AK, sk: SK, timeoutMs: SCRIPT_TIMEOUT_MS });
  }, SCRIPT_TIMEOUT_MS + 10_000);
  afterAll(() => sms?.close());

  it('runs to the end, every request signed and accepted', () => {
    // Python may print warnings of its own on stderr; a traceback is the script failing.
    expect({ code: run.code, failed: all('failed') }, run.stderr).toEqual({ code: 0, failed: [] });
    expect(run.stderr).not.toMatch(/Traceback/);
    expect(run.lines.at(-1)).toEqual({ step: 'done' });
    expect(sms.journal.count({ status: 401 })).toBe(0);
    expect(sms.journal.count({ status: '5xx' })).toBe(0);
  });

  it('registers two servers and creates a READY task with the plan of a created Linux block target', () => {
    const [a, b] = all('register');
    expect(all('register')).toEqual([
      { step: 'register', name: 'sdk-flow-a', status: 200, id: expect.any(String) },
      { step: 'register', name: 'sdk-flow-b', status: 200, id: expect.any(String) },
    ]);
    expect(a?.id).not.toBe(b?.id);
    expect(one('server_registered')).toEqual({
      step: 'server_registered',
      source: a?.id,
      state: 'waiting',
      migration_cycle: 'checking',
      current_task: null,
      init_disks: [{ name: '/dev/vda', size: DISK_SIZE, device_use: 'BOOT' }],
      failed_checks: [],
    });
    const [ta] = all('create');
    expect(all('create')).toEqual([
      { step: 'create', name: 'sdk-flow-a', status: 200, id: expect.any(String) },
      { step: 'create', name: 'sdk-flow-b', status: 200, id: expect.any(String) },
    ]);
    expect(one('task_created')).toEqual({
      step: 'task_created',
      task: ta?.id,
      state: 'READY',
      start_date: null,
      finish_date: null,
      // As the v1 ShowTask example of a READY task has it.
      total_time: 0,
      sub_tasks: PLAN.map((name) => ({ name, progress: 0 })),
    });
    expect(one('server_with_task')).toMatchObject({
      source: a?.id,
      state: 'waiting',
      current_task: { id: ta?.id, name: 'sdk-flow-a', state: 'READY' },
    });
  });

  it('start runs the task; the source shows it initializing', () => {
    const ta = all('create')[0]?.id;
    expect(all('action')[0]).toEqual({ step: 'action', task: ta, operation: 'start', status: 200, body: null });
    expect(one('task_started')).toMatchObject({ state: 'RUNNING', start_date: expect.any(Number), finish_date: null });
    expect(one('server_started')).toMatchObject({
      state: 'initialize',
      migration_cycle: 'replicating',
      current_task: { id: ta, state: 'RUNNING' },
    });
    expect(one('list_running')).toEqual({ step: 'list_running', count: 1, tasks: [{ id: ta, state: 'RUNNING' }] });
  });

  it('progress through every subtask of the plan: RUNNING until the last reaches 100, then MIGRATE_SUCCESS', () => {
    expect(
      all('report').map(({ subtask, progress, status, task_state, source_state, current_task_state }) => ({
        subtask,
        progress,
        status,
        task_state,
        source_state,
        current_task_state,
      })),
    ).toEqual(EXPECTED_REPORTS);
    const finished = one('task_finished');
    expect(finished).toMatchObject({
      state: 'MIGRATE_SUCCESS',
      start_date: one('task_started').start_date,
      finish_date: expect.any(Number),
      sub_tasks: PLAN.map((name) => ({ name, progress: 100 })),
    });
    expect(finished.finish_date as number).toBeGreaterThanOrEqual(finished.start_date as number);
    expect(finished.total_time).toBe((finished.finish_date as number) - (finished.start_date as number));
    const ta = all('create')[0]?.id;
    expect(one('server_finished')).toMatchObject({
      state: 'finished',
      migration_cycle: 'cutovered',
      current_task: { id: ta, state: 'MIGRATE_SUCCESS' },
    });
    expect(one('list_finished')).toEqual({
      step: 'list_finished',
      count: 1,
      tasks: [{ id: ta, state: 'MIGRATE_SUCCESS' }],
    });
  });

  it('stop settles in ABORT at once (no agent), start resumes it', () => {
    const tb = all('create')[1]?.id;
    expect(all('action').slice(1)).toEqual(
      ['start', 'stop', 'start', 'stop'].map((operation) => ({
        step: 'action',
        task: tb,
        operation,
        status: 200,
        body: null,
      })),
    );
    expect(one('b_started')).toMatchObject({ task: tb, state: 'RUNNING' });
    expect(one('b_stopped')).toMatchObject({ task: tb, state: 'ABORT' });
    expect(one('b_server_stopped')).toMatchObject({ state: 'stopped', current_task: { id: tb, state: 'ABORT' } });
    expect(one('b_resumed')).toMatchObject({ task: tb, state: 'RUNNING', start_date: one('b_started').start_date });
    expect(one('b_server_resumed')).toMatchObject({ state: 'initialize', current_task: { id: tb, state: 'RUNNING' } });
    const ta = all('create')[0]?.id;
    const listedAll = one('list_all');
    expect(listedAll.count).toBe(2);
    expect(listedAll.tasks).toEqual(
      expect.arrayContaining([
        { id: ta, state: 'MIGRATE_SUCCESS' },
        { id: tb, state: 'RUNNING' },
      ]),
    );
  });

  it('a running task is not deleted; stopped or finished ones are, and ShowTask then raises 404', () => {
    const [ta, tb] = all('create').map((line) => line.id);
    expect(one('b_delete_running')).toEqual({
      step: 'b_delete_running',
      task: tb,
      status: 400,
      error_code: 'SMS.2015',
      error_msg: expect.stringMatching(/^Running, syncing and stopping tasks cannot be deleted/),
    });
    expect(one('b_after_refused_delete')).toMatchObject({ task: tb, state: 'RUNNING' });
    expect(one('b_delete_stopped')).toEqual({ step: 'b_delete_stopped', task: tb, status: 200, body: null });
    expect(one('a_delete_finished')).toEqual({ step: 'a_delete_finished', task: ta, status: 200, body: null });
    for (const [step, id] of [
      ['a_gone', ta],
      ['b_gone', tb],
    ]) {
      expect(one(step as string)).toEqual({
        step,
        task: id,
        error: { status: 404, error_code: 'SMS.2003', error_msg: `The migration task does not exist: ${id}` },
      });
    }
    expect(one('server_a_after_delete')).toMatchObject({ current_task: null });
    expect(one('list_empty')).toEqual({ step: 'list_empty', count: 0, tasks: [] });
  });

  it('leaves the servers registered and no task, subtask or report behind', () => {
    const db = sms.core.db;
    expect({
      sources: rowCount(db, 'sources'),
      tasks: rowCount(db, 'tasks'),
      sub_tasks: rowCount(db, 'sub_tasks'),
      progress_samples: rowCount(db, 'progress_samples'),
    }).toEqual({ sources: 2, tasks: 0, sub_tasks: 0, progress_samples: 0 });
    expect(sms.journal.count({ operation: 'UpdateTaskSpeed', status: 200 })).toBe(PLAN.length * 2);
  });
});

/** A new LINUX MIGRATE_BLOCK task whose target the service creates, not syncing (README, Task life cycle). */
const PLAN = [
  'CREATE_CLOUD_SERVER',
  'SSL_CONFIG',
  'ATTACH_AGENT_IMAGE',
  'FORMAT_DISK_LINUX_BLOCK',
  'MIGRATE_LINUX_BLOCK',
  'CONFIGURE_LINUX_BLOCK',
  'DETTACH_AGENT_IMAGE',
];

/**
 * What each report leaves: the source follows the subtask running after it (the first below 100), initializing
 * through the preparation, replicating while the data is copied, cutovering through configure and detach, finished
 * with the task.
 */
const EXPECTED_REPORTS = PLAN.flatMap((subtask, index) =>
  [50, 100].map((progress) => {
    const running = progress === 100 ? PLAN[index + 1] : subtask;
    const last = running === undefined;
    const source_state = last
      ? 'finished'
      : running === 'MIGRATE_LINUX_BLOCK'
        ? 'replicate'
        : running.startsWith('CONFIGURE_') || running === 'DETTACH_AGENT_IMAGE'
          ? 'cutovering'
          : 'initialize';
    const task_state = last ? 'MIGRATE_SUCCESS' : 'RUNNING';
    return { subtask, progress, status: 200, task_state, source_state, current_task_state: task_state };
  }),
);
