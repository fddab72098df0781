import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/lib/errors.js';
import { CHANGESTATE_COPY_STATES, CHANGESTATE_MIGRATION_CYCLES } from '../../../src/sms/sources/life-cycle.js';
import {
  ACTIONS,
  type ActionContext,
  type ActionError,
  type ActionMove,
  type ActionOutcome,
  act,
  completion,
  GUARDS,
  isRefusal,
  REFUSALS,
  TASK_OPERATIONS,
  TASK_STATES,
  type TaskOperation,
  type TaskState,
  TRANSIENT_STATES,
  transition,
} from '../../../src/sms/tasks/state-machine.js';

/** Every condition a cell may put holds: a syncing task, a drill wanted, the consistency check running. */
const ALL: ActionContext = {
  syncing: true,
  needMigrationTest: true,
  launched: false,
  currentSubtask: 'CHECK_CONSISTENCY',
};
/** No condition holds. */
const NONE: ActionContext = { syncing: false, needMigrationTest: false, launched: false, currentSubtask: null };

// The expected outcome of every cell, written from the rules (not from the table). A state name: a move to it;
// `A>B`: a move to A settling in B; `=`: a move that leaves the state as it is; `!x`: refused with the error below.
const ERROR_TOKENS: Record<string, ActionError> = {
  '!resume': 'resumeNotAllowed',
  '!pause': 'pauseNotAllowed',
  '!restart': 'restartNotAllowed',
  '!launch': 'launchNotAllowed',
  '!clone': 'cloneNotAllowed',
  '!op': 'operationNotAllowed',
};

// Under ALL. Columns in TASK_OPERATIONS order.
const EXPECTED_ALL = `
state           start   stop           restart  test    cutover clone_test network_check skip             clear migration_test error_for_overspeed collect_log sync_failed_rollback
READY           RUNNING !pause         !restart !launch !launch !clone     =             !op              !op   !op            !op                 =           !op
RUNNING         !resume ABORTING>ABORT !restart !launch !launch !clone     !op           SKIPPING>RUNNING !op   !op            ABORTING>ABORT      =           !op
SYNCING         !resume ABORTING>ABORT !restart RUNNING RUNNING =          !op           !op              !op   =              ABORTING>ABORT      =           !op
MIGRATE_SUCCESS SYNCING !pause         !restart !launch !launch !clone     =             !op              =     =              !op                 =           !op
SYNC_SUCCESS    SYNCING !pause         !restart !launch !launch !clone     =             !op              =     !op            !op                 =           !op
MIGRATE_FAIL    RUNNING !pause         RUNNING  !launch !launch !clone     =             !op              !op   !op            !op                 =           !op
SYNC_FAIL       !resume !pause         !restart !launch !launch !clone     =             !op              !op   !op            !op                 =           MIGRATE_SUCCESS
ABORTING        !resume !pause         !restart !launch !launch !clone     !op           !op              !op   !op            !op                 =           !op
ABORT           RUNNING !pause         !restart !launch !launch !clone     =             !op              !op   !op            !op                 =           !op
SKIPPING        !resume !pause         !restart !launch !launch !clone     !op           !op              !op   !op            !op                 =           !op
DELETING        !resume !pause         !restart !launch !launch !clone     !op           !op              !op   !op            !op                 !op         !op
RESETING        !resume !pause         !restart !launch !launch !clone     !op           !op              !op   !op            !op                 =           !op
`;

/** The cells that change when no condition holds (every other cell is as under ALL). */
const CHANGED_UNDER_NONE: readonly [TaskState, TaskOperation, string][] = [
  ['RUNNING', 'skip', '!op'],
  ['SYNCING', 'test', '!launch'],
  ['SYNCING', 'cutover', '!launch'],
  ['SYNCING', 'clone_test', '!clone'],
  ['SYNCING', 'migration_test', '!op'],
  ['MIGRATE_SUCCESS', 'migration_test', '!op'],
];

