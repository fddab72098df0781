// ShowTask bodies, kept serialized between commits. A body is current while the write queue's generation is the one
// it was rendered at: any commit, to any table, makes every kept body stale at once, so no write has to remember
// which bodies it touched. Fields computed at read time (from the clock) are laid over the stored task after the
// cache, never kept in it.
import type { WriteQueue } from '../../db/write-queue.js';
import type { Clock } from '../../lib/clock.js';
import { ApiError } from '../../lib/errors.js';
import type { TaskRecord, TaskRepository } from './repository.js';

/** Fields of a task that depend on when it is read; undefined when nothing does for this task. */
export type LiveFields = (task: TaskRecord, now: number) => Partial<TaskRecord> | undefined;

/** Both sets of read-time fields, the second seeing the task with the first's laid over it (and winning). */
export function bothLive(first: LiveFields, second: LiveFields | undefined): LiveFields {
  if (second === undefined) return first;
  return (task, now) => {
    const a = first(task, now);
    const b = second(a === undefined ? task : { ...task, ...a }, now);
    return a === undefined ? b : b === undefined ? a : { ...a, ...b };
  };
}

export interface TaskBodiesOptions {
  readonly tasks: TaskRepository;
  readonly writes: Pick<WriteQueue, 'generation'>;
  readonly clock: Clock;
  /** Serializes a task to its ShowTask body. */
  readonly render: (task: TaskRecord) => string;
  readonly live?: LiveFields | undefined;
}

/** How many bodies are kept: enough for any test run, bounded for a long-lived server. */
const MAX_KEPT = 10_000;

interface Kept {
  readonly task: TaskRecord;
  readonly body: string;
}

/** The ShowTask body of a task, or a 404 ApiError. */
export function createTaskBodies({ tasks, writes, clock, render, live }: TaskBodiesOptions): (id: string) => string {
  const kept = new Map<string, Kept>();
  let keptAt = writes.generation;
  return (id) => {
    if (keptAt !== writes.generation) {
      kept.clear();
      keptAt = writes.generation;
    }
    let entry = kept.get(id);
    if (entry === undefined) {
      const task = tasks.find(id);
      if (!task) throw new ApiError('taskNotFound', id);
      entry = { task, body: render(task) };
      // Maps iterate in insertion order: the body kept longest goes first.
      if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value as string);
      kept.set(id, entry);
    }
    const now = live?.(entry.task, clock.now());
    return now === undefined ? entry.body : render({ ...entry.task, ...now });
  };
}
