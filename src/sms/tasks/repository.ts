// SQL for tasks, subtasks and progress samples. Synchronous, prepared once per connection, wire names as columns.
// It stores what it is told: which state a task moves to is the service's to decide (state-machine.ts). Every method
// runs in the caller's transaction (the write queue's), none opens its own.
import type { Db } from '../../db/database.js';
import { type Int64Value, int64Of, parseJson, stringifyJson } from '../../lib/json.js';

export type { Int64Value };
export type JsonObject = Record<string, unknown>;

/** Task columns by storage kind. Column names are the ShowTask wire names (plus a few UpdateTask-only ones). */
export const TEXT_COLUMNS = [
  'name',
  'type',
  'os_type',
  'region_id',
  'enterprise_project_id',
  'migration_ip',
  'region_name',
  'project_name',
  'project_id',
  'vm_template_id',
  'state',
  'error_json',
  'float_ip',
  'target_snapshot_id',
  'subtask_info',
  'target_disk_ids',
  'clonevm_template_id',
  'log_collect_status',
  'passphrase',
  'agent_command',
] as const;
export const INTEGER_COLUMNS = [
  'priority',
  'speed_limit',
  'estimate_complete_time',
  'create_date',
  'start_date',
  'finish_date',
  'total_time',
  'remain_seconds',
] as const;
export const REAL_COLUMNS = [
  'migrate_speed',
  'compress_rate',
  'total_cpu_usage',
  'agent_cpu_usage',
  'total_mem_usage',
  'agent_mem_usage',
  'total_disk_io',
  'agent_disk_io',
  'over_speed_threshold',
] as const;
export const BOOLEAN_COLUMNS = [
  'start_target_server',
  'connected',
  'need_migration_test',
  'exist_server',
  'use_ipv6',
  'use_public_ip',
  'syncing',
  'auto_start',
  'start_network_check',
  'is_need_consistency_check',
  'launched',
] as const;
export const JSON_COLUMNS = ['source_server', 'target_server', 'clone_server', 'network_check_info'] as const;
/**
 * Columns that CreateTask, the task actions and the mock's administration write, and UpdateTask never does (neither of
 * its body models has them): the CreateTask settings ShowTask echoes, whether the target was launched, the log
 * collection state, the passphrase and the command the source agent is handed.
 */
export const LIFECYCLE_COLUMNS = [
  'syncing',
  'auto_start',
  'start_network_check',
  'over_speed_threshold',
  'is_need_consistency_check',
  'clonevm_template_id',
  'log_collect_status',
  'launched',
  'passphrase',
  'agent_command',
] as const;

export type TextColumn = (typeof TEXT_COLUMNS)[number];
export type IntegerColumn = (typeof INTEGER_COLUMNS)[number];
export type RealColumn = (typeof REAL_COLUMNS)[number];
export type BooleanColumn = (typeof BOOLEAN_COLUMNS)[number];
export type JsonColumn = (typeof JSON_COLUMNS)[number];
export type TaskColumn = TextColumn | IntegerColumn | RealColumn | BooleanColumn | JsonColumn;

/** A task's own fields (no id, no subtasks), each possibly null. */
export type TaskFields = { [K in TextColumn]: string | null } & { [K in IntegerColumn]: Int64Value | null } & {
  [K in RealColumn]: number | null;
} & { [K in BooleanColumn]: boolean | null } & { [K in JsonColumn]: JsonObject | null };

export interface SubTaskRecord {
  id: Int64Value;
  name: string | null;
  progress: number;
  start_date: Int64Value | null;
  end_date: Int64Value | null;
  migrate_speed: number | null;
  user_op: string | null;
  process_trace: string | null;
}

export type TaskRecord = { id: string } & TaskFields & {
    sub_tasks: SubTaskRecord[];
    /** When its registered source server's agent was last heard from (read with the task; ShowTask's connected). */
    source_last_visit_time?: Int64Value | null;
  };

/** A subtask as given by a seed or an UpdateTask body: everything but nothing required. */
export type SubTaskInput = Partial<{ [K in keyof SubTaskRecord]: SubTaskRecord[K] | null }>;

export interface ProgressReport {
  subtask_name: string;
  progress: number;
  replicatesize: Int64Value;
  totalsize: Int64Value;
  process_trace: string;
  migrate_speed?: number | null;
  compress_rate?: number | null;
  remain_time?: Int64Value | null;
  total_cpu_usage?: number | null;
  agent_cpu_usage?: number | null;
  total_mem_usage?: number | null;
  agent_mem_usage?: number | null;
  total_disk_io?: number | null;
  agent_disk_io?: number | null;
  need_migration_test?: boolean | null;
  agent_time?: string | null;
}

/** A report with the server's time of receiving it. */
export interface ReceivedReport {
  readonly report: ProgressReport;
  readonly receivedAt: number;
}

export type ProgressSample = Required<{ [K in keyof ProgressReport]: ProgressReport[K] | null }> & {
  received_at: number;
};

const ALL_COLUMNS: readonly TaskColumn[] = [
  ...TEXT_COLUMNS,
  ...INTEGER_COLUMNS,
  ...REAL_COLUMNS,
  ...BOOLEAN_COLUMNS,
  ...JSON_COLUMNS,
];
/** Each column's bit in an update's column mask: 52 columns, so every mask is an exact double. */
const COLUMN_BITS = new Map<string, number>(ALL_COLUMNS.map((column, index) => [column, 2 ** index]));
const COLUMN_INDEX = new Map<string, number>(ALL_COLUMNS.map((column, index) => [column, index]));
/**
 * Sets of columns that get an UPDATE statement of their own (a little faster than the one for any set), given to
 * the first sets that come twice and kept for good. Clients send a handful of sets; whatever else arrives runs on
 * the statement for any set, so no input can make the number of statements grow or churn.
 */