function parseGrid(text: string): Map<string, string> {
  const [header, ...rows] = text.trim().split('\n');
  const operations = (header as string).trim().split(/\s+/).slice(1);
  expect(operations).toEqual([...TASK_OPERATIONS]);
  const grid = new Map<string, string>();
  for (const line of rows) {
    const [state, ...cells] = line.trim().split(/\s+/);
    expect(cells).toHaveLength(operations.length);
    operations.forEach((operation, i) => {
      grid.set(`${state} ${operation}`, cells[i] as string);
    });
  }
  expect(grid.size).toBe(TASK_STATES.length * TASK_OPERATIONS.length);
  return grid;
}

const GRID_ALL = parseGrid(EXPECTED_ALL);
const GRID_NONE = new Map(GRID_ALL);
for (const [state, operation, token] of CHANGED_UNDER_NONE) GRID_NONE.set(`${state} ${operation}`, token);

/** The outcome written as a grid token. */
function token(state: TaskState, outcome: ActionOutcome): string {
  if (isRefusal(outcome)) {
    const found = Object.entries(ERROR_TOKENS).find(([, name]) => name === outcome.error);
    return found ? found[0] : `!?${outcome.error}`;
  }
  if (outcome.to === state && outcome.settle === undefined) return '=';
  return outcome.settle === undefined ? outcome.to : `${outcome.to}>${outcome.settle}`;
}

const move = (state: TaskState, operation: TaskOperation, task: ActionContext = ALL): ActionMove => {
  const outcome = act(state, operation, task);
  if (isRefusal(outcome)) throw new Error(`${operation} from ${state} refused: ${outcome.error}`);
  return outcome;
};

