// The rules of the emulated task operations (ShowTask, UpdateTask, UpdateTaskSpeed): what a request may change and
// what it changes, each write in one transaction of the write queue. States move only as state-machine.ts says.
import { isIPv4, isIPv6 } from 'node:net';
import type { WriteGroup, WriteQueue } from '../../db/write-queue.js';
import type { Clock } from '../../lib/clock.js';
import { ApiError } from '../../lib/errors.js';
import type { UpdateTaskBody, UpdateTaskSpeedBody } from '../../schemas/index.js';
import type {
  JsonObject,
  ReceivedReport,
  SubTaskInput,
  TaskFields,
  TaskLifecycle,
  TaskRepository,
} from './repository.js';
import { BOOLEAN_COLUMNS, INTEGER_COLUMNS, TEXT_COLUMNS } from './repository.js';
import { transition } from './state-machine.js';

export interface TaskService {
  /** The serialized ShowTask body. */
  showTask(id: string): string;
  updateTask(id: string, body: UpdateTaskBody): Promise<void>;
  reportProgress(id: string, report: UpdateTaskSpeedBody): Promise<void>;
}

export interface TaskServiceOptions {
  readonly tasks: TaskRepository;
  readonly writes: WriteQueue;
  readonly clock: Clock;
  /** The ShowTask body of a task (kept between commits: render.ts). */
  readonly body: (id: string) => string;
  /** Create a READY task for an unknown id on UpdateTask and progress reports instead of answering 404. */
  readonly autoCreate: boolean;
}

/** A progress report to a task, as received. */
interface TaskReport extends ReceivedReport {
  readonly id: string;
  readonly report: UpdateTaskSpeedBody;
}

/** Fields of both UpdateTask models that map one to one onto a task column. */
const UPDATE_DIRECT_COLUMNS = new Set<string>([
  ...TEXT_COLUMNS.filter((c) => c !== 'subtask_info'),
  ...INTEGER_COLUMNS,
  ...BOOLEAN_COLUMNS.filter((c) => c !== 'need_migration_test'),
  'migrate_speed',
  'clone_server',
]);

/** Stored columns an UpdateTask may need before it writes: the IP's family, and the documents it merges into. */
type StoredColumn = 'use_ipv6' | 'source_server' | 'target_server';
type Stored = Partial<Pick<TaskFields, StoredColumn>>;
/** Each set of them, as one list each (the repository keeps a statement per list): bit 1 use_ipv6, 2, 4 the others. */
const STORED_COLUMNS: readonly (readonly StoredColumn[])[] = Array.from({ length: 8 }, (_, bits) =>
  (['use_ipv6', 'source_server', 'target_server'] as const).filter((_, index) => bits & (1 << index)),
);
/** What an update reads first (a list of STORED_COLUMNS), or the use_ipv6 its UPDATE requires (planOf). */
interface UpdatePlan {
  readonly reads: readonly StoredColumn[] | undefined;
  readonly ipv6: boolean | undefined;
}
/** What a task created by this very update holds in those columns. */
const NOTHING_STORED: Stored = {};

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

