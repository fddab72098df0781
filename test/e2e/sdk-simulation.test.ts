// A console-side script with the official Python SDK and no agent (test/e2e/python/simulated.py): it registers a
// server, creates and starts a task, moves the mock clock, and sees the simulated agent migrate it through ShowTask,
// ShowServer and ListTasks; then a task with a staged failure. The clock stands still between the script's moves, so
// what it sees at each step is exact. Skipped, saying why, when the SDK, Python or its Debian packages are missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/testing.js';
import { findPython, runScript, type ScriptRun, stepsOf } from '../helpers/python-sdk.js';

const AK = 'E2ESIMAK0000000000000';
const SK = 'E2ESIMSK000000000000000000000000000000000';
const SCRIPT_TIMEOUT_MS = 60_000;
const PLAN = [
  'CREATE_CLOUD_SERVER',
  'SSL_CONFIG',
  'ATTACH_AGENT_IMAGE',
  'FORMAT_DISK_LINUX_BLOCK',
  'MIGRATE_LINUX_BLOCK',
  'CONFIGURE_LINUX_BLOCK',
  'DETTACH_AGENT_IMAGE',
];

const { python, reason } = findPython();

describe.skipIf(python === undefined)(
  `Python SDK with the simulated agent${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let sms: SmsMock;
    let run: ScriptRun;
    const { all, one } = stepsOf(() => run);

    beforeAll(async () => {
      sms = await startMock({ credentials: { [AK]: SK } });
      sms.clock.freeze('2030-01-01T00:00:00Z');
      run = await runScript(python as string, 'simulated.py', {
        url: sms.url,
        ak: AK,
        sk: SK,
        timeoutMs: SCRIPT_TIMEOUT_MS,
      });
    }, SCRIPT_TIMEOUT_MS + 10_000);
    afterAll(() => sms?.close());

    it('runs to the end, every request signed and accepted', () => {
      expect({ code: run.code, failed: all('failed') }, run.stderr).toEqual({ code: 0, failed: [] });
      expect(run.lines.at(-1)).toEqual({ step: 'done' });
      expect(all('clock')).toEqual([
        { step: 'clock', status: 200 },
        { step: 'clock', status: 200 },
        { step: 'clock', status: 200 },
      ]);
      expect(sms.journal.count({ status: '4xx' }) + sms.journal.count({ status: '5xx' })).toBe(0);
    });

    it('sees the started task RUNNING, five minutes in at its fourth subtask, half an hour later finished', () => {
      expect(one('started')).toEqual({
        step: 'started',
        state: 'RUNNING',
        subtask_info: null,
        error_json: '',
        sub_tasks: PLAN.map((name) => [name, 0]),
      });
      // 300 s of samples every 10 s: 90 s, 30 s and 160 s (156 rounded up to a sample) of the first three, then 20 s
      // of the 30 s disk format.
      expect(one('after_5_min')).toEqual({
        step: 'after_5_min',
        state: 'RUNNING',
        subtask_info: 'FORMAT_DISK_LINUX_BLOCK-66',
        error_json: '',
        sub_tasks: PLAN.map((name, index) => [name, index < 3 ? 100 : index === 3 ? 66 : 0]),
      });
      expect(one('server_replicating')).toMatchObject({ state: 'initialize', migration_cycle: 'replicating' });
      expect(one('after_35_min')).toEqual({
        step: 'after_35_min',
        state: 'MIGRATE_SUCCESS',
        subtask_info: 'DETTACH_AGENT_IMAGE-100',
        error_json: '',
        sub_tasks: PLAN.map((name) => [name, 100]),
      });
      expect(one('server_finished')).toMatchObject({ state: 'finished', migration_cycle: 'cutovered' });
      const [created] = all('create');
      expect(one('list_finished')).toEqual({
        step: 'list_finished',
        count: 1,
        tasks: [{ id: created?.id, state: 'MIGRATE_SUCCESS' }],
      });
    });

    it('sees the task with the fail profile stop at the agent image attach with SMS.1404', () => {
      expect(one('profile')).toEqual({ step: 'profile', status: 200 });
      expect(one('b_failed')).toEqual({
        step: 'b_failed',
        state: 'MIGRATE_FAIL',
        subtask_info: 'ATTACH_AGENT_IMAGE-90',
        error_json: '{"error_code":"SMS.1404","error_param":"[]"}',
        sub_tasks: PLAN.map((name, index) => [name, index < 2 ? 100 : index === 2 ? 90 : 0]),
      });
      expect(one('b_server_failed')).toMatchObject({ state: 'error' });
      const [, b] = all('create');
      const samples = sms.progress(b?.id as string);
      expect(samples.at(-1)).toMatchObject({ subtask_name: 'ATTACH_AGENT_IMAGE', progress: 90 });
    });
  },
);