describe('task actions', () => {
  for (const state of TASK_STATES) {
    for (const operation of TASK_OPERATIONS) {
      it(`${operation} from ${state}`, () => {
        expect(token(state, act(state, operation, ALL))).toBe(GRID_ALL.get(`${state} ${operation}`));
        expect(token(state, act(state, operation, NONE))).toBe(GRID_NONE.get(`${state} ${operation}`));
      });
    }
  }

  it('fills every cell with an error of the allowed set or a well-formed move', () => {
    const allowed = new Set<string>(Object.values(ERROR_TOKENS));
    const sourceStates = new Set<string>(CHANGESTATE_COPY_STATES.filter((s) => s !== 'init'));
    const cycles = new Set<string>(CHANGESTATE_MIGRATION_CYCLES);
    expect(Object.keys(ACTIONS).sort()).toEqual([...TASK_STATES].sort());
    for (const state of TASK_STATES) {
      expect(Object.keys(ACTIONS[state]).sort()).toEqual([...TASK_OPERATIONS].sort());
      for (const operation of TASK_OPERATIONS) {
        const cell = ACTIONS[state][operation];
        if (isRefusal(cell)) {
          expect(allowed.has(cell.error)).toBe(true);
          // An operation is refused with its own error wherever it is refused.
          expect(cell.error).toBe(REFUSALS[operation]);
          expect(Object.keys(cell)).toEqual(['error']);
          continue;
        }
        expect(TASK_STATES).toContain(cell.to);
        if (cell.settle !== undefined) expect(TASK_STATES).toContain(cell.settle);
        expect(cell.note.length).toBeGreaterThan(10);
        expect(cell.note).not.toContain('\n');
        if (cell.when !== undefined) expect(Object.keys(GUARDS)).toContain(cell.when);
        if (cell.source) {
          expect(sourceStates.has(cell.source.state)).toBe(true);
          if (cell.source.settle !== undefined) expect(sourceStates.has(cell.source.settle)).toBe(true);
          if (cell.source.migration_cycle !== undefined) expect(cycles.has(cell.source.migration_cycle)).toBe(true);
        }
        for (const stamp of cell.stamps ?? []) expect(stamp).toBe('start_date');
      }
    }
  });

  it('names errors the error table has, with the documented codes for start, stop and restart', () => {
    for (const name of new Set(Object.values(REFUSALS))) {
      expect(ERRORS[name].status).toBe(400);
      expect(ERRORS[name].source).toBe('SMS');
    }
    expect(ERRORS[REFUSALS.start].code).toBe('SMS.1039');
    expect(ERRORS[REFUSALS.stop].code).toBe('SMS.1038');
    expect(ERRORS[REFUSALS.restart].code).toBe('SMS.1040');
    const chosen = new Set([
      ERRORS.launchNotAllowed.code,
      ERRORS.cloneNotAllowed.code,
      ERRORS.operationNotAllowed.code,
    ]);
    expect(chosen.size).toBe(3);
  });

  it('starts, resumes and restarts as documented', () => {
    for (const state of ['READY', 'ABORT', 'MIGRATE_FAIL'] as const) {
      const started = move(state, 'start');
      expect(started).toMatchObject({ to: 'RUNNING', stamps: ['start_date'], agentCommand: 'START' });
      expect(started.source).toEqual({ state: 'initialize', migration_cycle: 'replicating' });
      expect(started.resetSubtasks).toBeUndefined();
      expect(started.appendPlan).toBeUndefined();
    }
    for (const state of ['MIGRATE_SUCCESS', 'SYNC_SUCCESS'] as const) {
      const sync = move(state, 'start');
      expect(sync).toMatchObject({ to: 'SYNCING', appendPlan: 'sync', agentCommand: 'START' });
      expect(sync.source).toEqual({ state: 'syncing', migration_cycle: 'syncing' });
      expect(sync.stamps).toBeUndefined();
    }
    const restarted = move('MIGRATE_FAIL', 'restart');
    expect(restarted).toMatchObject({ to: 'RUNNING', resetSubtasks: true, clearError: true, agentCommand: 'START' });
    expect(restarted.source).toEqual({ state: 'initialize', migration_cycle: 'replicating' });
  });

  it('stops a running or syncing task through ABORTING to ABORT, the source through stopping to stopped', () => {
    for (const state of ['RUNNING', 'SYNCING'] as const) {
      for (const operation of ['stop', 'error_for_overspeed'] as const) {
        const stopped = move(state, operation, NONE);
        expect(stopped).toMatchObject({ to: 'ABORTING', settle: 'ABORT', agentCommand: 'STOP' });
        expect(stopped.source).toEqual({ state: 'stopping', settle: 'stopped' });
      }
    }
  });

  it('launches and clones a syncing task in continuous sync only', () => {
    for (const operation of ['test', 'cutover'] as const) {
      const launch = move('SYNCING', operation);
      expect(launch).toMatchObject({ to: 'RUNNING', appendPlan: 'launch' });
      expect(launch.source).toEqual({ state: 'cutovering', migration_cycle: 'cutovering' });
      // Another task's SYNCING is its incremental sync, not continuous sync.
      expect(act('SYNCING', operation, { ...ALL, syncing: false })).toEqual({ error: 'launchNotAllowed' });
    }
    const clone = move('SYNCING', 'clone_test');
    expect(clone).toMatchObject({ to: 'SYNCING', effect: 'clone', appendPlan: 'clone' });
    expect(clone.source?.state).toBe('cloning');
    expect(act('SYNCING', 'clone_test', { ...ALL, syncing: false })).toEqual({ error: 'cloneNotAllowed' });
  });

  it('runs the other operations as decided', () => {
    for (const state of ['READY', 'ABORT', 'MIGRATE_SUCCESS', 'MIGRATE_FAIL', 'SYNC_SUCCESS', 'SYNC_FAIL'] as const) {
      expect(move(state, 'network_check', NONE)).toMatchObject({ to: state, effect: 'network_check' });
    }
    const skip = move('RUNNING', 'skip');
    expect(skip).toMatchObject({ to: 'SKIPPING', settle: 'RUNNING', agentCommand: 'SKIP', effect: 'skip_check' });
    expect(act('RUNNING', 'skip', { ...ALL, currentSubtask: 'MIGRATE_LINUX_FILE' })).toEqual({
      error: 'operationNotAllowed',
    });
    for (const state of ['MIGRATE_SUCCESS', 'SYNC_SUCCESS'] as const) {
      const clear = move(state, 'clear', NONE);
      expect(clear).toMatchObject({ to: state, effect: 'clear' });
      expect(clear.source).toEqual({ state: 'clearing', settle: 'cleared' });
    }
    for (const state of ['SYNCING', 'MIGRATE_SUCCESS'] as const) {
      const drill = move(state, 'migration_test', { ...NONE, needMigrationTest: true });
      expect(drill).toMatchObject({ to: state, agentCommand: 'PREMIGRATE' });
      expect(drill.source).toEqual({ state: 'premiging', settle: 'premiged' });
    }
    for (const state of TASK_STATES.filter((s) => s !== 'DELETING')) {
      expect(move(state, 'collect_log', NONE)).toMatchObject({ to: state, effect: 'collect_log' });
    }
    expect(move('SYNC_FAIL', 'sync_failed_rollback', NONE)).toMatchObject({ to: 'MIGRATE_SUCCESS' });
  });

  it('refuses every operation but collect_log in a transient state, with the operation’s own error', () => {
    for (const state of TRANSIENT_STATES) {
      for (const operation of TASK_OPERATIONS) {
        const outcome = act(state, operation, ALL);
        if (operation === 'collect_log' && state !== 'DELETING') expect(isRefusal(outcome)).toBe(false);
        else expect(outcome).toEqual({ error: REFUSALS[operation] });
      }
    }
  });

  it('refuses everything on a state it does not know', () => {
    for (const operation of TASK_OPERATIONS) {
      expect(act('PAUSED', operation, ALL)).toEqual({ error: REFUSALS[operation] });
      expect(act('', operation, ALL)).toEqual({ error: REFUSALS[operation] });
    }
  });

  it('answers the table’s own cell when its condition holds', () => {
    expect(act('SYNCING', 'test', ALL)).toBe(ACTIONS.SYNCING.test);
    expect(act('READY', 'start', NONE)).toBe(ACTIONS.READY.start);
  });
});

