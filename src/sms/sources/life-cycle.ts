// What a source server shows while its task moves: the state and migration-cycle enums, and what the source shows
// when the task moves by progress. The moves a task action makes to its source are in the action table
// (src/sms/tasks/state-machine.ts). Pure data and functions: the service stores what they say.
import { isDataSubtask, isLaunchStep } from '../tasks/plans.js';

/** Source server states ListServers and ShowServer answer (PySDK/GoSDK enum, 19 values). */
export const SOURCE_STATES = [
  'unavailable',
  'waiting',
  'initialize',
  'replicate',
  'syncing',
  'stopping',
  'stopped',
  'skipping',
  'deleting',
  'clearing',
  'cleared',
  'clearfailed',
  'premigready',
  'premiged',
  'premigfailed',
  'cloning',
  'cutovering',
  'finished',
  'error',
] as const;

/**
 * A state a source can hold: the answered enum plus `premiging`, which only RegisterServer and changestate list
 * (PySDK put_copy_state_req.py) and which a migration drill writes here.
 */
export type SourceState = (typeof SOURCE_STATES)[number] | 'premiging';

/**
 * The copystate values changestate accepts: every state, `premiging`, and `init`, changestate's spelling of
 * `initialize` since SDK 3.1.185 (PySDK CHANGELOG). Older docs use upper case; {@link changestateCopyState} folds it.
 */
export const CHANGESTATE_COPY_STATES = [...SOURCE_STATES, 'premiging', 'init'] as const;

/** migration_cycle values ListServers and ShowServer answer (6). */
export const MIGRATION_CYCLES = ['checking', 'setting', 'replicating', 'syncing', 'cutovering', 'cutovered'] as const;

/** The migration_cycle values changestate accepts: the six, and four for migration drills (PySDK CHANGELOG). */
export const CHANGESTATE_MIGRATION_CYCLES = [
  ...MIGRATION_CYCLES,
  'no_ready',
  'ready_for_test',
  'testing',
  'tested',
] as const;

/** A migration cycle a source can hold: changestate may write any of the ten. */
export type MigrationCycle = (typeof CHANGESTATE_MIGRATION_CYCLES)[number];

/**
 * Source states in which changestate changes nothing and still answers 200 ("the update does not take effect if the
 * source server is in unavailable, stopping, stopped, deleting, finished, clearing or clearfailed": DOC
 * UpdateCopyState 2026-01-27).
 */
export const CHANGESTATE_IGNORED_IN: readonly SourceState[] = [
  'unavailable',
  'stopping',
  'stopped',
  'deleting',
  'finished',
  'clearing',
  'clearfailed',
];

/** Whether changestate leaves a source in `state` as it is. */
export function changestateIgnored(state: string): boolean {
  return (CHANGESTATE_IGNORED_IN as readonly string[]).includes(state);
}

/**
 * The state a changestate `copystate` value writes, case folded (older docs send upper case), `init` read as
 * `initialize`; undefined for a value changestate does not accept.
 */
export function changestateCopyState(value: string): SourceState | undefined {
  const folded = value.toLowerCase();
  if (!(CHANGESTATE_COPY_STATES as readonly string[]).includes(folded)) return undefined;
  return folded === 'init' ? 'initialize' : (folded as SourceState);
}

/** The migration cycle a changestate `migrationcycle` value writes, case folded; undefined when not accepted. */
export function changestateMigrationCycle(value: string): MigrationCycle | undefined {
  const folded = value.toLowerCase();
  return (CHANGESTATE_MIGRATION_CYCLES as readonly string[]).includes(folded) ? (folded as MigrationCycle) : undefined;
}

/** What a source shows: its state, and its migration cycle where the moment changes it. */
export interface SourceShows {
  readonly state: SourceState;
  /** Absent: the cycle stays what it was. */
  readonly migration_cycle?: MigrationCycle;
  /** One short sentence: the evidence (a key of the life-cycle facts) or "chosen". */
  readonly note: string;
}

/** The moments of a task's run that the source shows, as progress reports move the task. */
export type ProgressMoment = 'preparing' | 'replicating' | 'launching' | 'syncing' | 'cloning' | 'finished' | 'failed';

/** What the source shows at each moment of its task's run. */
export const SOURCE_ON_PROGRESS: Readonly<Record<ProgressMoment, SourceShows>> = {
  preparing: {
    state: 'initialize',
    migration_cycle: 'replicating',
    note: 'documented: the v3 ShowTask example, RUNNING at CREATE_CLOUD_SERVER',
  },
  replicating: { state: 'replicate', migration_cycle: 'replicating', note: 'inferred: the state named "复制"' },
  launching: {
    state: 'cutovering',
    migration_cycle: 'cutovering',
    note: 'inferred: configure and detach are the target launch ("启动目的端中")',
  },
  syncing: {
    state: 'syncing',
    migration_cycle: 'syncing',
    note: 'doc: continuous sync ("持续同步") once replication is done with syncing=true',
  },
  cloning: { state: 'cloning', note: 'inferred: "等待克隆完成" while CLONE_VM runs' },
  finished: {
    state: 'finished',
    migration_cycle: 'cutovered',
    note: 'inferred: the target launched ("启动目的端完成")',
  },
  failed: { state: 'error', note: 'inferred: a failed task leaves its source in error, cycle unchanged' },
};

/** The task as it stands after a progress report: its state, whether it syncs, and the subtask running now. */
export interface TaskProgressView {
  readonly state: string;
  /**
   * The first subtask of the plan below 100, or null when every one is at 100 (a plan not started yet counts as its
   * first subtask).
   */
  readonly currentSubtask: string | null;
}

/** Which moment a task's run stands at, or undefined when the source shows what it showed (a rest or transient). */
export function progressMoment(task: TaskProgressView): ProgressMoment | undefined {
  switch (task.state) {
    case 'RUNNING': {
      const current = task.currentSubtask;
      if (current === null) return undefined;
      // The consistency check follows the data copy and belongs to replication.
      if (isDataSubtask(current) || current === 'CHECK_CONSISTENCY') return 'replicating';
      if (isLaunchStep(current)) return 'launching';
      return 'preparing';
    }
    case 'SYNCING':
      return task.currentSubtask === 'CLONE_VM' ? 'cloning' : 'syncing';
    case 'MIGRATE_SUCCESS':
    case 'SYNC_SUCCESS':
      return 'finished';
    case 'MIGRATE_FAIL':
    case 'SYNC_FAIL':
      return 'failed';
    default:
      return undefined;
  }
}

/**
 * What the source shows once its task stands as `task` says after a progress report; undefined to leave the source as
 * it is. First data subtask running → replicate/replicating; replication done on a syncing task → syncing/syncing;
 * MIGRATE_SUCCESS (and SYNC_SUCCESS, an incremental sync done: chosen) → finished/cutovered; MIGRATE_FAIL or
 * SYNC_FAIL → error.
 */
export function sourceAfterProgress(task: TaskProgressView): SourceShows | undefined {
  const moment = progressMoment(task);
  return moment === undefined ? undefined : SOURCE_ON_PROGRESS[moment];
}

/**
 * The move of the source server that sourceAfterProgress asks for, made at `at` (the repository's moveSource takes
 * it), or undefined to leave the source as it is.
 */
export function sourceMoveAfter(
  task: TaskProgressView,
  at: number,
): { state: SourceState; migration_cycle: MigrationCycle | undefined; at: number } | undefined {
  const shows = sourceAfterProgress(task);
  return shows === undefined ? undefined : { state: shows.state, migration_cycle: shows.migration_cycle, at };
}
