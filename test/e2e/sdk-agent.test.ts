// The agent's side of a migration driven by the official Python SDK (test/e2e/python/agent.py) against sms-mock
// listening on 127.0.0.1 with signatures verified: ShowConfig, RegisterServer, ShowCommand with nothing to do, START
// for a started task until its result, STOP waited for after a stop, the task in ABORT once the agent reports it. The
// script prints what it saw, one JSON line a step; this test checks the lines and the database after. Skipped, saying
// why, when the SDK beside the project, Python or the Debian packages the SDK needs are missing (as sdk-flow.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/testing.js';
import { findPython, runScript, type ScriptRun, stepsOf } from '../helpers/python-sdk.js';

const AK = 'E2EAGENTAK00000000000';
const SK = 'E2EAGENTSK00000000000000000000000000000000';
/** How long the whole script may run before it is killed. */
const SCRIPT_TIMEOUT_MS = 60_000;

const { python, reason } = findPython();

describe.skipIf(python === undefined)(`Python SDK agent${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let sms: SmsMock;
  let run: ScriptRun;
  const { all, one } = stepsOf(() => run);
  const serverId = () => one('register').id as string;
  const taskId = () => one('create').id as string;

  beforeAll(async () => {
    sms = await startMock({ credentials: { [AK]: SK } });
    run = await runScript(python as string, 'agent.py', { url: sms.url, ak: AK, sk: SK, timeoutMs: SCRIPT_TIMEOUT_MS });
  }, SCRIPT_TIMEOUT_MS + 10_000);
  afterAll(() => sms?.close());

  it('runs to the end, every request signed and accepted', () => {
    expect({ code: run.code, failed: all('failed') }, run.stderr).toEqual({ code: 0, failed: [] });
    expect(run.stderr).not.toMatch(/Traceback/);
    expect(run.lines.at(-1)).toEqual({ step: 'done' });
    expect(sms.journal.count({ status: 401 })).toBe(0);
    expect(sms.journal.count({ status: '4xx' })).toBe(0);
    expect(sms.journal.count({ status: '5xx' })).toBe(0);
  });

  it('reads its configuration as maps of strings', () => {
    expect(one('config')).toEqual({
      step: 'config',
      status: 200,
      config: {
        mainRegion: 'cn-north-4',
        obs_domain: 'obs.cn-north-4.myhuaweicloud.com',
        disktype: 'SATA',
        process_and_it: 'false',
        agent_timeout: '300',
        command_interval: '60',
      },
      regions: [
        { region_name: 'cn-north-4', project_name: 'cn-north-4' },
        { region_name: 'ap-southeast-3', project_name: 'ap-southeast-3' },
      ],
    });
  });

  it('registers, and has nothing to do before its task starts', () => {
    expect(one('register')).toEqual({ step: 'register', status: 200, id: expect.any(String) });
    expect(one('idle')).toEqual({ step: 'idle', status: 200, command_name: 'TASK_NOT_STARTED', task_id: null });
    expect(one('create')).toEqual({ step: 'create', status: 200, id: expect.any(String) });
    expect(one('created')).toEqual({
      step: 'created',
      status: 200,
      command_name: 'TASK_NOT_STARTED',
      task_id: taskId(),
    });
  });

  it('gets START with the task id on every poll until it reports the result', () => {
    expect(all('action')).toEqual([
      { step: 'action', operation: 'start', status: 200 },
      { step: 'action', operation: 'stop', status: 200 },
    ]);
    for (const step of ['start', 'start_again']) {
      expect(one(step)).toEqual({ step, status: 200, command_name: 'START', task_id: taskId() });
    }
    // The SDK types the answer as a string body and reads {} as an empty one.
    expect(one('start_done')).toEqual({ step: 'start_done', status: 200, body: null });
    expect(one('running')).toEqual({ step: 'running', state: 'RUNNING', connected: true, error_json: '' });
  });

  it('stop waits in ABORTING for its STOP; the STOP result settles the task in ABORT', () => {
    expect(one('aborting')).toEqual({ step: 'aborting', state: 'ABORTING', connected: true, error_json: '' });
    expect(one('server_stopping')).toEqual({ step: 'server_stopping', state: 'stopping', connected: true });
    expect(one('stop')).toEqual({ step: 'stop', status: 200, command_name: 'STOP', task_id: taskId() });
    expect(one('stop_done')).toEqual({ step: 'stop_done', status: 200, body: null });
    expect(one('aborted')).toEqual({ step: 'aborted', state: 'ABORT', connected: true, error_json: '' });
    expect(one('server_stopped')).toEqual({ step: 'server_stopped', state: 'stopped', connected: true });
    expect(one('stopped')).toEqual({
      step: 'stopped',
      status: 200,
      command_name: 'TASK_HAS_STOPPED',
      task_id: taskId(),
    });
  });

  it('leaves the task ABORT with no command pending, and the agent live', () => {
    const db = sms.core.db;
    expect(db.prepare('SELECT state, agent_command FROM tasks WHERE id = ?').get(taskId())).toEqual({
      state: 'ABORT',
      agent_command: null,
    });
    const source = db.prepare('SELECT state, connected, agent_polled_at FROM sources WHERE id = ?').get(serverId()) as {
      state: string;
      connected: number;
      agent_polled_at: number;
    };
    expect(source).toMatchObject({ state: 'stopped', connected: 1 });
    expect(sms.core.agent.hasLiveAgent(serverId(), sms.core.clock.now())).toBe(true);
    expect(sms.journal.count({ operation: 'ShowCommand', status: 200 })).toBe(6);
    expect(sms.journal.count({ operation: 'UpdateCommandResult', status: 200 })).toBe(2);
    expect(sms.journal.count({ operation: 'ShowConfig', status: 200 })).toBe(1);
  });
});
