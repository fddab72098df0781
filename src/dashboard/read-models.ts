// What the dashboard shows, read straight from the store in the shapes its views draw: the board's rows, a task's
// subtask timeline, its progress samples as chart series (bucketed in SQL for long ranges), the source servers. Read
// only: every change goes through the mock's documented API. Sizes are plotted, so they leave here as doubles; the
// exact int64 values stay in the emulated API's answers.
import type { Core } from '../core.js';
import type { Db } from '../db/sqlite.js';
import { createSimulationRepository } from '../sms/simulation/repository.js';
import { limitOver } from '../sms/simulation/service.js';
import type { JsonObject } from '../sms/sources/repository.js';
import type { Board, BoardRow, Series, SourceRow, SubtaskStatus, TaskView } from './model.js';

export type { Board, BoardRow, Series, SourceRow, SubtaskStatus, TaskView } from './model.js';

/** Rows the board answers at most: the filters narrow what is beyond. */
export const BOARD_LIMIT = 500;
/** Series answers kept (the last asked for); each stays while its task's samples and limits do. */
const SERIES_CACHE = 32;
/** Points a series has unless asked otherwise, and at most. */
export const SERIES_POINTS = 1200;
export const MAX_SERIES_POINTS = 5000;

export interface BoardFilter {
  readonly state?: string | undefined;
  /** Part of the task's name or id, any case. */
  readonly name?: string | undefined;
  readonly limit?: number | undefined;
}

export interface SeriesQuery {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly points?: number | undefined;
}

export interface ReadModels {
  board(filter: BoardFilter): Board;
  /** Undefined when the task does not exist. */
  task(id: string): TaskView | undefined;
  /** Undefined when the task does not exist. */
  series(id: string, query: SeriesQuery): Series | undefined;
  sources(): { count: number; sources: SourceRow[] };
}

const num = (value: unknown): number | null =>
  value === null || value === undefined ? null : typeof value === 'bigint' ? Number(value) : (value as number);

// Each row reads its subtasks' totals and its last sample through the tables' keys: the board costs the same whatever
// the number of samples.
const BOARD_COLUMNS = `t.id, t.name, t.state, t.type, t.os_type, t.migrate_speed, t.speed_limit, t.remain_seconds,
  t.create_date, t.start_date, t.finish_date, t.source_server_id,
  COALESCE(s.name, json_extract(t.source_server, '$.name')) AS source_name,
  (SELECT COUNT(*) FROM sub_tasks st WHERE st.task_id = t.id) AS subtasks,
  (SELECT COUNT(*) FROM sub_tasks st WHERE st.task_id = t.id AND st.progress >= 100) AS subtasks_done,
  (SELECT json_array(st.name, st.progress) FROM sub_tasks st WHERE st.task_id = t.id AND st.progress < 100
     ORDER BY st.id LIMIT 1) AS current,
  (SELECT json_array(p.replicatesize, p.totalsize) FROM progress_samples p WHERE p.task_id = t.id
     ORDER BY p.seq DESC LIMIT 1) AS last_sample,
  sim.profile AS sim_profile, sim.next_sample_at AS sim_next, sim.handed_over_at AS sim_agent,
  sim.task_id IS NOT NULL AS sim_known`;
const BOARD_FROM = `FROM tasks t LEFT JOIN sources s ON s.id = t.source_server_id
  LEFT JOIN simulations sim ON sim.task_id = t.id`;
const BOARD_WHERE = `WHERE (:state IS NULL OR t.state = :state)
  AND (:name IS NULL OR instr(lower(COALESCE(t.name, '')), lower(:name)) > 0 OR instr(lower(t.id), lower(:name)) > 0)`;

interface SampleEnds {
  first_sample: string | null;
  last_sample: string | null;
  task_row: bigint | null;
  first_seq: bigint | null;
  first_at: bigint | null;
  last_seq: bigint | null;
  last_at: bigint | null;
}

/** How many samples a task has, from the two ends of their key: seq counts a task's samples from 1 with no gap. */
function sampleCount(ends: SampleEnds | undefined): number {
  return ends?.last_seq == null || ends.first_seq == null ? 0 : Number(ends.last_seq - ends.first_seq) + 1;
}

interface BoardRecord {
  id: string;
  name: string | null;
  state: string | null;
  type: string | null;
  os_type: string | null;
  migrate_speed: number | null;
  speed_limit: bigint | null;
  remain_seconds: bigint | null;
  create_date: bigint | null;
  start_date: bigint | null;
  finish_date: bigint | null;
  source_server_id: string | null;
  source_name: string | null;
  subtasks: bigint;
  subtasks_done: bigint;
  current: string | null;
  last_sample: string | null;
  sim_profile: string | null;
  sim_next: bigint | null;
  sim_agent: bigint | null;
  sim_known: bigint;
}

