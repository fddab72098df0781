// Which state a task moves to, and when: one table the task service consults for every change of state, so the
// rules are read in one place and the SQL only stores the outcome. Three parts: the agent's progress reports
// (transition), a plan finishing (completion), and the task actions (ACTIONS, act). Evidence keys are those of the
// life-cycle facts (DOC, DOCv1, TF, 3P); "chosen" marks what no source says.
import type { MigrationCycle, SourceState } from '../sources/life-cycle.js';

/** The states ShowTask may answer (the SDK's enum). */
export const TASK_STATES = [
  'READY',
  'RUNNING',
  'SYNCING',
  'MIGRATE_SUCCESS',
  'SYNC_SUCCESS',
  'MIGRATE_FAIL',
  'SYNC_FAIL',
  'ABORTING',
  'ABORT',
  'SKIPPING',
  'DELETING',
  'RESETING',
] as const;

export type TaskState = (typeof TASK_STATES)[number];

/** States a task passes through on its way to another; they refuse every action but collect_log (DELETING that too). */
export const TRANSIENT_STATES: readonly TaskState[] = ['ABORTING', 'SKIPPING', 'DELETING', 'RESETING'];

/** Date fields a move sets with the time of the event, where they are still empty. */
export type TaskStamp = 'start_date' | 'finish_date';

/** What happens to a task by itself: an agent's progress report. Actions and completion have their own tables. */
export type TaskEvent = 'progress';

export interface Transition {
  readonly to: TaskState;
  /** Date fields the move stamps with the time of the event, where they are still empty. */
  readonly stamps?: readonly TaskStamp[];
}

/**
 * From a state, on an event, to the next. An event with no row for the task's state leaves the state as it is (a
 * report to a running task changes its figures only).
 */
export const TRANSITIONS: Readonly<Partial<Record<TaskState, Partial<Record<TaskEvent, Transition>>>>> = {
  // The agent's first report is the migration starting: the task runs from then on.
  READY: { progress: { to: 'RUNNING', stamps: ['start_date'] } },
};

/** The move an event makes from `state`, or undefined when it leaves the state alone. */
export function transition(state: string | null, event: TaskEvent): Transition | undefined {
  if (state === null) return undefined;
  return TRANSITIONS[state as TaskState]?.[event];
}

/** What a task is, for the moves that depend on more than its state. */
export interface CompletionContext {
  /** The task was created with syncing=true (continuous sync after replication). */
  readonly syncing: boolean;
  /** test or cutover already ran: the launch steps are in the plan. */
  readonly launched: boolean;
  /** The steps that just finished are an incremental sync (the last steps appended were the sync step). */
  readonly incremental: boolean;
}

/**
 * The move when every subtask of the plan stands at 100, or undefined when the task stays as it is.
 * - RUNNING, a syncing task not launched yet → SYNCING: replication done (or a stopped continuous sync resumed and
 *   caught up), continuous sync (DOC qs-sms: syncing=true enters continuous sync).
 * - RUNNING, any other task's incremental sync (stopped, then resumed) → SYNC_SUCCESS (chosen).
 * - RUNNING otherwise → MIGRATE_SUCCESS, stamping finish_date; the service sets total_time = finish - start (DOC
 *   qs-sms: with syncing=false the target is launched and the migration completes; a launched syncing task likewise).
 * - SYNCING, a task that does not sync, or a syncing task already launched (its continuous sync ended at the launch):
 *   its incremental sync finished → SYNC_SUCCESS (DOCv1 console: 同步成功).
 * - SYNCING, a syncing task not launched: continuous sync goes on (a clone finishing included) → undefined.
 * - any other state → undefined.
 */
export function completion(state: string | null, task: CompletionContext): Transition | undefined {
  switch (state) {
    case 'RUNNING':
      if (task.syncing && !task.launched) return { to: 'SYNCING' };
      if (task.incremental) return { to: 'SYNC_SUCCESS' };
      return { to: 'MIGRATE_SUCCESS', stamps: ['finish_date'] };
    case 'SYNCING':
      return task.syncing && !task.launched ? undefined : { to: 'SYNC_SUCCESS' };
    default:
      return undefined;
  }
}

