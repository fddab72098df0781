// The rules of the emulated task operations: what a request may change and what it changes, each write in one
// transaction of the write queue. States move only as state-machine.ts says, subtasks as plans.ts lays them out, and
// the source server a task migrates shows what sources/life-cycle.ts says for the moment its task is at.
import { randomUUID } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { WriteGroup, WriteQueue } from '../../db/write-queue.js';
import type { Clock } from '../../lib/clock.js';
import { ApiError } from '../../lib/errors.js';
import type {
  CreateTaskBody,
  ListTasksQuery,
  UpdateTaskBody,
  UpdateTaskSpeedBody,
  UpdateTaskStatusBody,
} from '../../schemas/index.js';
import { type MigrationCycle, type SourceState, sourceAfterProgress, sourceMoveAfter } from '../sources/life-cycle.js';
import { createTaskList } from './list.js';
import {
  CONSISTENCY_CHECK,
  cloneSteps,
  isPlanned,
  isSyncStep,
  launchSteps,
  type MigrationType,
  type OsType,
  PlanRefused,
  planFor,
  runningSubtask,
  type SubtaskName,
  syncSteps,
} from './plans.js';
import type {
  Int64Value,
  JsonObject,
  PlanStep,
  ReceivedReport,
  SourceMove,
  SubTaskInput,
  TaskActionView,
  TaskFields,
  TaskLifecycle,
  TaskMoves,
  TaskRepository,
} from './repository.js';
import { BOOLEAN_COLUMNS, INTEGER_COLUMNS, LIFECYCLE_COLUMNS, TEXT_COLUMNS } from './repository.js';
import {
  type ActionMove,
  act,
  completion,
  isRefusal,
  type TaskOperation,
  TRANSIENT_STATES,
  transition,
} from './state-machine.js';

export interface TaskService {
  /** The serialized ShowTask body. */
  showTask(id: string): string;
  updateTask(id: string, body: UpdateTaskBody): Promise<void>;
  reportProgress(id: string, report: UpdateTaskSpeedBody): Promise<void>;
  /** Creates a READY task for a registered source server; resolves with its id. */
  createTask(body: CreateTaskBody): Promise<string>;
  /** A page of the tasks the query's filters match, newest first, with how many match in all. */
  /** The serialized ListTasks body. */
  listTasks(query: ListTasksQuery): string;
  /** A task action (start, stop, ...), as the action table allows it from the task's state. */
  updateTaskStatus(id: string, body: UpdateTaskStatusBody): Promise<void>;
  deleteTask(id: string): Promise<void>;
  /** Deletes every task named, or none: an unknown or undeletable one refuses the whole request. */
  deleteTasks(ids: readonly string[]): Promise<void>;
  /**
   * Applies progress reports the mock itself makes (the simulated agent), inside the caller's write: the same rules
   * as UpdateTaskSpeed, without counting as a real agent's reports.
   */
  applySimulatedReports(reports: readonly TaskReport[]): void;
}

export interface TaskServiceOptions {
  readonly tasks: TaskRepository;
  readonly writes: WriteQueue;
  readonly clock: Clock;
  /** The ShowTask body of a task (kept between commits: render.ts). */
  readonly body: (id: string) => string;
  /** Create a READY task for an unknown id on UpdateTask and progress reports instead of answering 404. */
  readonly autoCreate: boolean;
  /**
   * Whether a live agent serves the source server at `now` (src/sms/agent/repository.ts): a stop then waits for its
   * STOP result instead of settling at once. None: no agent is ever live.
   */
  readonly liveAgent?: ((sourceId: string, now: number) => boolean) | undefined;
  /** Inside an action's write, after the task moved (the simulated agent schedules or stops its work). */
  readonly onAction?: ((id: string, now: number) => void) | undefined;
  /** Inside the write of a progress report from a client (a real agent at work on the task). */
  readonly onReport?: ((id: string, at: number) => void) | undefined;
}

/** A progress report to a task, as received. */
export interface TaskReport extends ReceivedReport {
  readonly id: string;
  readonly report: UpdateTaskSpeedBody;
}

/** Fields of both UpdateTask models that map one to one onto a task column (neither model has a life-cycle one). */
const LIFECYCLE = new Set<string>(LIFECYCLE_COLUMNS);
const UPDATE_DIRECT_COLUMNS = new Set<string>(
  [
    ...TEXT_COLUMNS.filter((c) => c !== 'subtask_info'),
    ...INTEGER_COLUMNS,
    ...BOOLEAN_COLUMNS.filter((c) => c !== 'need_migration_test'),
    'migrate_speed',
    'clone_server',
  ].filter((c) => !LIFECYCLE.has(c)),
);

