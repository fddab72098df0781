// SQL for the simulated agent: each simulated task's row (its profile and where its simulation stands), what a sample
// needs of the task (state, plan, sizes, speed limits), and the source server's visit time. Synchronous, prepared
// once per connection, run in the caller's transaction (the write queue's).
import type { Db } from '../../db/database.js';

/** A task's simulation as stored. */
export interface SimulationRow {
  readonly task_id: string;
  /** The task's own profile as JSON text; null: the default profile. */
  readonly profile: string | null;
  readonly next_sample_at: number | null;
  readonly previous_sample_at: number | null;
  readonly step: number;
  /** The subtask's id as text (ids are int64). */
  readonly subtask_id: string | null;
  readonly subtask_elapsed_ms: number;
  readonly subtask_bytes: number;
  readonly failed_at: number | null;
  readonly handed_over_at: number | null;
}

/** What a sample needs of its task. */
export interface SimulatedTask {
  readonly id: string;
  readonly name: string | null;
  readonly state: string | null;
  readonly speed_limit: number | null;
  readonly source_server_id: string | null;
  /** Used bytes of the source server's disks as registered (null: none registered). */
  readonly source_used: number | null;
  /** Used bytes of the target disks the task names (null: none named). */
  readonly target_used: number | null;
  /** The source host's memory in bytes as registered. */
  readonly memory: number | null;
  /** When a real agent last polled for the source server's commands. */
  readonly agent_polled_at: number | null;
}

export interface PlanEntry {
  /** The subtask's id as text (ids are int64). */
  readonly id: string;
  readonly name: string;
  readonly progress: number;
}

/** A subtask as stored: a task put in through the mock's API or a seed may have one without a name. */
export type StoredPlanEntry = Omit<PlanEntry, 'name'> & { readonly name: string | null };

export interface LimitRule {
  readonly start_time: string;
  readonly end_time: string;
  readonly speed: number | null;
}

export interface SimulationRepository {
  row(taskId: string): SimulationRow | undefined;
  /** Simulations with a sample due at or before `now`, the earliest first. */
  due(now: number, limit: number): SimulationRow[];
  /** When the next sample of any simulation is due; null when none is scheduled. */
  earliestDue(): number | null;
  /** Creates the task's row (unscheduled) unless it has one. */
  ensure(taskId: string): void;
  setProfile(taskId: string, profile: string | null): void;
  save(row: SimulationRow): void;
  /** Stops scheduling the task's samples. */
  unschedule(taskId: string): void;
  /** A real agent took the task over at `at` (the first time only counts). */
  handOver(taskId: string, at: number): void;
  /** Tasks the simulation was at and that migrate under the default profile: running or syncing, not handed over. */
  underDefault(): string[];
  task(taskId: string): SimulatedTask | undefined;
  /** The task's subtasks in plan order. */
  plan(taskId: string): StoredPlanEntry[];
  limits(taskId: string): LimitRule[];
  /** The simulated agent visited the source server at `at`. */
  visit(sourceId: string, at: number): void;
  /** Runs `work` in a savepoint of the caller's transaction: when it throws, what it wrote is undone, the rest kept. */
  isolated(work: () => void): void;
}

export function createSimulationRepository(db: Db): SimulationRepository {
  const selectRow = db.prepare<[string], SimulationRow>('SELECT * FROM simulations WHERE task_id = ?');
  const selectDue = db.prepare<[number, number], SimulationRow>(
    'SELECT * FROM simulations WHERE next_sample_at <= ? ORDER BY next_sample_at, task_id LIMIT ?',
  );
  const selectEarliest = db
    .prepare<[], number | null>('SELECT MIN(next_sample_at) FROM simulations WHERE next_sample_at IS NOT NULL')
    .pluck();
  const insertRow = db.prepare<[string]>('INSERT INTO simulations (task_id) VALUES (?) ON CONFLICT DO NOTHING');
  const updateProfile = db.prepare<[string | null, string]>('UPDATE simulations SET profile = ? WHERE task_id = ?');
  const updateRow = db.prepare(
    `UPDATE simulations SET next_sample_at = @next_sample_at, previous_sample_at = @previous_sample_at, step = @step,
       subtask_id = @subtask_id,
       subtask_elapsed_ms = @subtask_elapsed_ms, subtask_bytes = @subtask_bytes, failed_at = @failed_at,
       handed_over_at = @handed_over_at
     WHERE task_id = @task_id`,
  );
  const updateUnschedule = db.prepare<[string]>('UPDATE simulations SET next_sample_at = NULL WHERE task_id = ?');
  const updateHandOver = db.prepare<[number, string]>(
    'UPDATE simulations SET next_sample_at = NULL, handed_over_at = ? WHERE task_id = ? AND handed_over_at IS NULL',
  );
  const selectUnderDefault = db
    .prepare<[], string>(
      `SELECT s.task_id FROM simulations s JOIN tasks t ON t.id = s.task_id
       WHERE s.profile IS NULL AND s.handed_over_at IS NULL AND t.state IN ('RUNNING', 'SYNCING')`,
    )
    .pluck();
  const selectTask = db.prepare<[string], SimulatedTask>(
    `SELECT t.id, t.name, t.state, t.speed_limit, t.source_server_id,
       (SELECT SUM(json_extract(d.value, '$.used_size')) FROM json_each(s.registration, '$.disks') d) AS source_used,
       (SELECT SUM(json_extract(d.value, '$.used_size')) FROM json_each(t.target_server, '$.disks') d) AS target_used,
       json_extract(s.registration, '$.memory') AS memory,
       s.agent_polled_at
     FROM tasks t LEFT JOIN sources s ON s.id = t.source_server_id
     WHERE t.id = ?`,
  );
  const selectPlan = db.prepare<[string], StoredPlanEntry>(
    // Ordered by the integer column, not by its text (where "10" sorts before "8").
    'SELECT CAST(s.id AS TEXT) AS id, s.name, s.progress FROM sub_tasks s WHERE s.task_id = ? ORDER BY s.id',
  );
  const selectLimits = db.prepare<[string], LimitRule>(
    'SELECT start_time, end_time, speed FROM task_speed_limits WHERE task_id = ? ORDER BY position',
  );
  const updateVisit = db.prepare<[number, string, number]>(
    'UPDATE sources SET last_visit_time = ? WHERE id = ? AND (last_visit_time IS NULL OR last_visit_time < ?)',
  );

  return {
    row: (taskId) => selectRow.get(taskId),
    due: (now, limit) => selectDue.all(now, limit),
    earliestDue: () => selectEarliest.get() ?? null,
    ensure(taskId) {
      insertRow.run(taskId);
    },
    setProfile(taskId, profile) {
      insertRow.run(taskId);
      updateProfile.run(profile, taskId);
    },
    save(row) {
      updateRow.run(row);
    },
    unschedule(taskId) {
      updateUnschedule.run(taskId);
    },
    handOver(taskId, at) {
      updateHandOver.run(at, taskId);
    },
    underDefault: () => selectUnderDefault.all(),
    task: (taskId) => selectTask.get(taskId),
    plan: (taskId) => selectPlan.all(taskId),
    limits: (taskId) => selectLimits.all(taskId),
    visit(sourceId, at) {
      updateVisit.run(at, sourceId, at);
    },
    isolated(work) {
      // Inside the write queue's transaction, better-sqlite3 makes a nested transaction a savepoint.
      db.transaction(work)();
    },
  };
}