/** The operations of POST /v3/tasks/{task_id}/action, both doc generations (legacy collect_log, sync_failed_rollback). */
export const TASK_OPERATIONS = [
  'start',
  'stop',
  'restart',
  'test',
  'cutover',
  'clone_test',
  'network_check',
  'skip',
  'clear',
  'migration_test',
  'error_for_overspeed',
  'collect_log',
  'sync_failed_rollback',
] as const;

export type TaskOperation = (typeof TASK_OPERATIONS)[number];

/** The ApiError names (src/lib/errors.ts) an action is refused with. */
export type ActionError =
  | 'resumeNotAllowed'
  | 'pauseNotAllowed'
  | 'restartNotAllowed'
  | 'launchNotAllowed'
  | 'cloneNotAllowed'
  | 'operationNotAllowed';

/**
 * Each operation's own refusal, wherever it is refused: SMS.1039/1038/1040 for start/stop/restart (v1 error table),
 * chosen codes for the rest.
 */
export const REFUSALS: Readonly<Record<TaskOperation, ActionError>> = {
  start: 'resumeNotAllowed',
  stop: 'pauseNotAllowed',
  restart: 'restartNotAllowed',
  test: 'launchNotAllowed',
  cutover: 'launchNotAllowed',
  clone_test: 'cloneNotAllowed',
  network_check: 'operationNotAllowed',
  skip: 'operationNotAllowed',
  clear: 'operationNotAllowed',
  migration_test: 'operationNotAllowed',
  error_for_overspeed: 'operationNotAllowed',
  collect_log: 'operationNotAllowed',
  sync_failed_rollback: 'operationNotAllowed',
};

/** What the task is, for the few cells that depend on more than its state. */
export interface ActionContext {
  /** The task was created with syncing=true. */
  readonly syncing: boolean;
  /** need_migration_test. */
  readonly needMigrationTest: boolean;
  /** test or cutover already ran. No cell depends on it today; completion does. */
  readonly launched: boolean;
  /** The first subtask of the plan below 100, or null. */
  readonly currentSubtask: string | null;
}

/**
 * The conditions a cell may put on its move; when one fails the operation is refused with its own error
 * ({@link REFUSALS}).
 */
export const GUARDS = {
  /** test, cutover, clone_test: SYNCING is continuous sync only for a syncing task (another's is an incremental sync). */
  syncingTask: { label: 'the task syncs (syncing=true)', holds: (task: ActionContext) => task.syncing },
  /** migration_test: the task was created with need_migration_test=true. */
  needMigrationTest: { label: 'need_migration_test is true', holds: (task: ActionContext) => task.needMigrationTest },
  /** skip: the consistency check is the subtask running. */
  checkingConsistency: {
    label: 'CHECK_CONSISTENCY is the running subtask',
    holds: (task: ActionContext) => task.currentSubtask === 'CHECK_CONSISTENCY',
  },
} as const satisfies Record<string, { label: string; holds: (task: ActionContext) => boolean }>;

export type ActionGuard = keyof typeof GUARDS;

export interface ActionMove {
  /** The state written now. */
  readonly to: TaskState;
  /** The state it settles in at once when no live agent must acknowledge (stop: ABORTING, then ABORT). */
  readonly settle?: TaskState;
  /** Set only where empty (the first start). */
  readonly stamps?: readonly 'start_date'[];
  /** Every subtask back to progress 0, dates null, error_json ''. */
  readonly resetSubtasks?: boolean;
  /** Subtasks the service appends to the plan (plans.ts: launchSteps, syncSteps, cloneSteps). */
  readonly appendPlan?: 'sync' | 'launch' | 'clone';
  /** error_json back to ''. */
  readonly clearError?: boolean;
  /** What the source server shows (settle: as for the task). Absent: the source stays as it is. */
  readonly source?: {
    readonly state: SourceState;
    readonly migration_cycle?: MigrationCycle;
    readonly settle?: SourceState;
  };
  /**
   * The command the source server's agent is given (tasks.agent_command, answered by ShowCommand until the agent
   * reports its result: src/sms/agent/service.ts); null or absent: none, a pending one stays.
   */
  readonly agentCommand?: 'START' | 'STOP' | 'SKIP' | 'PREMIGRATE' | null;
  /**
   * A side effect the service performs: network_check sets start_network_check (the figures come from the agent's
   * UpdateNetworkCheckInfo); clone creates the clone_server record at once; clear drops target_snapshot_id;
   * collect_log sets log_collect_status to UPLOADED at once; skip_check closes the running CHECK_CONSISTENCY at 100
   * so the plan goes on.
   */
  readonly effect?: 'network_check' | 'clone' | 'clear' | 'collect_log' | 'skip_check';
  /** The move happens only while this holds; otherwise the operation's own error. */
  readonly when?: ActionGuard;
  /** One short sentence: why (an evidence key of the facts, or "chosen"). */
  readonly note: string;
}

