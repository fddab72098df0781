// SQL for source servers, and the reads of a source's task that ShowServer and ListServers show. Synchronous, prepared
// once per connection. It stores what it is told: which state a source moves to is the service's to decide. Every
// method runs in the caller's transaction (the write queue's), none opens its own.
import type { Db } from '../../db/database.js';
import { type Int64Value, int64Of, parseJson, stringifyJson } from '../../lib/json.js';
import { CONNECTED_SQL } from '../agent/repository.js';

export type { Int64Value };
export type JsonObject = Record<string, unknown>;

/** A source server's own fields: the indexed and changing ones as columns, what the agent reported as JSON. */
export interface SourceFields {
  name: string;
  ip: string | null;
  ipv6: string | null;
  /** The first network's MAC: with the name, how a machine registering again is recognised. */
  first_mac: string | null;
  os_type: string | null;
  state: string;
  migration_cycle: string | null;
  connected: boolean;
  enterprise_project_id: string | null;
  migprojectid: string | null;
  add_date: Int64Value;
  last_visit_time: Int64Value | null;
  state_action_time: Int64Value | null;
  stage_action_time: Int64Value | null;
  /** The registration body (less the fields columns hold), int64 values exact. */
  registration: JsonObject;
}

export type SourceColumn = keyof SourceFields;

export type SourceRecord = { id: string } & SourceFields;

/** What ShowServer and ListServers show of a source's task (TaskByServerSource(s)), and ListErrorServers reads. */
export interface TaskSummary {
  id: string;
  name: string | null;
  type: string | null;
  state: string | null;
  start_date: Int64Value | null;
  estimate_complete_time: Int64Value | null;
  speed_limit: number | null;
  migrate_speed: number | null;
  compress_rate: number | null;
  remain_seconds: Int64Value | null;
  start_target_server: boolean | null;
  vm_template_id: string | null;
  region_id: string | null;
  project_name: string | null;
  project_id: string | null;
  target_server: JsonObject | null;
  log_collect_status: string | null;
  exist_server: boolean | null;
  use_public_ip: boolean | null;
  subtask_info: string | null;
  error_json: string | null;
  migration_ip: string | null;
}

/** The sizes of the last progress report of a task. */
export interface ReportedSizes {
  replicatesize: Int64Value;
  totalsize: Int64Value;
}

/** ListServers' filters, each an exact match; absent ones do not filter. */
export interface SourceFilter {
  readonly state?: string | undefined;
  readonly name?: string | undefined;
  readonly id?: string | undefined;
  readonly ip?: string | undefined;
  readonly ipv6?: string | undefined;
  readonly migration_cycle?: string | undefined;
  readonly connected?: boolean | undefined;
  /** With `connected`: the oldest last visit that still counts as connected (now less the agent timeout). */
  readonly connectedSince?: number | undefined;
  readonly enterprise_project_id?: string | undefined;
  readonly migprojectid?: string | undefined;
  /** Sources whose task's clone server has this id. */
  readonly vm_id?: string | undefined;
  /** No source has a consistency result here: true matches none, false all. */
  readonly is_consistency_result_exist?: boolean | undefined;
}

/** Sources per state, and per whether a task names them. */
export interface StateCount {
  readonly state: string;
  readonly hasTask: boolean;
  readonly count: number;
}

export interface SourceRepository {
  find(id: string): SourceRecord | undefined;
  exists(id: string): boolean;
  /** The state and migration cycle of a source, undefined when it does not exist. */
  stage(id: string): Pick<SourceFields, 'state' | 'migration_cycle'> | undefined;
  /** The newest source registered under this name and first MAC. */
  findByIdentity(name: string, firstMac: string): string | undefined;
  /** Inserts the source, or replaces it when the id exists. */
  put(id: string, fields: SourceFields): void;
  /** Changes only the given columns. False when the source does not exist. */
  update(id: string, fields: Partial<SourceFields>): boolean;
  /**
   * Sets what the source shows (a changestate, a task's move): the state, and the migration cycle unless undefined,
   * stamping state_action_time and stage_action_time with `now` where they change. False when it does not exist.
   */
  setStage(id: string, state: string, migrationCycle: string | undefined, now: number): boolean;
  delete(id: string): boolean;
  /** Whether any task's source_server.id names the source. */
  hasTask(id: string): boolean;
  /** The task whose source_server.id names the source: the newest, should several. */
  currentTask(id: string): TaskSummary | undefined;
  /** The sizes of the task's last progress report. */
  lastReport(taskId: string): ReportedSizes | undefined;
  /** Matching sources, newest registration first (ties by id), `limit` from `offset`. */
  list(filter: SourceFilter, limit: number, offset: number): SourceRecord[];
  count(filter: SourceFilter): number;
  stateCounts(): StateCount[];
}