function simulationOf(record: BoardRecord, defaultProfile: () => string): string | null {
  if (record.sim_known === 0n) return null;
  if (record.sim_agent !== null) return 'agent';
  if (record.sim_next !== null) return 'running';
  const own = record.sim_profile === null ? undefined : (JSON.parse(record.sim_profile) as { profile?: string });
  return (own?.profile ?? defaultProfile()) === 'manual' ? 'manual' : 'idle';
}

function boardRow(record: BoardRecord, defaultProfile: () => string): BoardRow {
  const steps = Number(record.subtasks);
  const done = Number(record.subtasks_done);
  const current = record.current === null ? null : (JSON.parse(record.current) as [string | null, number]);
  const last = record.last_sample === null ? null : (JSON.parse(record.last_sample) as [number, number]);
  const progress = steps === 0 ? 0 : ((done + (current ? current[1] / 100 : 0)) / steps) * 100;
  return {
    id: record.id,
    name: record.name,
    state: record.state,
    type: record.type,
    os_type: record.os_type,
    progress: Math.round(progress * 10) / 10,
    subtasks: steps,
    subtasks_done: done,
    current_subtask: current ? current[0] : null,
    current_progress: current ? current[1] : null,
    replicated_bytes: last ? last[0] : null,
    total_bytes: last ? last[1] : null,
    migrate_speed: record.migrate_speed,
    speed_limit: num(record.speed_limit),
    remain_seconds: num(record.remain_seconds),
    source_id: record.source_server_id,
    source_name: record.source_name,
    create_date: num(record.create_date),
    start_date: num(record.start_date),
    finish_date: num(record.finish_date),
    simulation: simulationOf(record, defaultProfile),
  };
}

/** The status a subtask's bar shows: the task's state says whether the one below 100 runs, waits or failed. */
function stepStatus(
  step: { progress: number; start_date: number | null },
  isCurrent: boolean,
  state: string | null,
): SubtaskStatus {
  if (step.progress >= 100) return 'done';
  if (!isCurrent) return 'planned';
  if (state === 'MIGRATE_FAIL' || state === 'SYNC_FAIL') return 'failed';
  if (state === 'ABORT' || state === 'ABORTING') return step.start_date === null ? 'planned' : 'paused';
  if (state === 'RUNNING' || state === 'SYNCING') return 'running';
  return step.start_date === null ? 'planned' : 'paused';
}

const SERIES_COLUMNS = [
  'replicated',
  'total',
  'speed',
  'speed_max',
  'cpu',
  'agent_cpu',
  'mem',
  'agent_mem',
  'disk',
  'agent_disk',
] as const;

// One row per sample, or per bucket of them: the bytes as the bucket ends (they only grow within a run), the figures
// averaged, the speed's peak kept beside its average so a short burst stays visible.
const RAW_SERIES = `SELECT received_at AS t, replicatesize AS replicated, totalsize AS total, migrate_speed AS speed,
  migrate_speed AS speed_max, total_cpu_usage AS cpu, agent_cpu_usage AS agent_cpu, total_mem_usage AS mem,
  agent_mem_usage AS agent_mem, total_disk_io AS disk, agent_disk_io AS agent_disk
  FROM progress_samples WHERE task_id = :id AND received_at BETWEEN :from AND :to ORDER BY seq`;
const BUCKETED_SERIES = `SELECT MAX(received_at) AS t, MAX(replicatesize) AS replicated, MAX(totalsize) AS total,
  AVG(migrate_speed) AS speed, MAX(migrate_speed) AS speed_max, AVG(total_cpu_usage) AS cpu,
  AVG(agent_cpu_usage) AS agent_cpu, AVG(total_mem_usage) AS mem, AVG(agent_mem_usage) AS agent_mem,
  AVG(total_disk_io) AS disk, AVG(agent_disk_io) AS agent_disk
  FROM progress_samples WHERE task_id = :id AND received_at BETWEEN :from AND :to
  GROUP BY CAST((received_at - :from) / :bucket AS INTEGER) ORDER BY 1`;