export function createTaskService({ tasks, writes, clock, body, autoCreate }: TaskServiceOptions): TaskService {
  function createReadyTask(id: string): void {
    tasks.put(id, { state: 'READY', create_date: clock.now() }, []);
  }

  /**
   * How an update learns what it needs of the stored task. Either it reads first, in one statement, whether the task
   * exists and the stored values it needs (`reads`): so a missing task is a 404 whatever the body says, before a
   * value of the body is refused. Or, when it needs no stored document and its migration_ip fits an address family
   * (or it has none), the UPDATE itself tells whether the task exists, changing it only when the stored use_ipv6 is
   * the one the address needs (`ipv6`); when it changed nothing, the update reads after all.
   */
  function planOf(update: Readonly<Record<string, unknown>>): UpdatePlan {
    const source = isRecord(update.source_server);
    const target = 'target_server' in update || TARGET_SERVER_FIELDS.some((f) => f in update);
    const ip = update.migration_ip;
    let ipv6: boolean | undefined;
    let readIpv6 = false;
    let refused = false;
    if (typeof ip === 'string' && ip !== '') {
      if ('use_ipv6' in update) refused = !(update.use_ipv6 === true ? isIPv6(ip) : isIPv4(ip));
      else if (isIPv4(ip)) ipv6 = false;
      else if (isIPv6(ip)) ipv6 = true;
      else refused = readIpv6 = true;
    }
    if (!source && !target && !refused) return { reads: undefined, ipv6 };
    if (ipv6 !== undefined) readIpv6 = true;
    return { reads: STORED_COLUMNS[(readIpv6 ? 1 : 0) | (source ? 2 : 0) | (target ? 4 : 0)], ipv6: undefined };
  }

  /** The update after reading what it needs (planOf); a task it creates holds none of it. */
  function updateAfterReading(id: string, update: Readonly<Record<string, unknown>>, reads: readonly StoredColumn[]) {
    let stored: Stored | undefined = tasks.columns(id, reads);
    if (stored === undefined) {
      if (!autoCreate) throw new ApiError('taskNotFound', id);
      createReadyTask(id);
      stored = NOTHING_STORED;
    }
    tasks.update(id, updateFields(update, stored));
  }

  function updateFields(update: Readonly<Record<string, unknown>>, stored: Stored): Partial<TaskFields> {
    const fields: Record<string, unknown> = {};
    for (const name in update) {
      if (UPDATE_DIRECT_COLUMNS.has(name)) fields[name] = update[name] ?? null;
    }
    if ('enterprise_project' in update && !('enterprise_project_id' in update)) {
      fields.enterprise_project_id = update.enterprise_project ?? null;
    }
    if ('snapshot_ids' in update && !('target_snapshot_id' in update)) {
      fields.target_snapshot_id = update.snapshot_ids ?? null;
    }

    if ('migration_ip' in update) {
      const useIpv6 = 'use_ipv6' in update ? update.use_ipv6 === true : stored.use_ipv6 === true;
      checkMigrationIp(update.migration_ip, useIpv6);
    }
    if ('source_server' in update) {
      const given = update.source_server;
      fields.source_server = isRecord(given) ? { ...(stored.source_server ?? {}), ...given } : null;
    }
    if ('target_server' in update || TARGET_SERVER_FIELDS.some((f) => f in update)) {
      let target: JsonObject | null = stored.target_server ?? null;
      if ('target_server' in update) {
        const given = update.target_server;
        target = isRecord(given) ? { ...(target ?? {}), ...targetServerForStorage(given) } : null;
      }
      for (const name of TARGET_SERVER_FIELDS) {
        if (name in update) target = { ...(target ?? {}), [name]: update[name] ?? null };
      }
      fields.target_server = target;
    }
    return fields as Partial<TaskFields>;
  }

  /** The state and start date a task stands at after `received`, moved report by report as the table says. */
  function movesAfter(current: TaskLifecycle, received: readonly ReceivedReport[]): Partial<TaskLifecycle> | undefined {
    let moves: { state: string; start_date?: TaskLifecycle['start_date'] } | undefined;
    let { state, start_date } = current;
    for (const { receivedAt } of received) {
      const move = transition(state, 'progress');
      if (move === undefined) continue;
      state = move.to;
      moves = { ...moves, state };
      if (move.stamps?.includes('start_date')) {
        start_date ??= receivedAt;
        moves.start_date = start_date;
      }
    }
    return moves;
  }

  /**
   * Progress reports, applied together when several come one after another in a batch: reports to one task in a
   * row read its state once and write the task and each named subtask once (an agent reporting fast, or several
   * sharing a task). Reports to different tasks in between keep their order, applied one task's run at a time.
   */
  const reports: WriteGroup<TaskReport> = {
    apply(inputs) {
      let start = 0;
      while (start < inputs.length) {
        const { id } = inputs[start] as TaskReport;
        let end = start + 1;
        while (end < inputs.length && (inputs[end] as TaskReport).id === id) end++;
        let current = tasks.lifecycle(id);
        if (current === undefined) {
          if (!autoCreate) throw new ApiError('taskNotFound', id);
          createReadyTask(id);
          current = { state: 'READY', start_date: null };
        }
        if (end === start + 1) {
          const { report, receivedAt } = inputs[start] as TaskReport;
          tasks.applyProgress(id, report, receivedAt, movesAfter(current, [inputs[start] as TaskReport]));
        } else {
          const run = inputs.slice(start, end);
          tasks.applyReports(id, run, movesAfter(current, run));
        }
        start = end;
      }
    },
  };

  return {
    showTask: body,

    updateTask(id, given) {
      const update = given as Readonly<Record<string, unknown>>;
      const duplicate = 'sub_tasks' in update ? duplicateSubTaskId(update.sub_tasks) : undefined;
      if (duplicate !== undefined) return Promise.reject(new ApiError('invalidParameter', duplicate));
      const { reads, ipv6 } = planOf(update);
      return writes.run(() => {
        if (reads !== undefined) {
          updateAfterReading(id, update, reads);
        } else if (ipv6 === undefined) {
          // Nothing to read and nothing to refuse: the update answers whether the task is there.
          const fields = updateFields(update, NOTHING_STORED);
          if (!tasks.update(id, fields)) {
            if (!autoCreate) throw new ApiError('taskNotFound', id);
            createReadyTask(id);
            tasks.update(id, fields);
          }
        } else if (!tasks.update(id, updateFields(update, { use_ipv6: ipv6 }), ipv6)) {
          // The task is missing, or its use_ipv6 refuses the address: the read says which.
          updateAfterReading(id, update, STORED_COLUMNS[1] as readonly StoredColumn[]);
        }
        if ('sub_tasks' in update) {
          const subTasks = Array.isArray(update.sub_tasks) ? (update.sub_tasks as SubTaskInput[]) : [];
          tasks.replaceSubTasks(id, subTasks);
        }
      });
    },

    reportProgress(id, report) {
      return writes.runIn(reports, { id, report, receivedAt: clock.now() });
    },
  };
}
