// The rules of the three task operations and the mock's own task control: what a request changes, in one
// transaction, and the ShowTask body kept serialized between writes.
import { isIPv4, isIPv6 } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import type { WriteQueue } from '../../db/write-queue.js';
import { ApiError } from '../../lib/errors.js';
import type {
  JsonObject,
  ProgressReport,
  ProgressSample,
  SubTaskInput,
  TaskFields,
  TaskRecord,
  TaskRepository,
} from './repository.js';
import { BOOLEAN_COLUMNS, INTEGER_COLUMNS, JSON_COLUMNS, REAL_COLUMNS, TEXT_COLUMNS } from './repository.js';

/** An UpdateTask body after validation: the current model's fields and the older model's, all optional. */
export type UpdateTaskInput = Record<string, unknown>;

/** A task in the ShowTask shape, as seeds and the mock control API give it. */
export type TaskDocument = { id: string } & Record<string, unknown>;

export interface TaskService {
  /** The serialized ShowTask body. */
  showTask(id: string): string;
  updateTask(id: string, body: UpdateTaskInput): Promise<void>;
  reportProgress(id: string, report: ProgressReport): Promise<void>;
  /** Inserts or replaces whole tasks (seed files, PUT /_mock/tasks/{id}). */
  putTasks(documents: readonly TaskDocument[]): Promise<void>;
  deleteTask(id: string): Promise<boolean>;
  reset(): Promise<void>;
  listSamples(id: string): ProgressSample[];
}

export interface TaskServiceOptions {
  readonly tasks: TaskRepository;
  readonly writes: WriteQueue;
  readonly clock: Clock;
  /** Serializes a task to its ShowTask body. */
  readonly render: (task: TaskRecord) => string;
  /** Create a READY task for an unknown id on UpdateTask and progress reports instead of answering 404. */
  readonly autoCreate: boolean;
}

/** Fields of both UpdateTask models that map one to one onto a task column. */
const UPDATE_DIRECT_COLUMNS = new Set<string>([
  ...TEXT_COLUMNS.filter((c) => c !== 'subtask_info'),
  ...INTEGER_COLUMNS,
  'migrate_speed',
  'start_target_server',
  'connected',
  'exist_server',
  'use_ipv6',
  'use_public_ip',
  'clone_server',
]);

/** How many serialized ShowTask bodies are kept: enough for any test run, bounded for a long-lived server. */
const MAX_CACHED_BODIES = 10_000;

/** UpdateTask fields that ShowTask shows inside target_server. */
const TARGET_SERVER_FIELDS = ['image_disk_id', 'cutovered_snapshot_ids'] as const;