export interface ActionRefusal {
  readonly error: ActionError;
}

export type ActionOutcome = ActionMove | ActionRefusal;

export function isRefusal(outcome: ActionOutcome): outcome is ActionRefusal {
  return 'error' in outcome;
}

// The moves, named once; a row lists the operations a state allows and refuses the rest with their own error.

const RESUME = {
  to: 'RUNNING',
  stamps: ['start_date'],
  source: { state: 'initialize', migration_cycle: 'replicating' },
  agentCommand: 'START',
} as const;

const START_FROM_READY: ActionMove = {
  ...RESUME,
  note: 'doc: a created task is started by hand (DOCv1 启动迁移任务); TF waits READY→RUNNING',
};
const START_FROM_ABORT: ActionMove = { ...RESUME, note: 'doc: a paused task is resumed (SMS.1039, DOCv1 guide)' };
const START_FROM_FAIL: ActionMove = {
  ...RESUME,
  clearError: true,
  note: 'doc: failed or paused tasks can be started (DOC example 2); resumes at the failed subtask, error cleared (chosen)',
};
const INCREMENTAL_SYNC: ActionMove = {
  to: 'SYNCING',
  appendPlan: 'sync',
  source: { state: 'syncing', migration_cycle: 'syncing' },
  agentCommand: 'START',
  note: 'doc: start after success syncs new data (DOCv1 设置目的端, 同步迁移任务); SYNCING inferred',
};
const STOP: ActionMove = {
  to: 'ABORTING',
  settle: 'ABORT',
  source: { state: 'stopping', settle: 'stopped' },
  agentCommand: 'STOP',
  note: 'doc: running or syncing tasks pause (SMS.1038); ABORTING then ABORT inferred',
};
const RESTART: ActionMove = {
  to: 'RUNNING',
  resetSubtasks: true,
  clearError: true,
  source: { state: 'initialize', migration_cycle: 'replicating' },
  agentCommand: 'START',
  note: 'doc: only failed tasks restart (SMS.1040), from the first subtask; RUNNING inferred',
};
const LAUNCH: ActionMove = {
  to: 'RUNNING',
  when: 'syncingTask',
  appendPlan: 'launch',
  source: { state: 'cutovering', migration_cycle: 'cutovering' },
  agentCommand: null,
  note: 'doc: launch only in continuous sync (DOCv1 启动目的端); configure and detach run, then MIGRATE_SUCCESS (inferred)',
};
const CLONE: ActionMove = {
  to: 'SYNCING',
  when: 'syncingTask',
  effect: 'clone',
  appendPlan: 'clone',
  source: { state: 'cloning' },
  agentCommand: null,
  note: 'doc: clone only in continuous sync (DOCv1 克隆目的端); the source shows cloning until CLONE_VM ends (inferred)',
};
const SKIP: ActionMove = {
  to: 'SKIPPING',
  settle: 'RUNNING',
  when: 'checkingConsistency',
  effect: 'skip_check',
  source: { state: 'skipping', settle: 'replicate' },
  agentCommand: 'SKIP',
  note: 'inferred: skips the running consistency check (PySDK SKIPPING, ShowCommand SKIP)',
};
const OVERSPEED: ActionMove = {
  ...STOP,
  note: 'inferred: the agent pauses a task over its speed threshold (SMS.9007 over-speed pause), as stop does',
};
const ROLLBACK: ActionMove = {
  to: 'MIGRATE_SUCCESS',
  source: { state: 'finished', migration_cycle: 'cutovered' },
  note: 'inferred: a failed sync rolls back to the last full copy (legacy doc, SYNC_F_ROLLBACK_SUCCESS)',
};

// The moves that leave the task in its state.