/** The columns of a source server beside its id, in the order the statements name them. */
export const COLUMNS: readonly SourceColumn[] = [
  'name',
  'ip',
  'ipv6',
  'first_mac',
  'os_type',
  'state',
  'migration_cycle',
  'connected',
  'enterprise_project_id',
  'migprojectid',
  'add_date',
  'last_visit_time',
  'state_action_time',
  'stage_action_time',
  'registration',
];
const INTEGER_COLUMNS = new Set<string>(['add_date', 'last_visit_time', 'state_action_time', 'stage_action_time']);

/** The filters' SQL, in a fixed order; column names and clauses come from here, never from the request. */
const FILTER_CLAUSES: readonly [keyof SourceFilter, string][] = [
  ['state', 's.state = ?'],
  ['name', 's.name = ?'],
  ['id', 's.id = ?'],
  ['ip', 's.ip = ?'],
  ['ipv6', 's.ipv6 = ?'],
  ['migration_cycle', 's.migration_cycle = ?'],
  // Connected as shown now: the flag, and the agent heard from since `connectedSince` (src/sms/agent/repository.ts).
  ['connected', `${CONNECTED_SQL} = ?`],
  ['enterprise_project_id', 's.enterprise_project_id = ?'],
  ['migprojectid', 's.migprojectid = ?'],
  [
    'vm_id',
    "EXISTS (SELECT 1 FROM tasks t WHERE t.source_server_id = s.id AND json_extract(t.clone_server, '$.vm_id') = ?)",
  ],
];
/** Filter sets that keep a statement of their own; past this many, statements are made per call. */
const MAX_FILTER_STATEMENTS = 256;

function toSql(column: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column === 'connected') return value ? 1 : 0;
  if (column === 'registration') return stringifyJson(value);
  return value;
}

function rowToSource(row: Record<string, unknown>): SourceRecord {
  const source: Record<string, unknown> = { id: row.id };
  for (const column of COLUMNS) {
    const value = row[column];
    if (column === 'connected') source[column] = value !== 0n && value !== 0;
    else if (column === 'registration') source[column] = parseJson(value as string);
    else if (INTEGER_COLUMNS.has(column)) source[column] = int64Of(value);
    else source[column] = value ?? null;
  }
  return source as unknown as SourceRecord;
}

const BOOLEAN_TASK_FIELDS = ['start_target_server', 'exist_server', 'use_public_ip'] as const;
const INTEGER_TASK_FIELDS = ['start_date', 'estimate_complete_time', 'remain_seconds'] as const;

function rowToTask(row: Record<string, unknown>): TaskSummary {
  const task: Record<string, unknown> = { ...row };
  for (const field of BOOLEAN_TASK_FIELDS) task[field] = row[field] === null ? null : row[field] !== 0n;
  for (const field of INTEGER_TASK_FIELDS) task[field] = int64Of(row[field]);
  task.speed_limit = row.speed_limit === null ? null : Number(row.speed_limit);
  task.target_server = row.target_server === null ? null : parseJson(row.target_server as string);
  return task as unknown as TaskSummary;
}