function isRecord(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The request's TargetServer carries btrfs file systems as objects; ShowTask lists them by name. */
function targetServerForStorage(given: JsonObject): JsonObject {
  const copy: JsonObject = { ...given };
  if (Array.isArray(copy.btrfs_list)) {
    copy.btrfs_list = copy.btrfs_list.map((fs) => (isRecord(fs) ? (fs.name ?? null) : fs));
  }
  return copy;
}

function checkMigrationIp(ip: unknown, useIpv6: boolean): void {
  if (typeof ip !== 'string' || ip === '') return;
  if (useIpv6 ? !isIPv6(ip) : !isIPv4(ip)) {
    throw new ApiError(
      'invalidParameter',
      `migration_ip must be an ${useIpv6 ? 'IPv6' : 'IPv4'} address when use_ipv6 is ${useIpv6}`,
    );
  }
}

/**
 * Where a subtask list repeats an id, as a sentence naming both places (`sub_tasks[2].id duplicates
 * sub_tasks[0].id`), or undefined. Ids are compared by value, whether they came as numbers or as bigint.
 */
export function duplicateSubTaskId(subTasks: unknown): string | undefined {
  if (!Array.isArray(subTasks)) return undefined;
  const seen = new Map<string, number>();
  for (let index = 0; index < subTasks.length; index++) {
    const id = (subTasks[index] as SubTaskInput | null)?.id;
    if (id === null || id === undefined) continue;
    const key = String(id);
    const first = seen.get(key);
    if (first !== undefined) return `sub_tasks[${index}].id duplicates sub_tasks[${first}].id`;
    seen.set(key, index);
  }
  return undefined;
}

/** The task's own fields from a ShowTask-shaped document; absent fields stay absent. */
function fieldsFromDocument(document: TaskDocument): Partial<TaskFields> {
  const fields: Record<string, unknown> = {};
  for (const column of [...TEXT_COLUMNS, ...INTEGER_COLUMNS, ...REAL_COLUMNS, ...BOOLEAN_COLUMNS, ...JSON_COLUMNS]) {
    if (column in document) fields[column] = document[column] ?? null;
  }
  return fields as Partial<TaskFields>;
}

export function createTaskService({ tasks, writes, clock, render, autoCreate }: TaskServiceOptions): TaskService {
  /** ShowTask bodies by task id, dropped on every write to the task. */
  const bodies = new Map<string, string>();

  function createReadyTask(id: string): void {
    tasks.put(id, { state: 'READY', create_date: clock.now() }, []);
  }

  function updateFields(id: string, body: UpdateTaskInput): Partial<TaskFields> {
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(body)) {
      if (UPDATE_DIRECT_COLUMNS.has(name)) fields[name] = value ?? null;
    }
    if ('enterprise_project' in body && !('enterprise_project_id' in body)) {
      fields.enterprise_project_id = body.enterprise_project ?? null;
    }
    if ('snapshot_ids' in body && !('target_snapshot_id' in body)) {
      fields.target_snapshot_id = body.snapshot_ids ?? null;
    }

    if ('migration_ip' in body) {
      const useIpv6 = 'use_ipv6' in body ? body.use_ipv6 === true : tasks.column(id, 'use_ipv6') === true;
      checkMigrationIp(body.migration_ip, useIpv6);
    }
    if ('source_server' in body) {
      const given = body.source_server;
      fields.source_server = isRecord(given) ? { ...(tasks.column(id, 'source_server') ?? {}), ...given } : null;
    }
    if ('target_server' in body || TARGET_SERVER_FIELDS.some((f) => f in body)) {
      let target: JsonObject | null = tasks.column(id, 'target_server') ?? null;
      if ('target_server' in body) {
        const given = body.target_server;
        target = isRecord(given) ? { ...(target ?? {}), ...targetServerForStorage(given) } : null;
      }
      for (const name of TARGET_SERVER_FIELDS) {
        if (name in body) target = { ...(target ?? {}), [name]: body[name] ?? null };
      }
      fields.target_server = target;
    }
    return fields as Partial<TaskFields>;
  }

  return {
    showTask(id) {
      let body = bodies.get(id);
      if (body === undefined) {
        const task = tasks.find(id);
        if (!task) throw new ApiError('taskNotFound', id);
        body = render(task);
        if (bodies.size >= MAX_CACHED_BODIES) {
          // Maps iterate in insertion order: drop the body cached longest ago.
          const oldest = bodies.keys().next();
          if (!oldest.done) bodies.delete(oldest.value);
        }
        bodies.set(id, body);
      }
      return body;
    },

    updateTask(id, body) {
      const duplicate = 'sub_tasks' in body ? duplicateSubTaskId(body.sub_tasks) : undefined;
      if (duplicate !== undefined) return Promise.reject(new ApiError('invalidParameter', duplicate));
      return writes.run(() => {
        if (!tasks.exists(id)) {
          if (!autoCreate) throw new ApiError('taskNotFound', id);
          createReadyTask(id);
        }
        bodies.delete(id);
        tasks.update(id, updateFields(id, body));
        if ('sub_tasks' in body) {
          const subTasks = Array.isArray(body.sub_tasks) ? (body.sub_tasks as SubTaskInput[]) : [];
          tasks.replaceSubTasks(id, subTasks);
        }
      });
    },

    reportProgress(id, report) {
      const receivedAt = clock.now();
      return writes.run(() => {
        bodies.delete(id);
        if (tasks.applyProgress(id, report, receivedAt)) return;
        if (!autoCreate) throw new ApiError('taskNotFound', id);
        createReadyTask(id);
        tasks.applyProgress(id, report, receivedAt);
      });
    },

    putTasks(documents) {
      for (const document of documents) {
        const duplicate = duplicateSubTaskId(document.sub_tasks);
        if (duplicate !== undefined) return Promise.reject(new ApiError('invalidParameter', duplicate));
      }
      const now = clock.now();
      return writes.run(() => {
        for (const document of documents) {
          bodies.delete(document.id);
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
      return writes.run(() => {
        bodies.delete(id);
        return tasks.delete(id);
      });
    },

    reset() {
      return writes.run(() => {
        bodies.clear();
        tasks.deleteAll();
      });
    },

    listSamples(id) {
      if (!tasks.exists(id)) throw new ApiError('taskNotFound', id);
      return tasks.listSamples(id);
    },
  };
}