/**
 * What the source server shows once a task is created for it: waiting to be started, in the replication stage (the
 * facts' table: a task configured, stage "Full Replication", status "Ready"; inferred).
 */
const SOURCE_WHEN_CREATED = { state: 'waiting', migration_cycle: 'replicating' } as const satisfies {
  state: SourceState;
  migration_cycle: MigrationCycle;
};
/**
 * What the source server shows once its task is deleted: a registered server without a task again, waiting in the
 * check stage (chosen: the facts' row for a server registered with its checks passed).
 */
const SOURCE_WHEN_FREED = { state: 'waiting', migration_cycle: 'checking' } as const satisfies {
  state: SourceState;
  migration_cycle: MigrationCycle;
};

/** Task states a delete refuses (SMS.2015): a task at work, and every state on its way to another (chosen). */
const UNDELETABLE_STATES = new Set<string>(['RUNNING', 'SYNCING', ...TRANSIENT_STATES]);

/** The user_op a subtask starts with, by how it came into the plan (REPLICATE: v3 ShowTask example; others chosen). */
const USER_OPS = { plan: 'REPLICATE', launch: 'REPLICATE', sync: 'SYNC', clone: 'CLONE' } as const;

/** A task the service creates for an unknown id (autoCreate), as a report finds it. */
const NEW_TASK: TaskLifecycle = {
  state: 'READY',
  start_date: null,
  finish_date: null,
  syncing: false,
  launched: false,
  source_server_id: null,
};

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

/** A report in a plan read before it: the latest subtask of that name takes it, as the SQL does, or it is appended. */
function record(plan: PlanStep[], name: string, progress: number): void {
  for (let index = plan.length - 1; index >= 0; index--) {
    if ((plan[index] as PlanStep).name === name) {
      plan[index] = { name, progress };
      return;
    }
  }
  plan.push({ name, progress });
}

