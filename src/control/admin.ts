// The mock's own administration of stored tasks: insert or replace whole tasks (seeds, PUT /_mock/tasks), delete one
// whatever its state, list its progress reports, empty the store. Not the vendor's rules: a vendor DeleteTask refuses
// a running task, this delete does not.
import { createReset } from '../db/reset.js';
import type { Db } from '../db/sqlite.js';
import type { WriteQueue } from '../db/write-queue.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import {
  BOOLEAN_COLUMNS,
  INTEGER_COLUMNS,
  JSON_COLUMNS,
  type ProgressSample,
  REAL_COLUMNS,
  type SubTaskInput,
  type TaskFields,
  type TaskRepository,
  TEXT_COLUMNS,
} from '../sms/tasks/repository.js';
import { duplicateSubTaskId } from '../sms/tasks/service.js';

/** A task in the ShowTask shape, as seeds and the mock control API give it. */
export type TaskDocument = { id: string } & Record<string, unknown>;

export interface TaskAdmin {
  /** Inserts or replaces whole tasks (seed files, PUT /_mock/tasks/{id}). */
  putTasks(documents: readonly TaskDocument[]): Promise<void>;
  /** False when there was no such task. */
  deleteTask(id: string): Promise<boolean>;
  /** A task's samples in order (`limit` of them after the first `offset`; all when omitted); 404 for no task. */
  listSamples(id: string, offset?: number, limit?: number): ProgressSample[];
  /** Empties every table. */
  emptyStore(): Promise<void>;
}

export interface TaskAdminOptions {
  readonly db: Db;
  readonly tasks: TaskRepository;
  readonly writes: WriteQueue;
  readonly clock: Clock;
}

const DOCUMENT_COLUMNS = [...TEXT_COLUMNS, ...INTEGER_COLUMNS, ...REAL_COLUMNS, ...BOOLEAN_COLUMNS, ...JSON_COLUMNS];

/** The task's own fields from a ShowTask-shaped document; absent fields stay absent. */
function fieldsFromDocument(document: TaskDocument): Partial<TaskFields> {
  const fields: Record<string, unknown> = {};
  for (const column of DOCUMENT_COLUMNS) {
    if (column in document) fields[column] = document[column] ?? null;
  }
  return fields as Partial<TaskFields>;
}

export function createTaskAdmin({ db, tasks, writes, clock }: TaskAdminOptions): TaskAdmin {
  const empty = createReset(db);
  return {
    putTasks(documents) {
      for (const document of documents) {
        const duplicate = duplicateSubTaskId(document.sub_tasks);
        if (duplicate !== undefined) return Promise.reject(new ApiError('invalidParameter', duplicate));
      }
      const now = clock.now();
      return writes.run(() => {
        for (const document of documents) {
          const fields = fieldsFromDocument(document);
          // A real task always has a state and a creation date.
          fields.state ??= 'READY';
          fields.create_date ??= now;
          const subTasks = Array.isArray(document.sub_tasks) ? (document.sub_tasks as SubTaskInput[]) : [];
          tasks.put(document.id, fields, subTasks);
        }
      });
    },

    deleteTask(id) {
      return writes.run(() => tasks.delete(id));
    },

    listSamples(id, offset, limit) {
      if (!tasks.exists(id)) throw new ApiError('taskNotFound', id);
      return tasks.listSamples(id, offset, limit);
    },

    emptyStore() {
      return writes.runAlone(empty);
    },
  };
}