export const MAX_UPDATE_STATEMENTS = 64;
/** Beyond every column's bit: an update's mask includes it when it changes the task only for a given use_ipv6. */
const IPV6_CONDITION = 2 ** ALL_COLUMNS.length;
/** That condition: the stored use_ipv6 is true (1) or not (0; null counts as not). */
const IPV6_SQL = ' AND (use_ipv6 IS 1) = ?';
/** Sets seen once, waiting for a second time; forgotten all at once when this many are waiting. */
const MAX_SETS_SEEN_ONCE = 1024;
const INT64_MAX = 9223372036854775807n;
const BOOLEAN_SET = new Set<string>(BOOLEAN_COLUMNS);
const JSON_SET = new Set<string>(JSON_COLUMNS);
const INTEGER_SET = new Set<string>(INTEGER_COLUMNS);
const COLUMN_SET = new Set<string>(ALL_COLUMNS);

const REPORT_OPTIONAL = [
  'migrate_speed',
  'compress_rate',
  'remain_time',
  'total_cpu_usage',
  'agent_cpu_usage',
  'total_mem_usage',
  'agent_mem_usage',
  'total_disk_io',
  'agent_disk_io',
  'need_migration_test',
  'agent_time',
] as const;

function toSql(column: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (BOOLEAN_SET.has(column)) return value ? 1 : 0;
  if (JSON_SET.has(column)) return stringifyJson(value);
  return value;
}

function fromSql(column: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (BOOLEAN_SET.has(column)) return value !== 0n && value !== 0;
  if (JSON_SET.has(column)) return parseJson(value as string);
  if (INTEGER_SET.has(column)) return int64Of(value);
  return value;
}

/**
 * A task row as a record. Read with its source server (SOURCE_JOIN), the task shows that server's state, migration
 * cycle and connection as they are now; a task whose source is not registered shows its own source_server document.
 */
function rowToTask(row: Record<string, unknown>, subTasks: SubTaskRecord[]): TaskRecord {
  const task: Record<string, unknown> = { id: row.id };
  for (const column of ALL_COLUMNS) task[column] = fromSql(column, row[column]);
  if (typeof row.source_state_now === 'string') {
    const stored = (task.source_server as JsonObject | null) ?? { id: row.source_server_id };
    task.source_server = { ...stored, state: row.source_state_now, migration_cycle: row.source_cycle_now ?? null };
    task.connected = row.source_connected !== 0n && row.source_connected !== 0;
    task.source_last_visit_time = int64Of(row.source_last_visit);
  }
  task.sub_tasks = subTasks;
  return task as TaskRecord;
}

/** The columns a task is read with from its source server, when one is registered under the task's source id. */
const SOURCE_COLUMNS = `s.state AS source_state_now, s.migration_cycle AS source_cycle_now, s.connected AS source_connected,
  s.last_visit_time AS source_last_visit`;
const SOURCE_JOIN = 'LEFT JOIN sources s ON s.id = t.source_server_id';
/** What the list statements read of a task: its row, its source server now, its subtasks and settings as JSON. */
const LISTED_COLUMNS = `t.*, ${SOURCE_COLUMNS},
  (SELECT json_group_array(json_object('id', st.id, 'name', st.name, 'progress', st.progress,
     'start_date', st.start_date, 'end_date', st.end_date, 'process_trace', st.process_trace) ORDER BY st.id)
   FROM sub_tasks st WHERE st.task_id = t.id) AS sub_tasks_json,
  (SELECT json_group_array(json_object('config_key', c.config_key, 'config_value', c.config_value,
     'config_status', c.config_status) ORDER BY c.position)
   FROM task_configurations c WHERE c.task_id = t.id) AS special_config_json`;

function rowToSubTask(row: Record<string, unknown>): SubTaskRecord {
  return {
    id: int64Of(row.id) ?? 0,
    name: row.name as string | null,
    progress: Number(row.progress),
    start_date: int64Of(row.start_date),
    end_date: int64Of(row.end_date),
    migrate_speed: row.migrate_speed as number | null,
    user_op: row.user_op as string | null,
    process_trace: row.process_trace as string | null,
  };
}

function rowToSample(row: Record<string, unknown>): ProgressSample {
  return {
    subtask_name: row.subtask_name as string,
    progress: Number(row.progress),
    replicatesize: int64Of(row.replicatesize) ?? 0,
    totalsize: int64Of(row.totalsize) ?? 0,
    process_trace: row.process_trace as string,
    migrate_speed: row.migrate_speed as number | null,
    compress_rate: row.compress_rate as number | null,
    remain_time: int64Of(row.remain_time),
    total_cpu_usage: row.total_cpu_usage as number | null,
    agent_cpu_usage: row.agent_cpu_usage as number | null,
    total_mem_usage: row.total_mem_usage as number | null,
    agent_mem_usage: row.agent_mem_usage as number | null,
    total_disk_io: row.total_disk_io as number | null,
    agent_disk_io: row.agent_disk_io as number | null,
    need_migration_test: row.need_migration_test === null ? null : row.need_migration_test !== 0n,
    agent_time: row.agent_time as string | null,
    received_at: Number(row.received_at),
  };
}