const networkCheck = (state: TaskState): ActionMove => ({
  to: state,
  effect: 'network_check',
  note: 'inferred: any rest state; TF reports network-check info on a READY task',
});
const clear = (state: TaskState): ActionMove => ({
  to: state,
  effect: 'clear',
  source: { state: 'clearing', settle: 'cleared' },
  note: 'inferred: a finished task has snapshots to clear (source clearing → cleared)',
});
const migrationTest = (state: TaskState): ActionMove => ({
  to: state,
  when: 'needMigrationTest',
  source: { state: 'premiging', settle: 'premiged' },
  agentCommand: 'PREMIGRATE',
  note: 'inferred: a drill after replication when need_migration_test (ShowCommand PREMIGRATE)',
});
const collectLog = (state: TaskState): ActionMove => ({
  to: state,
  effect: 'collect_log',
  agentCommand: null,
  note: 'legacy doc: logs are collected in any state but DELETING (chosen), no v3 agent command',
});

/** A state's row: the moves listed, every other operation refused with its own error. */
function row(moves: Partial<Record<TaskOperation, ActionMove>>): Record<TaskOperation, ActionOutcome> {
  const cells = {} as Record<TaskOperation, ActionOutcome>;
  for (const operation of TASK_OPERATIONS) cells[operation] = moves[operation] ?? { error: REFUSALS[operation] };
  return cells;
}

/** Every state × operation: the move, or the error. */
export const ACTIONS: Readonly<Record<TaskState, Readonly<Record<TaskOperation, ActionOutcome>>>> = {
  READY: row({
    start: START_FROM_READY,
    network_check: networkCheck('READY'),
    collect_log: collectLog('READY'),
  }),
  RUNNING: row({
    stop: STOP,
    skip: SKIP,
    error_for_overspeed: OVERSPEED,
    collect_log: collectLog('RUNNING'),
  }),
  SYNCING: row({
    stop: STOP,
    test: LAUNCH,
    cutover: LAUNCH,
    clone_test: CLONE,
    migration_test: migrationTest('SYNCING'),
    error_for_overspeed: OVERSPEED,
    collect_log: collectLog('SYNCING'),
  }),
  MIGRATE_SUCCESS: row({
    start: INCREMENTAL_SYNC,
    network_check: networkCheck('MIGRATE_SUCCESS'),
    clear: clear('MIGRATE_SUCCESS'),
    migration_test: migrationTest('MIGRATE_SUCCESS'),
    collect_log: collectLog('MIGRATE_SUCCESS'),
  }),
  SYNC_SUCCESS: row({
    start: INCREMENTAL_SYNC,
    network_check: networkCheck('SYNC_SUCCESS'),
    clear: clear('SYNC_SUCCESS'),
    collect_log: collectLog('SYNC_SUCCESS'),
  }),
  MIGRATE_FAIL: row({
    start: START_FROM_FAIL,
    restart: RESTART,
    network_check: networkCheck('MIGRATE_FAIL'),
    collect_log: collectLog('MIGRATE_FAIL'),
  }),
  SYNC_FAIL: row({
    network_check: networkCheck('SYNC_FAIL'),
    collect_log: collectLog('SYNC_FAIL'),
    sync_failed_rollback: ROLLBACK,
  }),
  ABORTING: row({ collect_log: collectLog('ABORTING') }),
  ABORT: row({
    start: START_FROM_ABORT,
    network_check: networkCheck('ABORT'),
    collect_log: collectLog('ABORT'),
  }),
  SKIPPING: row({ collect_log: collectLog('SKIPPING') }),
  DELETING: row({}),
  RESETING: row({ collect_log: collectLog('RESETING') }),
};

/**
 * The outcome of `operation` on a task in `state`: the table's cell, refused with the operation's own error where
 * the cell's condition does not hold for `task`, or where `state` is not a task state.
 */
export function act(state: string, operation: TaskOperation, task: ActionContext): ActionOutcome {
  const cell = (ACTIONS as Partial<Record<string, Record<TaskOperation, ActionOutcome>>>)[state]?.[operation];
  if (cell === undefined) return { error: REFUSALS[operation] };
  if (!isRefusal(cell) && cell.when !== undefined && !GUARDS[cell.when].holds(task)) {
    return { error: REFUSALS[operation] };
  }
  return cell;
}