describe('progress reports', () => {
  it('move a READY task to RUNNING, stamping start_date, and leave every other state', () => {
    expect(transition('READY', 'progress')).toEqual({ to: 'RUNNING', stamps: ['start_date'] });
    for (const state of TASK_STATES.filter((s) => s !== 'READY')) expect(transition(state, 'progress')).toBeUndefined();
    expect(transition(null, 'progress')).toBeUndefined();
    expect(transition('NOT_A_STATE', 'progress')).toBeUndefined();
  });
});

describe('completion of the plan', () => {
  const plain = { syncing: false, launched: false, incremental: false };
  it('finishes a running migration, stamping finish_date', () => {
    expect(completion('RUNNING', plain)).toEqual({ to: 'MIGRATE_SUCCESS', stamps: ['finish_date'] });
    expect(completion('RUNNING', { syncing: true, launched: true, incremental: false })).toEqual({
      to: 'MIGRATE_SUCCESS',
      stamps: ['finish_date'],
    });
  });
  it('puts a syncing task into continuous sync once replication is done', () => {
    expect(completion('RUNNING', { syncing: true, launched: false, incremental: false })).toEqual({ to: 'SYNCING' });
    // A launched syncing task's later incremental sync, stopped and resumed, ends like any other task's.
    expect(completion('RUNNING', { syncing: true, launched: true, incremental: true })).toEqual({ to: 'SYNC_SUCCESS' });
  });
  it('ends an incremental sync in SYNC_SUCCESS, and keeps a syncing task syncing', () => {
    expect(completion('SYNCING', { ...plain, incremental: true })).toEqual({ to: 'SYNC_SUCCESS' });
    expect(completion('SYNCING', plain)).toEqual({ to: 'SYNC_SUCCESS' });
    expect(completion('RUNNING', { ...plain, incremental: true })).toEqual({ to: 'SYNC_SUCCESS' });
    expect(completion('SYNCING', { syncing: true, launched: false, incremental: false })).toBeUndefined();
    // Launched, its continuous sync is over: an incremental sync started after the launch finishes.
    expect(completion('SYNCING', { syncing: true, launched: true, incremental: true })).toEqual({ to: 'SYNC_SUCCESS' });
  });
  it('leaves every other state', () => {
    for (const state of TASK_STATES.filter((s) => s !== 'RUNNING' && s !== 'SYNCING')) {
      for (const syncing of [false, true]) {
        expect(completion(state, { syncing, launched: false, incremental: false })).toBeUndefined();
      }
    }
    expect(completion(null, plain)).toBeUndefined();
  });
});