export interface TaskRepository {
  find(id: string): TaskRecord | undefined;
  exists(id: string): boolean;
  /** One column of a task, undefined when the task does not exist. */
  column<K extends TaskColumn>(id: string, column: K): TaskFields[K] | undefined;
  /**
   * Some columns of a task in one read, undefined when the task does not exist: an update that needs stored values
   * learns them and whether the task is there at once. With no columns it is an existence check.
   */
  columns<K extends TaskColumn>(id: string, columns: readonly K[]): Pick<TaskFields, K> | undefined;
  /** Inserts the task, or replaces it (with its subtasks and samples) when the id exists. */
  put(id: string, fields: Partial<TaskFields>, subTasks: readonly SubTaskInput[]): void;
  /**
   * Changes only the given columns. False when the task does not exist, or, with `ipv6` given, when its stored
   * use_ipv6 is not that (a stored null counting as false): then nothing changed.
   */
  update(id: string, fields: Partial<TaskFields>, ipv6?: boolean): boolean;
  replaceSubTasks(id: string, subTasks: readonly SubTaskInput[]): void;
  /** The task's state and start date, undefined when the task does not exist. */
  lifecycle(id: string): TaskLifecycle | undefined;
  /** The names and progress of the task's subtasks in plan order (by id). */
  plan(id: string): PlanStep[];
  /** What an action needs of the task, undefined when it does not exist. */
  actionView(id: string): TaskActionView | undefined;
  /** Every subtask back to the start: progress 0, no dates, no trace, no speed. */
  resetSubTasks(id: string): void;
  /** Appends subtasks after the task's last, numbered by the next-id rule. */
  appendSubTasks(id: string, subTasks: readonly SubTaskInput[]): void;
  /** Closes the latest subtask of that name at 100 (started then too where it had not). */
  finishSubTask(id: string, name: string, at: number): void;
  /** A registered source server, undefined when none has that id. */
  source(id: string): SourceRecord | undefined;
  /** The task that migrates a source server, undefined when none does. */
  taskOfSource(sourceId: string): string | undefined;
  /** Moves a source server as its task moved; nothing when no source has that id. */
  moveSource(sourceId: string, move: SourceMove): void;
  /** The state and source of each task that exists among `ids`. */
  states(ids: readonly string[]): Map<string, { state: string | null; source_server_id: string | null }>;
  /** How many tasks match the filters. */
  count(filters: TaskFilters): number;
  /** The ids of a page of the tasks matching the filters, newest first (by creation: insertion order). */
  pageIds(filters: TaskFilters, limit: number, offset: number): string[];
  /** The tasks of those ids as ListTasks shows them, by id; ids of no task are left out. */
  listed(ids: readonly string[]): Map<string, ListedTask>;
  /**
   * Stores a report and applies it to the named subtask (appending one when the task has none of that name) and
   * to the task's live fields, moving its state and start date when `moves` says so. False when the task does not
   * exist.
   */
  applyProgress(id: string, report: ProgressReport, now: number, moves?: TaskMoves): boolean;
  /**
   * Applies reports to one task as applyProgress would one after another, each stored as a sample, with one write of
   * the task and one of each subtask they name: every figure as the last report giving it left it, each subtask's
   * dates as the sequence would have set them. `moves` is where the state and start date stand after all of them.
   * False when the task does not exist.
   */
  applyReports(id: string, reports: readonly ReceivedReport[], moves?: TaskMoves): boolean;
  delete(id: string): boolean;
  /** The task's samples in order, `limit` of them (all when omitted) after the first `offset`. */
  listSamples(id: string, offset?: number, limit?: number): ProgressSample[];
}

/** Where a run of reports leaves one subtask (applyReports). */
interface SubTaskRun {
  progress: number;
  trace: string;
  speed: number | null;
  /** The first report's time: the start date where none is stored. */
  startAt: number;
  /** No report of the run stood below 100: the stored end date stays, if any. */
  keepEnd: boolean;
  /** The time of the first report of the last stretch at 100; null while the last report stands below it. */
  endAt: number | null;
}

/** What a progress report needs of its task before it moves it: one read of the task's row. */
export interface TaskLifecycle {
  readonly state: string | null;
  readonly start_date: Int64Value | null;
  readonly finish_date: Int64Value | null;
  /** Created with syncing=true. */
  readonly syncing: boolean;
  /** test or cutover ran. */
  readonly launched: boolean;
  /** The source server the task migrates (its source_server id), null when it names none. */
  readonly source_server_id: string | null;
}

/** Where progress reports leave a task's state and dates; an absent field stays as stored. */
export interface TaskMoves {
  readonly state?: string;
  readonly start_date?: Int64Value;
  readonly finish_date?: Int64Value;
  readonly total_time?: Int64Value;
}

/** A subtask's name and progress, in plan order. */
export interface PlanStep {
  readonly name: string | null;
  readonly progress: number;
}

/** What a task action needs of its task: one read of its row and one of its subtasks. */
export interface TaskActionView {
  readonly id: string;
  readonly name: string | null;
  readonly state: string | null;
  readonly os_type: string | null;
  readonly type: string | null;
  readonly start_date: Int64Value | null;
  readonly syncing: boolean;
  readonly need_migration_test: boolean;
  readonly launched: boolean;
  readonly clonevm_template_id: string | null;
  readonly source_server_id: string | null;
  readonly sub_tasks: readonly PlanStep[];
}

/** A registered source server as a new task copies it (CreateTask). */
export interface SourceRecord {
  readonly id: string;
  readonly name: string;
  /** Its IPv4 address, else its IPv6 one. */
  readonly ip: string | null;
  readonly os_type: string | null;
  readonly os_version: string | null;
  readonly oem_system: boolean | null;
  readonly state: string;
  readonly migration_cycle: string | null;
  readonly connected: boolean;
  readonly enterprise_project_id: string | null;
}

/** What a source server shows as its task moves: its state and, when given, its migration cycle. */
export interface SourceMove {
  readonly state: string;
  readonly migration_cycle?: string | undefined;
  /** When the move happened: the state action time, where the state changes. */
  readonly at: number;
  /**
   * Stamp `at` even when the stored state is the one moved to: a run of reports whose moves went elsewhere and came
   * back changed the state after all (applyReports keeps what one report after another would).
   */
  readonly changedOnTheWay?: boolean;
}

/** A task in a ListTasks page: the task as ShowTask reads it, its subtasks and configuration settings. */
export interface ListedTask {
  readonly task: TaskRecord;
  readonly special_config: readonly ConfigRow[] | null;
}

export interface ConfigRow {
  readonly config_key: string | null;
  readonly config_value: string | null;
  readonly config_status: string | null;
}

