// Which state a task moves to, and when: one table the task service consults for every change of state, so the
// rules are read in one place and the SQL only stores the outcome.

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

/** What happens to a task: today an agent's progress report; the task actions join here. */
export type TaskEvent = 'progress';

export interface Transition {
  readonly to: TaskState;
  /** Date fields the move stamps with the time of the event, where they are still empty. */
  readonly stamps?: readonly 'start_date'[];
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
