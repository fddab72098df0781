// POST /v3/tasks/{task_id}/action over HTTP, every cell of the action table driven from the table itself: a task in
// each state, each operation, and for cells with a condition the task on both sides of it.
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/lib/errors.js';
import { cloneSteps, launchSteps, syncSteps } from '../../../src/sms/tasks/plans.js';
import {
  ACTIONS,
  type ActionMove,
  isRefusal,
  REFUSALS,
  TASK_OPERATIONS,
  TASK_STATES,
  type TaskOperation,
  type TaskState,
} from '../../../src/sms/tasks/state-machine.js';
import {
  api,
  dbSnapshot,
  type ErrorBody,
  json,
  type ShowTaskBody,
  type SubTaskBody,
  sampleTask,
  type TaskFixture,
  useTestApp,
} from '../../helpers.js';
import { registerSource, storedSource } from './life-cycle-fixtures.js';

const t = useTestApp();

const action = (id: string, payload: unknown) =>
  api(t.app, {
    method: 'POST',
    url: `/v3/tasks/${id}/action`,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
const show = async (id = 'cell') => json<ShowTaskBody>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ERROR_JSON = '{"error_code":"SMS.0515","error_param":"[]"}';

/** Which of the cells' conditions the seeded task meets. */
interface Holds {
  readonly syncing: boolean;
  readonly needMigrationTest: boolean;
  readonly checkingConsistency: boolean;
}
const ALL_HOLD: Holds = { syncing: true, needMigrationTest: true, checkingConsistency: true };

/**
 * A Linux file-level task in `state` with its source registered (replicate, replicating): half through its plan, an
 * error on record, a snapshot, a clone template; its conditions as `holds` says.
 */
function cellTask(state: TaskState, holds: Holds): TaskFixture {
  return {
    ...sampleTask('cell'),
    name: 'cell',
    type: 'MIGRATE_FILE',
    state,
    start_date: state === 'READY' ? null : 1000,
    error_json: ERROR_JSON,
    // The figures of the last report, which some moves reset.
    subtask_info: 'MIGRATE_LINUX_FILE-40',
    migrate_speed: 98.5,
    syncing: holds.syncing,
    need_migration_test: holds.needMigrationTest,
    target_snapshot_id: 'snap-1',
    clonevm_template_id: 'tpl-1',
    source_server: { id: 'src-cell', ip: '10.0.0.5', name: 'cell', os_type: 'LINUX' },
    sub_tasks: [
      { id: 21, name: 'SSL_CONFIG', progress: 100, start_date: 1000, end_date: 1500, user_op: 'REPLICATE' },
      {
        id: 22,
        name: 'MIGRATE_LINUX_FILE',
        progress: holds.checkingConsistency ? 100 : 40,
        start_date: 1500,
        end_date: holds.checkingConsistency ? 1800 : null,
        user_op: 'REPLICATE',
        process_trace: 'copying',
      },
      {
        id: 23,
        name: 'CHECK_CONSISTENCY',
        progress: holds.checkingConsistency ? 40 : 0,
        start_date: holds.checkingConsistency ? 1800 : null,
        user_op: 'REPLICATE',
      },
      { id: 24, name: 'CONFIGURE_LINUX_FILE', progress: 0, user_op: 'REPLICATE' },
    ],
  };
}

async function seedCell(state: TaskState, holds: Holds): Promise<ShowTaskBody> {
  registerSource(t.db, { id: 'src-cell', state: 'replicate', migration_cycle: 'replicating' });
  await t.core.admin.putTasks([cellTask(state, holds)]);
  return show();
}

const launchedColumn = () => t.db.prepare("SELECT launched FROM tasks WHERE id = 'cell'").pluck().get();

/** The ShowTask body after `move`, as the move's fields say it changes the task seeded `before`. */
function expectedAfter(before: ShowTaskBody, move: ActionMove, now: number): ShowTaskBody {
  const after: ShowTaskBody = structuredClone(before);
  after.state = move.settle ?? move.to;
  if (move.stamps?.includes('start_date') && before.start_date === null) after.start_date = now;
  if (move.resetSubtasks) {
    after.sub_tasks = after.sub_tasks.map((s) => ({
      ...s,
      progress: 0,
      start_date: null,
      end_date: null,
      process_trace: null,
      migrate_speed: null,
    }));
  }
  if (move.resetSubtasks || move.clearError) after.error_json = '';
  // A plan back at 0 shows no running subtask; a task paused by the move moves nothing.
  if (move.resetSubtasks) after.subtask_info = null;
  if (after.state === 'ABORT' && before.state !== 'ABORT') after.migrate_speed = 0;
  if (move.appendPlan !== undefined) {
    const steps = {
      launch: launchSteps('LINUX', 'MIGRATE_FILE'),
      sync: syncSteps('LINUX', 'MIGRATE_FILE'),
      clone: cloneSteps(),
    }[move.appendPlan];
    const userOp = { launch: 'REPLICATE', sync: 'SYNC', clone: 'CLONE' }[move.appendPlan];
    let next = Math.max(...after.sub_tasks.map((s) => s.id)) + 1;
    for (const name of steps) {
      after.sub_tasks.push({
        id: next++,
        name,
        progress: 0,
        start_date: null,
        end_date: null,
        migrate_speed: null,
        user_op: userOp,
        process_trace: null,
      } satisfies SubTaskBody);
    }
  }
  switch (move.effect) {
    case 'network_check':
      after.start_network_check = true;
      break;
    case 'clone':
      after.clone_server = {
        vm_id: expect.stringMatching(UUID),
        name: 'cell-clone',
        clone_error: null,
        clone_state: 'FINISHED',
        error_msg: null,
      };
      after.clonevm_template_id = 'tpl-1';
      break;
    case 'clear':
      after.target_snapshot_id = null;
      break;
    case 'collect_log':
      after.log_collect_status = 'UPLOADED';
      break;
    case 'skip_check': {
      const check = after.sub_tasks.find((s) => s.name === 'CHECK_CONSISTENCY') as SubTaskBody;
      check.progress = 100;
      check.end_date = now;
      break;
    }
    case undefined:
      break;
  }
  if (move.source !== undefined) {
    after.source_server = {
      ...(after.source_server as object),
      state: move.source.settle ?? move.source.state,
      migration_cycle: move.source.migration_cycle ?? 'replicating',
    };
  }
  return after;
}

/** Every cell: [state, operation, whether its conditions hold]; a cell with a condition comes twice. */
const CELLS: [TaskState, TaskOperation, boolean][] = TASK_STATES.flatMap((state) =>
  TASK_OPERATIONS.flatMap((operation): [TaskState, TaskOperation, boolean][] => {
    const cell = ACTIONS[state][operation];
    const conditional = !isRefusal(cell) && cell.when !== undefined;
    return conditional
      ? [
          [state, operation, true],
          [state, operation, false],
        ]
      : [[state, operation, true]];
  }),
);

describe('POST /v3/tasks/{task_id}/action (UpdateTaskStatus): every cell of the action table', () => {
  it.each(CELLS)('%s, %s (conditions hold: %s)', async (state, operation, conditionsHold) => {
    const cell = ACTIONS[state][operation];
    const condition = !isRefusal(cell) ? cell.when : undefined;
    const holds: Holds =
      conditionsHold || condition === undefined
        ? ALL_HOLD
        : {
            syncing: condition !== 'syncingTask',
            needMigrationTest: condition !== 'needMigrationTest',
            checkingConsistency: condition !== 'checkingConsistency',
          };
    const before = await seedCell(state, holds);
    const snapshot = dbSnapshot(t.db);
    t.clock.advance(60_000);
    const now = t.clock.now();
    const response = await action('cell', { operation });

    if (isRefusal(cell) || !conditionsHold) {
      const name = isRefusal(cell) ? cell.error : REFUSALS[operation];
      const { status, code, message } = ERRORS[name];
      expect(response.statusCode).toBe(status);
      expect(json<ErrorBody>(response)).toEqual({
        error_code: code,
        error_msg: `${message}: ${operation} on a task in state ${state}`,
      });
      expect(dbSnapshot(t.db)).toEqual(snapshot);
      return;
    }

    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({});
    expect(await show()).toEqual(expectedAfter(before, cell, now));
    expect(launchedColumn()).toBe(cell.appendPlan === 'launch' ? 1 : null);
    const sourceState = cell.source === undefined ? 'replicate' : (cell.source.settle ?? cell.source.state);
    expect(storedSource(t.db, 'src-cell')).toEqual({
      state: sourceState,
      migration_cycle: cell.source?.migration_cycle ?? 'replicating',
      state_action_time: sourceState === 'replicate' ? null : now,
    });
    expect(t.db.prepare('SELECT COUNT(*) FROM progress_samples').pluck().get()).toBe(0);
  });
});

describe('POST /v3/tasks/{task_id}/action (UpdateTaskStatus)', () => {
  it("start: ShowTask reads RUNNING at once and, with nothing simulated, stays RUNNING while no agent reports (Terraform's wait)", async () => {
    await t.core.simulation.setDefaultProfile({ profile: 'manual' });
    await t.core.admin.putTasks([{ ...sampleTask('task-1'), start_date: null }]);
    const startedAt = t.clock.now();
    const response = await action('task-1', { operation: 'start' });
    expect([response.statusCode, response.body]).toEqual([200, '{}']);
    for (let poll = 0; poll < 30; poll++) {
      expect(await show('task-1')).toMatchObject({ state: 'RUNNING', start_date: startedAt });
      t.clock.advance(10_000);
    }
  });

  it('stop: the task pauses (ABORTING settles in ABORT at once) and start resumes it, keeping its start date', async () => {
    registerSource(t.db, { id: 'src-1', state: 'replicate', migration_cycle: 'replicating' });
    await t.core.admin.putTasks([{ ...sampleTask('task-1'), state: 'RUNNING', start_date: 1000 }]);
    await action('task-1', { operation: 'stop' });
    expect(await show('task-1')).toMatchObject({ state: 'ABORT', start_date: 1000 });
    expect(storedSource(t.db, 'src-1')?.state).toBe('stopped');
    await action('task-1', { operation: 'start' });
    expect(await show('task-1')).toMatchObject({ state: 'RUNNING', start_date: 1000 });
    expect(storedSource(t.db, 'src-1')).toMatchObject({ state: 'initialize', migration_cycle: 'replicating' });
  });

  it('clone_test takes the template from the body before the one the task was created with', async () => {
    await t.core.admin.putTasks([
      { ...sampleTask('task-1'), state: 'SYNCING', syncing: true, clonevm_template_id: null },
    ]);
    const before = dbSnapshot(t.db);
    const refused = await action('task-1', { operation: 'clone_test' });
    expect(refused.statusCode).toBe(400);
    expect(json<ErrorBody>(refused)).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: template_id is required for clone_test: the task has no clone template',
    });
    expect(dbSnapshot(t.db)).toEqual(before);
    const response = await action('task-1', { operation: 'clone_test', template_id: 'tpl-body' });
    expect(response.statusCode).toBe(200);
    expect(await show('task-1')).toMatchObject({
      state: 'SYNCING',
      clonevm_template_id: 'tpl-body',
      clone_server: { name: 'web-01-clone', clone_state: 'FINISHED' },
    });
  });

  it.each([
    [{ template_id: 'tpl-body' }, 'tpl-body'],
    [{}, 'tpl-task'],
    [{ template_id: '' }, 'tpl-task'],
  ])('clone_test with %j on a task created with tpl-task clones from %s', async (given, used) => {
    await t.core.admin.putTasks([
      { ...sampleTask('task-1'), state: 'SYNCING', syncing: true, clonevm_template_id: 'tpl-task' },
    ]);
    const response = await action('task-1', { operation: 'clone_test', ...given });
    expect([response.statusCode, response.body]).toEqual([200, '{}']);
    const task = await show('task-1');
    expect(task).toMatchObject({
      state: 'SYNCING',
      clonevm_template_id: used,
      clone_server: { name: 'web-01-clone', clone_state: 'FINISHED' },
    });
    expect((task.clone_server as { vm_id: string }).vm_id).toMatch(UUID);
  });

  it('accepts the legacy param and the other optional fields alongside the operation', async () => {
    await t.core.admin.putTasks([sampleTask('task-1')]);
    const response = await action('task-1', {
      operation: 'collect_log',
      param: { bucket: 'logs', object: 'task-1.zip' },
      switch_hce: false,
      is_need_consistency_check: false,
    });
    expect(response.statusCode).toBe(200);
    expect((await show('task-1')).log_collect_status).toBe('UPLOADED');
  });

  it('answers 404 for an unknown task and 400 for an operation the API does not have, storing nothing', async () => {
    await t.core.admin.putTasks([sampleTask('task-1')]);
    const before = dbSnapshot(t.db);
    const missing = await action('nope', { operation: 'start' });
    expect([missing.statusCode, missing.json()]).toEqual([
      404,
      { error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' },
    ]);
    for (const [payload, message] of [
      [{ operation: 'pause' }, 'operation must be one of'],
      [{}, 'operation is required'],
      [{ operation: 'start', template_id: 5 }, 'template_id must be string'],
      ['[]', 'must be object'],
    ] as const) {
      const response = await action('task-1', payload);
      expect(response.statusCode).toBe(400);
      expect(json<ErrorBody>(response).error_code).toBe('SMS.2001');
      expect(json<ErrorBody>(response).error_msg).toContain(message);
    }
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('a task with a state no table row has refuses every operation with its own error', async () => {
    await t.core.admin.putTasks([sampleTask('task-1')]);
    t.db.prepare("UPDATE tasks SET state = NULL WHERE id = 'task-1'").run();
    const response = await action('task-1', { operation: 'start' });
    expect(json<ErrorBody>(response)).toEqual({
      error_code: 'SMS.1039',
      error_msg: 'Only paused tasks can be resumed: start on a task in state null',
    });
  });
});