/** b - a in milliseconds, exact beyond 2^53, never below 0 (a clock set back). */
function elapsed(a: Int64Value, b: Int64Value): Int64Value {
  if (typeof a === 'number' && typeof b === 'number') return Math.max(0, b - a);
  const difference = BigInt(b) - BigInt(a);
  if (difference < 0n) return 0;
  return difference <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(difference) : difference;
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

export function createTaskService({
  tasks,
  writes,
  clock,
  body,
  autoCreate,
  onAction,
  onReport,
  liveAgent,
}: TaskServiceOptions): TaskService {
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

  /**
   * Where `received` leaves a task and its source server, report by report: the first report starts a READY task
   * (transition); a report that brings every subtask of the plan to 100 completes it (completion), stamping
   * finish_date and total_time on MIGRATE_SUCCESS; the source shows what its task's moment is (sourceAfterProgress),
   * the subtask reported being the one running, or after a report at 100, the first of the plan below 100. The plan
   * is read only when a report stands at 100, since only such a report can complete it. Reports after each other or
   * together leave the same: `source` carries when the source's state last changed.
   */
  function afterReports(
    id: string,
    current: TaskLifecycle,
    received: readonly ReceivedReport[],
  ): { moves: TaskMoves | undefined; source: SourceMove | undefined } {
    let moves: { -readonly [K in keyof TaskMoves]: TaskMoves[K] } | undefined;
    let { state, start_date, finish_date } = current;
    const plan: PlanStep[] | undefined = received.some(({ report }) => report.progress >= 100)
      ? tasks.plan(id)
      : undefined;
    const linked = current.source_server_id !== null;
    let source: { -readonly [K in keyof SourceMove]: SourceMove[K] } | undefined;
    for (const { report, receivedAt } of received) {
      const start = transition(state, 'progress');
      if (start !== undefined) {
        state = start.to;
        moves = { ...moves, state };
        if (start.stamps?.includes('start_date')) {
          start_date ??= receivedAt;
          moves.start_date = start_date;
        }
      }
      if (plan !== undefined) record(plan, report.subtask_name, report.progress);
      let running: string | null = report.subtask_name;
      if (plan !== undefined && report.progress >= 100) {
        running = runningSubtask(plan);
        const done =
          running === null
            ? completion(state, {
                syncing: current.syncing,
                launched: current.launched,
                incremental: isSyncStep(plan[plan.length - 1]?.name ?? ''),
              })
            : undefined;
        if (done !== undefined) {
          state = done.to;
          moves = { ...moves, state };
          if (done.stamps?.includes('finish_date')) {
            finish_date ??= receivedAt;
            moves.finish_date = finish_date;
            if (start_date !== null) moves.total_time = elapsed(start_date, finish_date);
          }
        }
      }
      const shows = linked && state !== null ? sourceAfterProgress({ state, currentSubtask: running }) : undefined;
      if (shows === undefined) continue;
      if (source === undefined) {
        source = { state: shows.state, migration_cycle: shows.migration_cycle, at: receivedAt };
      } else {
        if (shows.state !== source.state) {
          source.at = receivedAt;
          source.changedOnTheWay = true;
        }
        source.state = shows.state;
        source.migration_cycle = shows.migration_cycle ?? source.migration_cycle;
      }
    }
    return { moves, source };
  }

  /**
   * Progress reports, applied together when several come one after another in a batch: reports to one task in a
   * row read its state once and write the task and each named subtask once (an agent reporting fast, or several
   * sharing a task). Reports to different tasks in between keep their order, applied one task's run at a time.
   */
  function applyReportRuns(inputs: readonly TaskReport[]): void {
    let start = 0;
    while (start < inputs.length) {
      const { id } = inputs[start] as TaskReport;
      let end = start + 1;
      while (end < inputs.length && (inputs[end] as TaskReport).id === id) end++;
      let current = tasks.lifecycle(id);
      if (current === undefined) {
        if (!autoCreate) throw new ApiError('taskNotFound', id);
        createReadyTask(id);
        current = NEW_TASK;
      }
      if (end === start + 1) {
        const first = inputs[start] as TaskReport;
        const { moves, source } = afterReports(id, current, [first]);
        tasks.applyProgress(id, first.report, first.receivedAt, moves);
        if (source !== undefined) tasks.moveSource(current.source_server_id as string, source);
      } else {
        const run = inputs.slice(start, end);
        const { moves, source } = afterReports(id, current, run);
        tasks.applyReports(id, run, moves);
        if (source !== undefined) tasks.moveSource(current.source_server_id as string, source);
      }
      start = end;
    }
  }

  const reports: WriteGroup<TaskReport> = {
    apply(inputs) {
      applyReportRuns(inputs);
      if (onReport !== undefined) for (const { id, receivedAt } of inputs) onReport(id, receivedAt);
    },
  };

  /** The fields of a new task: as the body sends them, with the source server's registration copied in. */
  function newTask(
    body: CreateTaskBody,
    source: NonNullable<ReturnType<TaskRepository['source']>>,
    osType: OsType,
    now: number,
  ): Partial<TaskFields> {
    const fields: Partial<TaskFields> = {
      name: body.name,
      type: body.type,
      os_type: osType,
      state: 'READY',
      priority: body.priority ?? 1,
      speed_limit: body.speed_limit ?? null,
      start_target_server: body.start_target_server ?? true,
      region_id: body.region_id,
      region_name: body.region_name,
      project_id: body.project_id,
      project_name: body.project_name,
      enterprise_project_id: source.enterprise_project_id,
      migration_ip: body.migration_ip ?? null,
      vm_template_id: body.vm_template_id ?? null,
      clonevm_template_id: body.clonevm_template_id ?? null,
      source_server: {
        id: source.id,
        name: source.name,
        ip: source.ip,
        os_type: source.os_type,
        os_version: source.os_version,
        oem_system: source.oem_system,
        ...SOURCE_WHEN_CREATED,
      },
      target_server: targetServerForStorage(body.target_server as JsonObject),
      connected: source.connected,
      create_date: now,
      error_json: '',
      total_time: 0,
      migrate_speed: 0,
      use_public_ip: body.use_public_ip ?? null,
      use_ipv6: body.use_ipv6 ?? null,
      syncing: body.syncing ?? false,
      exist_server: body.exist_server ?? null,
      auto_start: body.auto_start ?? null,
      start_network_check: body.start_network_check ?? null,
      over_speed_threshold: body.over_speed_threshold ?? null,
      is_need_consistency_check: body.is_need_consistency_check ?? null,
      need_migration_test: body.need_migration_test ?? null,
      launched: false,
    };
    return fields;
  }

  /** The subtasks an action appends, by the task's kind of migration; none for a task of no known kind (seeded). */
  function appended(task: TaskActionView, kind: NonNullable<ActionMove['appendPlan']>): readonly SubtaskName[] {
    if (kind === 'clone') return cloneSteps();
    if (!isPlanned(task.os_type ?? '', task.type ?? '')) return [];
    const os = task.os_type as OsType;
    const type = task.type as MigrationType;
    return kind === 'launch' ? launchSteps(os, type) : syncSteps(os, type);
  }

  /** What an action needs besides the task and the move, made before the write (which may run twice). */
  interface ActionInputs {
    readonly now: number;
    readonly cloneVmId: string;
    readonly templateId: string | null;
  }

  /** Whether the move waits for the agent: a stop (its command STOP) of a task whose source has a live agent. */
  function waitsForAgent(task: TaskActionView, move: ActionMove, now: number): boolean {
    if (move.agentCommand !== 'STOP' || move.settle === undefined || task.source_server_id === null) return false;
    return liveAgent?.(task.source_server_id, now) === true;
  }

  /** Applies an action's move to the task, its subtasks and its source server, in the caller's transaction. */
  function applyMove(task: TaskActionView, move: ActionMove, { now, cloneVmId, templateId }: ActionInputs): void {
    const { id } = task;
    const fields: Partial<TaskFields> = {};
    // A stop waits in ABORTING for the STOP result of a live agent (the agent's channel settles it); with none it
    // settles at once, as every other move does (skip: SKIPPING, then RUNNING). The command is handed out either way.
    const waits = waitsForAgent(task, move, now);
    let state: string = waits ? move.to : (move.settle ?? move.to);
    fields.state = state;
    if (move.agentCommand) fields.agent_command = move.agentCommand;
    if (move.stamps?.includes('start_date') && task.start_date === null) fields.start_date = now;
    if (move.resetSubtasks) tasks.resetSubTasks(id);
    if (move.resetSubtasks || move.clearError) fields.error_json = '';
    // A plan back at 0 has no running subtask to show; a paused task moves nothing.
    if (move.resetSubtasks) fields.subtask_info = null;
    if (state === 'ABORT' && task.state !== 'ABORT') fields.migrate_speed = 0;
    if (move.appendPlan !== undefined) {
      const userOp = USER_OPS[move.appendPlan];
      tasks.appendSubTasks(
        id,
        appended(task, move.appendPlan).map((name) => ({ name, progress: 0, user_op: userOp })),
      );
      if (move.appendPlan === 'launch') fields.launched = true;
    }
    let source: SourceMove | undefined =
      move.source === undefined
        ? undefined
        : {
            state: waits ? move.source.state : (move.source.settle ?? move.source.state),
            migration_cycle: move.source.migration_cycle,
            at: now,
          };
    switch (move.effect) {
      case 'network_check':
        // The figures come from the agent (UpdateNetworkCheckInfo); the task records that a check was asked for.
        fields.start_network_check = true;
        break;
      case 'clone':
        // No agent builds the clone: it is there at once, made from the template.
        fields.clone_server = {
          vm_id: cloneVmId,
          name: `${task.name ?? id}-clone`,
          clone_state: 'FINISHED',
          clone_error: null,
          error_msg: null,
        };
        fields.clonevm_template_id = templateId;
        break;
      case 'clear':
        fields.target_snapshot_id = null;
        break;
      case 'collect_log':
        fields.log_collect_status = 'UPLOADED';
        break;
      case 'skip_check': {
        // The consistency check closes at 100 and the plan goes on; when it was the last subtask, the plan is done.
        tasks.finishSubTask(id, CONSISTENCY_CHECK, now);
        const plan = tasks.plan(id);
        if (runningSubtask(plan) === null) {
          const done = completion(state, {
            syncing: task.syncing,
            launched: task.launched,
            incremental: isSyncStep(plan[plan.length - 1]?.name ?? ''),
          });
          if (done !== undefined) {
            state = done.to;
            fields.state = state;
            if (done.stamps?.includes('finish_date')) {
              fields.finish_date = now;
              if (task.start_date !== null) fields.total_time = elapsed(task.start_date, now);
            }
            source = sourceMoveAfter({ state, currentSubtask: null }, now) ?? source;
          }
        }
        break;
      }
      case undefined:
        break;
    }
    tasks.update(id, fields);
    if (source !== undefined && task.source_server_id !== null) tasks.moveSource(task.source_server_id, source);
  }

  /**
   * Deletes the tasks, all or none: the first unknown id answers 404, else the first task whose state refuses a
   * delete answers SMS.2015. Each goes with its subtasks, reports, speed limits and settings (foreign keys cascade),
   * and its source server is free again.
   */
  function deleteTasks(ids: readonly string[]): Promise<void> {
    const at = clock.now();
    return writes.run(() => {
      const named = [...new Set(ids)];
      const found = tasks.states(named);
      for (const id of named) if (!found.has(id)) throw new ApiError('taskNotFound', id);
      for (const id of named) {
        const state = found.get(id)?.state ?? null;
        if (state !== null && UNDELETABLE_STATES.has(state)) {
          throw new ApiError('deleteTaskNotAllowed', `task ${id} is ${state}`);
        }
      }
      for (const id of named) {
        tasks.delete(id);
        const sourceId = found.get(id)?.source_server_id ?? null;
        // The source is free once no task migrates it (seeded tasks may share one).
        if (sourceId !== null && tasks.taskOfSource(sourceId) === undefined) {
          tasks.moveSource(sourceId, { ...SOURCE_WHEN_FREED, at });
        }
      }
    });
  }

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

    createTask(given) {
      // What the body alone decides comes first: a body refused by itself is refused whatever is stored.
      try {
        checkMigrationIp(given.migration_ip, given.use_ipv6 === true);
        if (given.exist_server === true && !given.target_server.vm_id) {
          throw new ApiError('invalidParameter', 'target_server.vm_id is required when exist_server is true');
        }
        if (given.os_type !== undefined && given.os_type !== null && !isPlanned(given.os_type, given.type)) {
          throw new ApiError('taskTypeMismatch', `os_type ${given.os_type} with type ${given.type}`);
        }
      } catch (error) {
        return Promise.reject(error);
      }
      const id = randomUUID();
      const now = clock.now();
      return writes
        .run(() => {
          const sourceId = given.source_server.id;
          const source = tasks.source(sourceId);
          if (source === undefined) throw new ApiError('createTaskSourceMissing', sourceId);
          const holder = tasks.taskOfSource(sourceId);
          if (holder !== undefined) {
            throw new ApiError('taskExistsForSource', `source server ${sourceId} is migrated by task ${holder}`);
          }
          if (given.os_type && source.os_type && given.os_type !== source.os_type) {
            throw new ApiError(
              'invalidParameter',
              `os_type ${given.os_type} does not match the source server's os_type ${source.os_type}`,
            );
          }
          const osType = given.os_type ?? source.os_type;
          if (osType !== 'WINDOWS' && osType !== 'LINUX') {
            throw new ApiError('invalidParameter', 'os_type is required: the source server reports none');
          }
          let steps: readonly SubtaskName[];
          try {
            steps = planFor({
              osType,
              type: given.type,
              existServer: given.exist_server === true,
              syncing: given.syncing === true,
              consistencyCheck: given.is_need_consistency_check === true,
            });
          } catch (error) {
            if (error instanceof PlanRefused) {
              throw new ApiError(error.error, `os_type ${osType} (the source server's) with type ${given.type}`);
            }
            throw error;
          }
          tasks.put(
            id,
            newTask(given, source, osType, now),
            steps.map((name) => ({ name, progress: 0, user_op: USER_OPS.plan })),
          );
          tasks.moveSource(sourceId, { ...SOURCE_WHEN_CREATED, at: now });
        })
        .then(() => id);
    },

    listTasks: createTaskList({ tasks, writes }),

    updateTaskStatus(id, given) {
      const operation = given.operation as TaskOperation;
      // An empty template_id names no template: the task's own is used then, as when the field is left out.
      const templateId = given.template_id === undefined || given.template_id === '' ? null : given.template_id;
      const inputs: ActionInputs = { now: clock.now(), cloneVmId: randomUUID(), templateId };
      return writes.run(() => {
        const task = tasks.actionView(id);
        if (task === undefined) throw new ApiError('taskNotFound', id);
        const outcome = act(task.state ?? '', operation, {
          syncing: task.syncing,
          needMigrationTest: task.need_migration_test,
          launched: task.launched,
          currentSubtask: runningSubtask(task.sub_tasks),
        });
        if (isRefusal(outcome)) {
          throw new ApiError(outcome.error, `${operation} on a task in state ${task.state ?? 'null'}`);
        }
        const templateId = inputs.templateId ?? task.clonevm_template_id;
        if (outcome.effect === 'clone' && !templateId) {
          throw new ApiError(
            'invalidParameter',
            'template_id is required for clone_test: the task has no clone template',
          );
        }
        applyMove(task, outcome, { ...inputs, templateId });
        onAction?.(id, inputs.now);
      });
    },

    deleteTask(id) {
      return deleteTasks([id]);
    },

    deleteTasks,

    applySimulatedReports: applyReportRuns,
  };
}