export function createReadModels(core: Core): ReadModels {
  const db: Db = core.db;
  const simulations = createSimulationRepository(db);
  const defaultProfile = (): string => core.simulation.defaultProfile().profile;
  const countBoard = db.prepare(`SELECT COUNT(*) FROM tasks t ${BOARD_WHERE}`).pluck();
  const selectBoard = db
    .prepare(`SELECT ${BOARD_COLUMNS} ${BOARD_FROM} ${BOARD_WHERE} ORDER BY t.create_date DESC, t.id LIMIT :limit`)
    .safeIntegers(true);
  const selectOne = db.prepare(`SELECT ${BOARD_COLUMNS} ${BOARD_FROM} WHERE t.id = :id`).safeIntegers(true);
  const selectDetail = db
    .prepare(
      `SELECT t.error_json, t.total_time, json_extract(t.target_server, '$.name') AS target_name
       FROM tasks t WHERE t.id = ?`,
    )
    .safeIntegers(true);
  const selectSteps = db
    .prepare(
      'SELECT id, name, progress, start_date, end_date, process_trace FROM sub_tasks WHERE task_id = ? ORDER BY id',
    )
    .safeIntegers(true);
  const selectRange = db
    .prepare(
      `SELECT COUNT(*) AS n, MIN(received_at) AS first_at, MAX(received_at) AS last_at FROM progress_samples
       WHERE task_id = :id AND received_at BETWEEN :from AND :to`,
    )
    .safeIntegers(true);
  const selectRaw = db.prepare(RAW_SERIES);
  const selectBucketed = db.prepare(BUCKETED_SERIES);
  const selectExists = db.prepare('SELECT 1 FROM tasks WHERE id = ?').pluck();
  const SOURCES_SHOWN = 1000;

  const selectEnds = db
    .prepare(
      `SELECT (SELECT seq FROM progress_samples WHERE task_id = :id ORDER BY seq LIMIT 1) AS first_seq,
         (SELECT received_at FROM progress_samples WHERE task_id = :id ORDER BY seq LIMIT 1) AS first_at,
         (SELECT seq FROM progress_samples WHERE task_id = :id ORDER BY seq DESC LIMIT 1) AS last_seq,
         (SELECT received_at FROM progress_samples WHERE task_id = :id ORDER BY seq DESC LIMIT 1) AS last_at,
         (SELECT json_array(subtask_name, progress, replicatesize, totalsize, migrate_speed) FROM progress_samples
            WHERE task_id = :id ORDER BY seq LIMIT 1) AS first_sample,
         (SELECT json_array(subtask_name, progress, replicatesize, totalsize, migrate_speed) FROM progress_samples
            WHERE task_id = :id ORDER BY seq DESC LIMIT 1) AS last_sample,
         (SELECT rowid FROM tasks WHERE id = :id) AS task_row`,
    )
    .safeIntegers(true);
  const selectLimit = db.prepare('SELECT speed_limit FROM tasks WHERE id = ?').pluck().safeIntegers(true);
  const seriesCache = new Map<string, { stamp: string; series: Series }>();
  const limitStamp = (id: string): string => `${selectLimit.get(id)}:${JSON.stringify(simulations.limits(id))}`;

  const readSeries = (id: string, { from, to, points = SERIES_POINTS }: SeriesQuery, ends?: SampleEnds): Series => {
    const bounds = { id, from: from ?? Number.MIN_SAFE_INTEGER, to: to ?? Number.MAX_SAFE_INTEGER };
    let samples: number;
    let first: number | null;
    let last: number | null;
    if (from === undefined && to === undefined) {
      // The whole migration: its ends by key.
      samples = sampleCount(ends);
      first = num(ends?.first_at);
      last = num(ends?.last_at);
    } else {
      const range = selectRange.get(bounds) as { n: bigint; first_at: bigint | null; last_at: bigint | null };
      samples = Number(range.n);
      first = num(range.first_at);
      last = num(range.last_at);
    }
    const series: Series = {
      task_id: id,
      from: from ?? first,
      to: to ?? last,
      bucket_ms: 0,
      samples,
      t: [],
      replicated: [],
      total: [],
      speed: [],
      speed_max: [],
      limit: [],
      cpu: [],
      agent_cpu: [],
      mem: [],
      agent_mem: [],
      disk: [],
      agent_disk: [],
    };
    if (samples === 0 || first === null || last === null) return series;
    let rows: Record<string, number | null>[];
    if (samples <= points) {
      rows = selectRaw.all(bounds) as Record<string, number | null>[];
    } else {
      const start = from ?? first;
      const span = Math.max(1, (to ?? last) - start + 1);
      series.bucket_ms = Math.max(1, Math.ceil(span / points));
      rows = selectBucketed.all({ ...bounds, from: start, bucket: series.bucket_ms }) as Record<
        string,
        number | null
      >[];
    }
    const taskLimit = num(selectLimit.get(id));
    const rules = simulations.limits(id);
    for (const row of rows) {
      const t = row.t as number;
      series.t.push(t);
      for (const column of SERIES_COLUMNS) series[column].push(row[column] ?? null);
      series.limit.push(limitOver(taskLimit, rules, t, t));
    }
    return series;
  };

  return {
    board({ state, name, limit = BOARD_LIMIT }) {
      const params = { state: state ?? null, name: name === undefined || name === '' ? null : name };
      const records = selectBoard.all({ ...params, limit }) as BoardRecord[];
      return {
        count: countBoard.get(params) as number,
        tasks: records.map((record) => boardRow(record, defaultProfile)),
      };
    },

    task(id) {
      const record = selectOne.get({ id }) as BoardRecord | undefined;
      if (record === undefined) return undefined;
      const row = boardRow(record, defaultProfile);
      const detail = selectDetail.get(id) as {
        error_json: string | null;
        total_time: bigint | null;
        target_name: string | null;
      };
      const ends = selectEnds.get({ id }) as SampleEnds | undefined;
      const steps = selectSteps.all(id) as {
        id: bigint;
        name: string | null;
        progress: bigint;
        start_date: bigint | null;
        end_date: bigint | null;
        process_trace: string | null;
      }[];
      const currentIndex = steps.findIndex((step) => Number(step.progress) < 100);
      return {
        task: {
          ...row,
          error_json: detail.error_json,
          target_name: detail.target_name,
          total_time: num(detail.total_time),
          samples: sampleCount(ends),
          first_sample_at: num(ends?.first_at),
          last_sample_at: num(ends?.last_at),
        },
        subtasks: steps.map((step, index) => {
          const shown = { progress: Number(step.progress), start_date: num(step.start_date) };
          return {
            id: Number(step.id),
            name: step.name,
            progress: shown.progress,
            status: stepStatus(shown, index === currentIndex, row.state),
            start_date: shown.start_date,
            end_date: num(step.end_date),
            process_trace: step.process_trace,
          };
        }),
        speed_limits: simulations.limits(id),
      };
    },

    series(id, query) {
      if (selectExists.get(id) === undefined) return undefined;
      // A view reads its task's series again on every change of the store, most of them other tasks' reports: the
      // answer is kept while the task's samples and limits stay as they were, which two key lookups tell.
      const ends = selectEnds.get({ id }) as SampleEnds | undefined;
      // A task replaced (PUT /_mock/tasks) starts its samples again from seq 1: the samples' own figures and the
      // task's row tell the new ones from the old even on a frozen clock.
      const stamp = [
        ends?.first_seq,
        ends?.first_at,
        ends?.last_seq,
        ends?.last_at,
        ends?.first_sample,
        ends?.last_sample,
        ends?.task_row,
        limitStamp(id),
      ].join('|');
      const key = `${id}\u0000${query.from}\u0000${query.to}\u0000${query.points}`;
      const kept = seriesCache.get(key);
      if (kept !== undefined && kept.stamp === stamp) return kept.series;
      const series = readSeries(id, query, ends);
      seriesCache.delete(key);
      seriesCache.set(key, { stamp, series });
      if (seriesCache.size > SERIES_CACHE) seriesCache.delete(seriesCache.keys().next().value as string);
      return series;
    },

    sources() {
      const listed = core.sources.list({ limit: SOURCES_SHOWN, offset: 0 });
      return {
        count: listed.count,
        sources: listed.source_servers.map((source) => sourceRow(source)),
      };
    },
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function sourceRow(source: JsonObject): SourceRow {
  const task = source.current_task as JsonObject | null | undefined;
  const checks = Array.isArray(source.checks) ? (source.checks as JsonObject[]) : [];
  return {
    id: String(source.id),
    name: text(source.name),
    ip: text(source.ip),
    os_type: text(source.os_type),
    os_version: text(source.os_version),
    state: text(source.state),
    connected: typeof source.connected === 'boolean' ? source.connected : null,
    agent_version: text(source.agent_version),
    last_visit_time: num(source.last_visit_time),
    checks: checks.map((check) => ({
      name: text(check.name),
      result: text(check.result),
      error_code: text(check.error_code),
    })),
    current_task:
      task && (task.id !== null || task.name !== null)
        ? { id: text(task.id), name: text(task.name), state: text(task.state) }
        : null,
  };
}
