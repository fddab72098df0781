// A migration driven by the official Python SDK (test/e2e/python/flow.py) against sms-mock listening on 127.0.0.1
// with signatures verified: register, create, start, progress through the plan to MIGRATE_SUCCESS, stop and resume,
// delete. The script prints what it saw, one JSON line a step; this test checks the lines and the database after.
// Skipped, saying why, when the SDK beside the project, Python or the Debian packages the SDK needs are missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/testing.js';
import { rowCount } from '../helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SDK = resolve(root, '..', 'shared', 'vendor', 'huaweicloud-sdk-python');
const SCRIPT = join(root, 'test', 'e2e', 'python', 'flow.py');
const PYTHONPATH = [join(SDK, 'huaweicloud-sdk-core'), join(SDK, 'huaweicloud-sdk-sms')].join(':');
const AK = 'E2EAK0000000000000000';
const SK = 'E2ESK000000000000000000000000000000000000';
const PROJECT_ID = '0123456789abcdef0123456789abcdef';
const DISK_SIZE = 42949672960;
/** How long the whole script may run before it is killed. */
const SCRIPT_TIMEOUT_MS = 60_000;

/** The script's environment: the SDK on the path, a scratch HOME, no proxy between it and 127.0.0.1. */
function pythonEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONPATH,
    HOME: home,
    NO_PROXY: '127.0.0.1',
    no_proxy: '127.0.0.1',
  };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** Debian's Python first (where the README has the SDK's packages installed), then whatever python3 the PATH has. */
function findPython(): { python?: string; reason?: string } {
  if (!existsSync(SDK)) return { reason: `the Python SDK is not at ${SDK}` };
  const home = mkdtempSync(join(tmpdir(), 'sms-sdk-probe-'));
  try {
    let last = 'no python3 found';
    for (const python of ['/usr/bin/python3', 'python3']) {
      const probe = spawnSync(python, ['-c', 'import huaweicloudsdkcore.client, huaweicloudsdksms.v3'], {
        env: pythonEnv(home),
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (probe.status === 0) return { python };
      last = probe.error
        ? `${python}: ${probe.error.message}`
        : `${python} cannot import the SDK: ${probe.stderr.trim().split('\n').at(-1)}`;
    }
    return { reason: last };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

type Line = { step: string } & Record<string, unknown>;

/** Runs the flow against `url`, killed after SCRIPT_TIMEOUT_MS. */
function runFlow(python: string, url: string): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'sms-sdk-flow-'));
  const child = spawn(python, [SCRIPT], {
    env: pythonEnv(home, { SMS_ENDPOINT: url, SMS_AK: AK, SMS_SK: SK, SMS_PROJECT_ID: PROJECT_ID }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Line);
      done({ code, lines, stderr });
    });
  });
}

const { python, reason } = findPython();

describe.skipIf(python === undefined)(`Python SDK flow${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let sms: SmsMock;
  let run: Awaited<ReturnType<typeof runFlow>>;
  /** The lines of one step, in order. */
  const all = (step: string) => run.lines.filter((line) => line.step === step);
  /** The one line of a step. */
  const one = (step: string): Line => {
    const found = all(step);
    expect(found, `one "${step}" line`).toHaveLength(1);
    return found[0] as Line;
  };

  beforeAll(async () => {
    sms = await startMock({ credentials: { [AK]: SK } });
    run = await runFlow(python as string, sms.url);
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