/** ListTasks filters, each an exact match; absent ones match every task. */
export interface TaskFilters {
  readonly state?: string | undefined;
  readonly name?: string | undefined;
  readonly id?: string | undefined;
  readonly source_server_id?: string | undefined;
  readonly enterprise_project_id?: string | undefined;
}

/** The filter columns, in the order their bits make a statement's key. */
const FILTER_COLUMNS = ['state', 'name', 'id', 'source_server_id', 'enterprise_project_id'] as const;

/** What ShowTask's subtask_info shows after a report: the subtask reported and its progress (`MIGRATE_LINUX_FILE-40`). */
function subtaskInfo(report: ProgressReport): string {
  return `${report.subtask_name}-${report.progress}`;
}

export function createTaskRepository(db: Db): TaskRepository {
  const selectTask = db
    .prepare(`SELECT t.*, ${SOURCE_COLUMNS} FROM tasks t ${SOURCE_JOIN} WHERE t.id = ?`)
    .safeIntegers(true);
  const selectSubTasks = db.prepare('SELECT * FROM sub_tasks WHERE task_id = ? ORDER BY id').safeIntegers(true);
  const selectExists = db.prepare('SELECT 1 FROM tasks WHERE id = ?').pluck();
  const selectLifecycle = db
    .prepare('SELECT state, start_date, finish_date, syncing, launched, source_server_id FROM tasks WHERE id = ?')
    .safeIntegers(true);
  const selectPlan = db.prepare('SELECT name, progress FROM sub_tasks WHERE task_id = ? ORDER BY id');
  const selectActionView = db
    .prepare(
      `SELECT id, name, state, os_type, type, start_date, syncing, need_migration_test, launched, clonevm_template_id,
         source_server_id
       FROM tasks WHERE id = ?`,
    )
    .safeIntegers(true);
  const resetSubTasksOf = db.prepare(
    `UPDATE sub_tasks SET progress = 0, start_date = NULL, end_date = NULL, process_trace = NULL, migrate_speed = NULL
     WHERE task_id = ?`,
  );
  const finishSubTaskOf = db.prepare(
    `UPDATE sub_tasks SET progress = 100, start_date = COALESCE(start_date, ?), end_date = COALESCE(end_date, ?)
     WHERE task_id = ? AND id = (SELECT MAX(id) FROM sub_tasks WHERE task_id = ? AND name = ?)`,
  );
  // The link from a task to its source server: whether the source exists, what a new task copies of it, and its
  // state as the task moves. The sources table is the source-server module's; these are the few statements a task
  // needs of it.
  const selectSource = db.prepare(
    `SELECT id, name, COALESCE(ip, ipv6) AS ip, os_type, json_extract(registration, '$.os_version') AS os_version,
       json_extract(registration, '$.oem_system') AS oem_system, state, migration_cycle, connected,
       enterprise_project_id
     FROM sources WHERE id = ?`,
  );
  const selectTaskOfSource = db.prepare('SELECT id FROM tasks WHERE source_server_id = ? LIMIT 1').pluck();
  // Writes only when something changes; the state action time where the state changes (SET reads the old row).
  // Parameters: state, migration cycle (null: kept), stamp even when the state is the same (0/1), state, time, id,
  // and for the test that anything changes: state, cycle, cycle, stamp.
  const updateSource = db.prepare(
    `UPDATE sources SET
       state = ?,
       migration_cycle = COALESCE(?, migration_cycle),
       state_action_time = CASE WHEN ? OR state IS NOT ? THEN ? ELSE state_action_time END
     WHERE id = ? AND (state IS NOT ? OR (? IS NOT NULL AND migration_cycle IS NOT ?) OR ?)`,
  );
  const selectStates = db.prepare(
    'SELECT id, state, source_server_id FROM tasks WHERE id IN (SELECT value FROM json_each(?))',
  );
  /** ListTasks statements, one per set of filters given (32 at most), made on first use. */
  const listStatements = new Map<number, { count: Statement; ids: Statement }>();
  const selectListedByIds = db
    .prepare(`SELECT ${LISTED_COLUMNS} FROM tasks t ${SOURCE_JOIN} WHERE t.id IN (SELECT value FROM json_each(?))`)
    .safeIntegers(true);
  const deleteTask = db.prepare('DELETE FROM tasks WHERE id = ?');
  const insertTask = db.prepare(
    `INSERT INTO tasks (id, ${ALL_COLUMNS.join(', ')}) VALUES (@id, ${ALL_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  );
  const deleteSubTasks = db.prepare('DELETE FROM sub_tasks WHERE task_id = ?');
  // Read as integers and added to in JS: in SQL, MAX(id) + 1 past 2^63 - 1 would turn into a REAL.
  const maxSubTaskId = db.prepare('SELECT MAX(id) FROM sub_tasks').pluck().safeIntegers(true);
  const selectSubTaskIds = db.prepare('SELECT id FROM sub_tasks WHERE task_id = ?').pluck().safeIntegers(true);
  const insertSubTask = db.prepare(
    `INSERT INTO sub_tasks (task_id, id, name, progress, start_date, end_date, migrate_speed, user_op, process_trace)
     VALUES (@task_id, @id, @name, @progress, @start_date, @end_date, @migrate_speed, @user_op, @process_trace)`,
  );
  // The statements of a report take anonymous parameters, passed as plain arguments: they run on every report, and
  // binding by name (or from an array) costs more. better-sqlite3 knows no numbered ones (?1), so a value used twice
  // is passed twice.
  const sampleSql = (seq: string) =>
    `INSERT INTO progress_samples (task_id, seq, received_at, subtask_name, progress, replicatesize, totalsize,
       process_trace, ${REPORT_OPTIONAL.join(', ')})
     VALUES (?, ${seq}, ${Array.from({ length: 6 + REPORT_OPTIONAL.length }, () => '?').join(', ')})`;
  // Numbered after the task's last sample; a run of reports (applyReports) asks for that number once.
  const insertSample = db.prepare(
    sampleSql('(SELECT COALESCE(MAX(seq), 0) + 1 FROM progress_samples WHERE task_id = ?)'),
  );
  const insertNumberedSample = db.prepare(sampleSql('?'));
  const selectLastSeq = db
    .prepare('SELECT MAX(seq) FROM progress_samples WHERE task_id = ?')
    .pluck()
    .safeIntegers(true);
  // The latest subtask of that name: progress, trace and speed as reported; started on its first report, ended
  // while it stands at 100.
  const updateSubTaskProgress = db.prepare(
    `UPDATE sub_tasks SET
       progress = ?,
       process_trace = ?,
       migrate_speed = COALESCE(?, migrate_speed),
       start_date = COALESCE(start_date, ?),
       end_date = CASE WHEN ? >= 100 THEN COALESCE(end_date, ?) ELSE NULL END
     WHERE task_id = ?
       AND id = (SELECT MAX(id) FROM sub_tasks WHERE task_id = ? AND name = ?)`,
  );
  // The same after several reports (applyReports): the end date is the stored one only when no report of the run
  // stood below 100 (then the first report's time where none is stored), else the time of the first report of the
  // last stretch at 100. Parameters: progress, process_trace, migrate_speed, first report's time, progress, keep
  // stored end date (0/1), end time, task_id, task_id, name.
  const updateSubTaskReports = db.prepare(
    `UPDATE sub_tasks SET
       progress = ?,
       process_trace = ?,
       migrate_speed = COALESCE(?, migrate_speed),
       start_date = COALESCE(start_date, ?),
       end_date = CASE WHEN ? >= 100 THEN COALESCE(CASE WHEN ? THEN end_date END, ?) ELSE NULL END
     WHERE task_id = ?
       AND id = (SELECT MAX(id) FROM sub_tasks WHERE task_id = ? AND name = ?)`,
  );
  // Live figures follow the latest report; state and start date only when the service says they change.
  const updateTaskProgress = db.prepare(
    `UPDATE tasks SET
       migrate_speed = COALESCE(?, migrate_speed),
       compress_rate = COALESCE(?, compress_rate),
       remain_seconds = COALESCE(?, remain_seconds),
       estimate_complete_time = COALESCE(? + ? * 1000, estimate_complete_time),
       total_cpu_usage = COALESCE(?, total_cpu_usage),
       agent_cpu_usage = COALESCE(?, agent_cpu_usage),
       total_mem_usage = COALESCE(?, total_mem_usage),
       agent_mem_usage = COALESCE(?, agent_mem_usage),
       total_disk_io = COALESCE(?, total_disk_io),
       agent_disk_io = COALESCE(?, agent_disk_io),
       need_migration_test = COALESCE(?, need_migration_test),
       subtask_info = ?,
       start_date = COALESCE(?, start_date),
       finish_date = COALESCE(?, finish_date),
       total_time = COALESCE(?, total_time),
       state = COALESCE(?, state)
     WHERE id = ?`,
  );
  const selectSamples = db
    .prepare('SELECT * FROM progress_samples WHERE task_id = ? ORDER BY seq LIMIT ? OFFSET ?')
    .safeIntegers(true);
  type Statement = ReturnType<typeof db.prepare<unknown[]>>;
  // Every column is set only where its flag is true: one statement for any set of columns.
  const UPDATE_ANY_SQL = `UPDATE tasks SET ${ALL_COLUMNS.map((c) => `${c} = CASE WHEN ? THEN ? ELSE ${c} END`).join(', ')} WHERE id = ?`;
  const updateAny = db.prepare(UPDATE_ANY_SQL);
  /** The same, changing the task only when its use_ipv6 is as given; made on first use. */
  let updateAnyIpv6: Statement | undefined;
  const selectIpv6 = db.prepare('SELECT use_ipv6 IS 1 FROM tasks WHERE id = ?').pluck().safeIntegers(true);
  const updateStatements = new Map<number, { statement: Statement; columns: TaskColumn[] }>();
  const setsSeenOnce = new Set<number>();
  // Bounded by the fixed column list: column() refuses any other name.
  const columnStatements = new Map<string, Statement>();
  /** columns(): one statement per list of columns asked for, by the list and by its names in the order given. */
  const columnsStatements = new Map<readonly string[], Statement>();
  const columnsByName = new Map<string, Statement>();

  /** The statement of this set of columns, when it has (or now earns) one of its own. */
  function ownUpdate(mask: number): { statement: Statement; columns: TaskColumn[] } | undefined {
    const entry = updateStatements.get(mask);
    if (entry !== undefined || updateStatements.size >= MAX_UPDATE_STATEMENTS) return entry;
    if (!setsSeenOnce.has(mask)) {
      if (setsSeenOnce.size >= MAX_SETS_SEEN_ONCE) setsSeenOnce.clear();
      setsSeenOnce.add(mask);
      return undefined;
    }
    setsSeenOnce.delete(mask);
    const columns = ALL_COLUMNS.filter((column) => Math.floor(mask / (COLUMN_BITS.get(column) ?? 1)) % 2 === 1);
    // Column names come from the fixed list above, never from the request.
    const sql = `UPDATE tasks SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?${mask >= IPV6_CONDITION ? IPV6_SQL : ''}`;
    const own = { statement: db.prepare(sql), columns };
    updateStatements.set(mask, own);
    return own;
  }

  /**
   * Subtask ids are numbered across all tasks: an id-less subtask gets the highest id anywhere (or in its list) plus
   * one. Once that would pass 2^63 - 1 (a client may set any id), it gets the lowest
   * id free in its own task instead, so one task's ids never stop another from numbering its subtasks.
   */
  function subTaskIds(taskId: string, subTasks: readonly SubTaskInput[]): Int64Value[] {
    const given: Int64Value[] = [];
    let highest = -1n;
    for (const subTask of subTasks) {
      if (subTask.id === null || subTask.id === undefined) continue;
      given.push(subTask.id);
      if (BigInt(subTask.id) > highest) highest = BigInt(subTask.id);
    }
    if (given.length === subTasks.length) return given;
    const stored = maxSubTaskId.get() as bigint | null;
    let next = (stored !== null && stored > highest ? stored : highest) + 1n;
    if (next < 1n) next = 1n;
    let used: Set<bigint> | undefined;
    let free = 1n;
    return subTasks.map((subTask) => {
      if (subTask.id !== null && subTask.id !== undefined) return subTask.id;
      if (next <= INT64_MAX) return int64Of(next++) as Int64Value;
      used ??= new Set([...(selectSubTaskIds.all(taskId) as bigint[]), ...given.map((id) => BigInt(id))]);
      while (used.has(free)) free++;
      used.add(free);
      return int64Of(free) as Int64Value;
    });
  }

  /**
   * Stores a report as a sample: numbered `seq`, or after the task's last one (the subquery that numbers it takes the
   * task id a second time).
   */
  function insertSampleOf(id: string, report: ProgressReport, now: number, seq?: bigint): void {
    const test = report.need_migration_test;
    // In the order of REPORT_OPTIONAL.
    (seq === undefined ? insertSample : insertNumberedSample).run(
      id,
      seq ?? id,
      now,
      report.subtask_name,
      report.progress,
      report.replicatesize,
      report.totalsize,
      report.process_trace,
      report.migrate_speed ?? null,
      report.compress_rate ?? null,
      report.remain_time ?? null,
      report.total_cpu_usage ?? null,
      report.agent_cpu_usage ?? null,
      report.total_mem_usage ?? null,
      report.agent_mem_usage ?? null,
      report.total_disk_io ?? null,
      report.agent_disk_io ?? null,
      test === true ? 1 : test === false ? 0 : null,
      report.agent_time ?? null,
    );
  }

  function insertSubTasks(taskId: string, subTasks: readonly SubTaskInput[]): void {
    const ids = subTaskIds(taskId, subTasks);
    subTasks.forEach((subTask, index) => {
      insertSubTask.run({
        task_id: taskId,
        id: ids[index],
        name: subTask.name ?? null,
        progress: subTask.progress ?? 0,
        start_date: subTask.start_date ?? null,
        end_date: subTask.end_date ?? null,
        migrate_speed: subTask.migrate_speed ?? null,
        user_op: subTask.user_op ?? null,
        process_trace: subTask.process_trace ?? null,
      });
    });
  }

  /** A row of the list statements as a listed task: its subtasks and settings gathered as JSON by the statement. */
  function listedOf(row: Record<string, unknown>): ListedTask {
    const subTasks = (parseJson(row.sub_tasks_json as string) as Record<string, unknown>[]).map((subTask) => ({
      id: (subTask.id as Int64Value | null) ?? 0,
      name: subTask.name as string | null,
      progress: Number(subTask.progress),
      start_date: subTask.start_date as Int64Value | null,
      end_date: subTask.end_date as Int64Value | null,
      migrate_speed: null,
      user_op: null,
      process_trace: subTask.process_trace as string | null,
    }));
    const configs = parseJson(row.special_config_json as string) as ConfigRow[];
    return { task: rowToTask(row, subTasks), special_config: configs.length === 0 ? null : configs };
  }

  /**
   * The ListTasks statement for the filters given (one per set of them), with its parameters: the count, or the ids
   * of a page (newest first by rowid, which follows insertion), read from the rowid alone: the tasks an offset skips
   * are never read. The page's tasks are then read by id with their source server, subtasks and configuration
   * settings in one statement (selectListedByIds; progress samples are never read).
   */
  function listStatement(filters: TaskFilters, kind: 'count' | 'ids'): { statement: Statement; params: string[] } {
    let mask = 0;
    const params: string[] = [];
    FILTER_COLUMNS.forEach((column, index) => {
      const value = filters[column];
      if (value === undefined) return;
      mask |= 1 << index;
      params.push(value);
    });
    let statements = listStatements.get(mask);
    if (statements === undefined) {
      // Column names come from the fixed filter list, never from the request.
      const conditions = FILTER_COLUMNS.filter((_, index) => mask & (1 << index)).map((column) => `t.${column} = ?`);
      const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
      statements = {
        count: db.prepare(`SELECT COUNT(*) FROM tasks t${where}`).pluck(),
        ids: db.prepare(`SELECT t.id FROM tasks t${where} ORDER BY t.rowid DESC LIMIT ? OFFSET ?`).pluck(),
      };
      listStatements.set(mask, statements);
    }
    return { statement: statements[kind], params };
  }

  return {
    find(id) {
      const row = selectTask.get(id) as Record<string, unknown> | undefined;
      if (!row) return undefined;
      const subTasks = (selectSubTasks.all(id) as Record<string, unknown>[]).map(rowToSubTask);
      return rowToTask(row, subTasks);
    },

    exists(id) {
      return selectExists.get(id) !== undefined;
    },

    column(id, column) {
      if (!COLUMN_SET.has(column)) throw new Error(`unknown task column ${column}`);
      let statement = columnStatements.get(column);
      if (!statement) {
        statement = db.prepare(`SELECT ${column} FROM tasks WHERE id = ?`).pluck().safeIntegers(true);
        columnStatements.set(column, statement);
      }
      const row = statement.all(id);
      return row.length === 0 ? undefined : (fromSql(column, row[0]) as TaskFields[typeof column]);
    },

    columns(id, columns) {
      // Callers pass a few fixed lists: found by the list itself first, by its names the first time.
      let statement = columnsStatements.get(columns);
      if (statement === undefined) {
        for (const column of columns) if (!COLUMN_SET.has(column)) throw new Error(`unknown task column ${column}`);
        const key = columns.join(', ');
        statement = columnsByName.get(key);
        if (statement === undefined) {
          // Column names come from the fixed list, checked above, never from the request.
          const list = columns.length === 0 ? '1' : key;
          statement = db.prepare(`SELECT ${list} FROM tasks WHERE id = ?`).raw().safeIntegers(true);
          if (columnsByName.size < MAX_UPDATE_STATEMENTS) columnsByName.set(key, statement);
        }
        // The bound only keeps a caller that makes a new list for every call from growing the cache.
        if (columnsStatements.size < MAX_UPDATE_STATEMENTS) columnsStatements.set(columns, statement);
      }
      const row = statement.get(id) as unknown[] | undefined;
      if (row === undefined) return undefined;
      const values: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i] as TaskColumn;
        values[column] = fromSql(column, row[i]);
      }
      return values as Pick<TaskFields, (typeof columns)[number]>;
    },

    put(id, fields, subTasks) {
      deleteTask.run(id);
      const params: Record<string, unknown> = { id };
      for (const column of ALL_COLUMNS) params[column] = toSql(column, fields[column]);
      insertTask.run(params);
      insertSubTasks(id, subTasks);
    },

    lifecycle(id) {
      const row = selectLifecycle.get(id) as Record<string, unknown> | undefined;
      if (row === undefined) return undefined;
      return {
        state: row.state as string | null,
        start_date: int64Of(row.start_date),
        finish_date: int64Of(row.finish_date),
        syncing: row.syncing === 1n,
        launched: row.launched === 1n,
        source_server_id: row.source_server_id as string | null,
      };
    },

    plan(id) {
      return selectPlan.all(id) as PlanStep[];
    },

    actionView(id) {
      const row = selectActionView.get(id) as Record<string, unknown> | undefined;
      if (row === undefined) return undefined;
      return {
        id,
        name: row.name as string | null,
        state: row.state as string | null,
        os_type: row.os_type as string | null,
        type: row.type as string | null,
        start_date: int64Of(row.start_date),
        syncing: row.syncing === 1n,
        need_migration_test: row.need_migration_test === 1n,
        launched: row.launched === 1n,
        clonevm_template_id: row.clonevm_template_id as string | null,
        source_server_id: row.source_server_id as string | null,
        sub_tasks: selectPlan.all(id) as PlanStep[],
      };
    },

    resetSubTasks(id) {
      resetSubTasksOf.run(id);
    },

    appendSubTasks(id, subTasks) {
      insertSubTasks(id, subTasks);
    },

    finishSubTask(id, name, at) {
      finishSubTaskOf.run(at, at, id, id, name);
    },

    source(id) {
      const row = selectSource.get(id) as Record<string, unknown> | undefined;
      if (row === undefined) return undefined;
      const oem = row.oem_system;
      return {
        id: row.id as string,
        name: row.name as string,
        ip: row.ip as string | null,
        os_type: row.os_type as string | null,
        os_version: typeof row.os_version === 'string' ? row.os_version : null,
        oem_system: oem === null || oem === undefined ? null : oem === 1 || oem === true,
        state: row.state as string,
        migration_cycle: row.migration_cycle as string | null,
        connected: row.connected === 1,
        enterprise_project_id: row.enterprise_project_id as string | null,
      };
    },

    taskOfSource(sourceId) {
      return selectTaskOfSource.get(sourceId) as string | undefined;
    },

    moveSource(sourceId, { state, migration_cycle, at, changedOnTheWay }) {
      const cycle = migration_cycle ?? null;
      const force = changedOnTheWay ? 1 : 0;
      updateSource.run(state, cycle, force, state, at, sourceId, state, cycle, cycle, force);
    },

    states(ids) {
      const rows = selectStates.all(JSON.stringify(ids)) as {
        id: string;
        state: string | null;
        source_server_id: string | null;
      }[];
      return new Map(rows.map(({ id, state, source_server_id }) => [id, { state, source_server_id }]));
    },

    count(filters) {
      const { statement, params } = listStatement(filters, 'count');
      return Number(statement.get(...params));
    },

    pageIds(filters, limit, offset) {
      const { statement, params } = listStatement(filters, 'ids');
      return statement.all(...params, limit, offset) as string[];
    },

    listed(ids) {
      const rows = selectListedByIds.all(JSON.stringify(ids)) as Record<string, unknown>[];
      return new Map(rows.map((row) => [row.id as string, listedOf(row)]));
    },

    update(id, fields, ipv6) {
      // Keyed by the set of columns, not their order: the same fields in any order share one statement.
      let mask = ipv6 === undefined ? 0 : IPV6_CONDITION;
      for (const name in fields) mask += COLUMN_BITS.get(name) ?? 0;
      if (mask === 0) return selectExists.get(id) !== undefined;
      if (mask === IPV6_CONDITION) return selectIpv6.get(id) === (ipv6 ? 1n : 0n);
      // Positional parameters: binding by name costs more, and this runs on every UpdateTask.
      const own = ownUpdate(mask);
      if (own !== undefined) {
        const { statement, columns } = own;
        const params: unknown[] = new Array(columns.length + (ipv6 === undefined ? 1 : 2));
        for (let i = 0; i < columns.length; i++) {
          const column = columns[i] as TaskColumn;
          params[i] = toSql(column, fields[column]);
        }
        params[columns.length] = id;
        if (ipv6 !== undefined) params[columns.length + 1] = ipv6 ? 1 : 0;
        return statement.run(...params).changes > 0;
      }
      const params: unknown[] = new Array(2 * ALL_COLUMNS.length + (ipv6 === undefined ? 1 : 2)).fill(null);
      for (const name in fields) {
        const index = COLUMN_INDEX.get(name);
        if (index === undefined) continue;
        params[2 * index] = 1;
        params[2 * index + 1] = toSql(name, fields[name as TaskColumn]);
      }
      params[2 * ALL_COLUMNS.length] = id;
      if (ipv6 === undefined) return updateAny.run(...params).changes > 0;
      params[2 * ALL_COLUMNS.length + 1] = ipv6 ? 1 : 0;
      updateAnyIpv6 ??= db.prepare(`${UPDATE_ANY_SQL}${IPV6_SQL}`);
      return updateAnyIpv6.run(...params).changes > 0;
    },

    replaceSubTasks(id, subTasks) {
      deleteSubTasks.run(id);
      insertSubTasks(id, subTasks);
    },

    applyProgress(id, report, now, moves) {
      const speed = report.migrate_speed ?? null;
      const compressRate = report.compress_rate ?? null;
      const remainTime = report.remain_time ?? null;
      const totalCpu = report.total_cpu_usage ?? null;
      const agentCpu = report.agent_cpu_usage ?? null;
      const totalMem = report.total_mem_usage ?? null;
      const agentMem = report.agent_mem_usage ?? null;
      const totalDisk = report.total_disk_io ?? null;
      const agentDisk = report.agent_disk_io ?? null;
      const test = report.need_migration_test;
      const needTest = test === true ? 1 : test === false ? 0 : null;
      const moved = updateTaskProgress.run(
        speed,
        compressRate,
        remainTime,
        now,
        remainTime,
        totalCpu,
        agentCpu,
        totalMem,
        agentMem,
        totalDisk,
        agentDisk,
        needTest,
        subtaskInfo(report),
        moves?.start_date ?? null,
        moves?.finish_date ?? null,
        moves?.total_time ?? null,
        moves?.state ?? null,
        id,
      );
      if (moved.changes === 0) return false;
      insertSampleOf(id, report, now);
      const { progress, process_trace, subtask_name } = report;
      const subTask = updateSubTaskProgress.run(
        progress,
        process_trace,
        speed,
        now,
        progress,
        now,
        id,
        id,
        subtask_name,
      );
      if (subTask.changes === 0) {
        insertSubTasks(id, [
          {
            name: subtask_name,
            progress,
            process_trace,
            migrate_speed: speed,
            start_date: now,
            end_date: progress >= 100 ? now : null,
          },
        ]);
      }
      return true;
    },

    applyReports(id, reports, moves) {
      // Each figure as the last report giving it left it; the estimate from that report's time.
      let speed: number | null = null;
      let compressRate: number | null = null;
      let remainTime: Int64Value | null = null;
      let remainAt: number | null = null;
      let totalCpu: number | null = null;
      let agentCpu: number | null = null;
      let totalMem: number | null = null;
      let agentMem: number | null = null;
      let totalDisk: number | null = null;
      let agentDisk: number | null = null;
      let needTest: boolean | null = null;
      for (const { report, receivedAt } of reports) {
        speed = report.migrate_speed ?? speed;
        compressRate = report.compress_rate ?? compressRate;
        if (report.remain_time !== null && report.remain_time !== undefined) {
          remainTime = report.remain_time;
          remainAt = receivedAt;
        }
        totalCpu = report.total_cpu_usage ?? totalCpu;
        agentCpu = report.agent_cpu_usage ?? agentCpu;
        totalMem = report.total_mem_usage ?? totalMem;
        agentMem = report.agent_mem_usage ?? agentMem;
        totalDisk = report.total_disk_io ?? totalDisk;
        agentDisk = report.agent_disk_io ?? agentDisk;
        needTest = report.need_migration_test ?? needTest;
      }
      const moved = updateTaskProgress.run(
        speed,
        compressRate,
        remainTime,
        remainAt,
        remainTime,
        totalCpu,
        agentCpu,
        totalMem,
        agentMem,
        totalDisk,
        agentDisk,
        needTest === null ? null : needTest ? 1 : 0,
        subtaskInfo((reports[reports.length - 1] as ReceivedReport).report),
        moves?.start_date ?? null,
        moves?.finish_date ?? null,
        moves?.total_time ?? null,
        moves?.state ?? null,
        id,
      );
      if (moved.changes === 0) return false;

      // Each subtask named, in the order first named (new ones are numbered in that order), as the run left it.
      const subTasks = new Map<string, SubTaskRun>();
      let seq = (selectLastSeq.get(id) as bigint | null) ?? 0n;
      for (const { report, receivedAt } of reports) {
        insertSampleOf(id, report, receivedAt, ++seq);
        let run = subTasks.get(report.subtask_name);
        if (run === undefined) {
          run = { progress: 0, trace: '', speed: null, startAt: receivedAt, keepEnd: true, endAt: null };
          subTasks.set(report.subtask_name, run);
        }
        run.progress = report.progress;
        run.trace = report.process_trace;
        run.speed = report.migrate_speed ?? run.speed;
        if (report.progress >= 100) {
          run.endAt ??= receivedAt;
        } else {
          run.endAt = null;
          run.keepEnd = false;
        }
      }
      for (const [name, run] of subTasks) {
        const { progress, trace, speed: runSpeed, startAt, keepEnd, endAt } = run;
        const changed = updateSubTaskReports.run(
          progress,
          trace,
          runSpeed,
          startAt,
          progress,
          keepEnd ? 1 : 0,
          endAt,
          id,
          id,
          name,
        );
        if (changed.changes === 0) {
          insertSubTasks(id, [
            {
              name,
              progress,
              process_trace: trace,
              migrate_speed: runSpeed,
              start_date: startAt,
              end_date: progress >= 100 ? endAt : null,
            },
          ]);
        }
      }
      return true;
    },

    delete(id) {
      return deleteTask.run(id).changes > 0;
    },

    listSamples(id, offset = 0, limit = -1) {
      // LIMIT -1: no limit.
      return (selectSamples.all(id, limit, offset) as Record<string, unknown>[]).map(rowToSample);
    },
  };
}