export function createSourceRepository(db: Db): SourceRepository {
  const selectSource = db.prepare('SELECT * FROM sources WHERE id = ?').safeIntegers(true);
  const selectExists = db.prepare('SELECT 1 FROM sources WHERE id = ?').pluck();
  const selectStage = db.prepare('SELECT state, migration_cycle FROM sources WHERE id = ?');
  const selectIdentity = db
    .prepare('SELECT id FROM sources WHERE name = ? AND first_mac = ? ORDER BY add_date DESC, id LIMIT 1')
    .pluck();
  const deleteSource = db.prepare('DELETE FROM sources WHERE id = ?');
  const insertSource = db.prepare(
    `INSERT INTO sources (id, ${COLUMNS.join(', ')}) VALUES (@id, ${COLUMNS.map((c) => `@${c}`).join(', ')})`,
  );
  const updateStage = db.prepare(
    `UPDATE sources SET
       state_action_time = CASE WHEN state IS ? THEN state_action_time ELSE ? END,
       stage_action_time = CASE WHEN ? IS NULL OR migration_cycle IS ? THEN stage_action_time ELSE ? END,
       state = ?,
       migration_cycle = COALESCE(?, migration_cycle)
     WHERE id = ?`,
  );
  const selectHasTask = db.prepare('SELECT 1 FROM tasks WHERE source_server_id = ? LIMIT 1').pluck();
  const selectCurrentTask = db
    .prepare(
      `SELECT id, name, type, state, start_date, estimate_complete_time, speed_limit, migrate_speed, compress_rate,
         remain_seconds, start_target_server, vm_template_id, region_id, project_name, project_id, target_server,
         log_collect_status, exist_server, use_public_ip, subtask_info, error_json, migration_ip
       FROM tasks WHERE source_server_id = ? ORDER BY create_date DESC, id LIMIT 1`,
    )
    .safeIntegers(true);
  const selectLastReport = db
    .prepare('SELECT replicatesize, totalsize FROM progress_samples WHERE task_id = ? ORDER BY seq DESC LIMIT 1')
    .safeIntegers(true);
  const selectStateCounts = db
    .prepare(
      `SELECT s.state AS state, EXISTS (SELECT 1 FROM tasks t WHERE t.source_server_id = s.id) AS has_task,
         COUNT(*) AS count
       FROM sources s GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .raw();
  type Statement = ReturnType<typeof db.prepare<unknown[]>>;
  const updateStatements = new Map<string, Statement>();
  const filterStatements = new Map<string, Statement>();

  /** The WHERE clause of a filter and its parameters. */
  function where(filter: SourceFilter): { sql: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    for (const [key, clause] of FILTER_CLAUSES) {
      const value = filter[key];
      if (value === undefined) continue;
      clauses.push(clause);
      if (key === 'connected') params.push(filter.connectedSince ?? Number.MIN_SAFE_INTEGER);
      params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    }
    if (filter.is_consistency_result_exist === true) clauses.push('0');
    return { sql: clauses.length === 0 ? '' : ` WHERE ${clauses.join(' AND ')}`, params };
  }

  function filterStatement(kind: 'list' | 'count', whereSql: string): Statement {
    const key = `${kind}${whereSql}`;
    let statement = filterStatements.get(key);
    if (statement === undefined) {
      statement =
        kind === 'list'
          ? db
              .prepare(`SELECT s.* FROM sources s${whereSql} ORDER BY s.add_date DESC, s.id LIMIT ? OFFSET ?`)
              .safeIntegers(true)
          : db.prepare(`SELECT COUNT(*) FROM sources s${whereSql}`).pluck();
      if (filterStatements.size < MAX_FILTER_STATEMENTS) filterStatements.set(key, statement);
    }
    return statement;
  }

  return {
    find(id) {
      const row = selectSource.get(id) as Record<string, unknown> | undefined;
      return row && rowToSource(row);
    },

    exists(id) {
      return selectExists.get(id) !== undefined;
    },

    stage(id) {
      return selectStage.get(id) as Pick<SourceFields, 'state' | 'migration_cycle'> | undefined;
    },

    findByIdentity(name, firstMac) {
      return selectIdentity.get(name, firstMac) as string | undefined;
    },

    put(id, fields) {
      deleteSource.run(id);
      const params: Record<string, unknown> = { id };
      for (const column of COLUMNS) params[column] = toSql(column, fields[column]);
      insertSource.run(params);
    },

    update(id, fields) {
      const columns = COLUMNS.filter((column) => column in fields);
      if (columns.length === 0) return selectExists.get(id) !== undefined;
      const key = columns.join(',');
      let statement = updateStatements.get(key);
      if (statement === undefined) {
        // Column names come from the fixed list, never from the request; callers pass a handful of sets.
        statement = db.prepare(`UPDATE sources SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
        updateStatements.set(key, statement);
      }
      const params = columns.map((column) => toSql(column, fields[column]));
      return statement.run(...params, id).changes > 0;
    },

    setStage(id, state, migrationCycle, now) {
      const cycle = migrationCycle ?? null;
      return updateStage.run(state, now, cycle, cycle, now, state, cycle, id).changes > 0;
    },

    delete(id) {
      return deleteSource.run(id).changes > 0;
    },

    hasTask(id) {
      return selectHasTask.get(id) !== undefined;
    },

    currentTask(id) {
      const row = selectCurrentTask.get(id) as Record<string, unknown> | undefined;
      return row && rowToTask(row);
    },

    lastReport(taskId) {
      const row = selectLastReport.get(taskId) as { replicatesize: bigint; totalsize: bigint } | undefined;
      return row && { replicatesize: int64Of(row.replicatesize) ?? 0, totalsize: int64Of(row.totalsize) ?? 0 };
    },

    list(filter, limit, offset) {
      const { sql, params } = where(filter);
      const rows = filterStatement('list', sql).all(...params, limit, offset) as Record<string, unknown>[];
      return rows.map(rowToSource);
    },

    count(filter) {
      const { sql, params } = where(filter);
      return filterStatement('count', sql).get(...params) as number;
    },

    stateCounts() {
      return (selectStateCounts.all() as [string, number, number][]).map(([state, hasTask, count]) => ({
        state,
        hasTask: hasTask === 1,
        count,
      }));
    },
  };
}
