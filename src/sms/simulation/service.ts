// The simulated agent: migrates the tasks no real agent serves, on the mock clock. Nothing runs by itself: where a
// task stands is worked out from the clock when someone looks (a request, startMock's helpers) or the clock moves,
// sample by sample at the profile's interval from the moment the task was started, and written as an agent's progress
// reports would be (the same path as UpdateTaskSpeed: the task's figures, its subtasks, its state and its source
// server all follow). So advancing the clock jumps a migration forward at once, a frozen clock freezes it, and the
// same seed, profile and clock moves write the same samples.
import type { WriteQueue } from '../../db/write-queue.js';
import type { Clock } from '../../lib/clock.js';
import { sourceMoveAfter } from '../sources/life-cycle.js';
import { isSyncStep } from '../tasks/plans.js';
import type { TaskRepository } from '../tasks/repository.js';
import { type Cursor, cursorAt, plannedSeconds, progressOf, type SampleReport, sample, textKey } from './engine.js';
import { DEFAULT_PROFILE, type Profile, type ProfileInput, resolveProfile } from './profiles.js';
import type { LimitRule, PlanEntry, SimulatedTask, SimulationRepository, SimulationRow } from './repository.js';

/** A sample ready to be applied as a progress report. */
export interface SimulatedReport {
  readonly id: string;
  readonly report: SampleReport;
  readonly receivedAt: number;
}

/** Task states the simulation works in: a migration running, or a continuous sync with a step to run (a clone). */
const WORKING_STATES = new Set(['RUNNING', 'SYNCING']);

/** Bytes a task with no disk sizes anywhere copies (chosen): 10 GiB. */
export const DEFAULT_TOTAL_BYTES = 10 * 1024 ** 3;
/** Memory a source with none registered shows (chosen): 8 GiB. */
const DEFAULT_MEMORY_MB = 8192;
/** An incremental sync copies this share of the migration's bytes, at least SYNC_MIN_BYTES (chosen). */
const SYNC_SHARE = 0.02;
const SYNC_MIN_BYTES = 64 * 1024 ** 2;

/** Tasks worked per transaction, and samples held before they are written: a long catch-up stays bounded. */
const TASKS_PER_WRITE = 64;
const SAMPLES_PER_WRITE = 2000;

/** How a task's simulation stands, as GET /_mock/tasks/{id}/simulation shows it. */
export interface SimulationStatus {
  readonly task_id: string;
  /** running: samples are scheduled; idle: the task is not migrating; agent: a real agent took it over; manual. */
  readonly status: 'running' | 'idle' | 'agent' | 'manual';
  readonly profile: Profile;
  /** Whether the profile is the task's own (else the default). */
  readonly own_profile: boolean;
  readonly next_sample_at: string | null;
  readonly samples: number;
  readonly failed_at: string | null;
  readonly handed_over_at: string | null;
  /** Why the simulation stopped working the task out, when an error stopped it. */
  readonly error: string | null;
}

export interface Simulator {
  /** Whether a sample is due at `now`: cheap, for every request. */
  due(now: number): boolean;
  /** Writes every sample due up to the clock's time. Concurrent calls share one catch-up. */
  catchUp(): Promise<void>;
  /**
   * Inside an action's write: the task was moved; schedule its samples from `now` when it is to be migrated by the
   * simulation (working state, no live agent, a profile other than manual), else stop them.
   */
  afterAction(taskId: string, now: number): void;
  /** Inside a progress report's write: a real agent reports for the task; the simulation leaves it alone. */
  handOver(taskId: string, now: number): void;
  defaultProfile(): Profile;
  /** Sets the default profile; the tasks migrating under the default take it from their next sample. */
  setDefaultProfile(input: ProfileInput): Promise<Profile>;
  /** The server closes: a catch-up under way stops after its current write, and none starts. */
  halt(): void;
  /** Undefined when the task does not exist. */
  status(taskId: string): SimulationStatus | undefined;
  /** Gives the task a profile of its own (null: back to the default); false when the task does not exist. */
  setTaskProfile(taskId: string, input: ProfileInput | null): Promise<boolean>;
  /** The default profile back to the one given at start (after the tables were emptied). */
  reset(): void;
}

export interface SimulatorOptions {
  readonly simulations: SimulationRepository;
  readonly tasks: TaskRepository;
  readonly writes: WriteQueue;
  readonly clock: Clock;
  /** Applies samples as progress reports, inside the caller's write. */
  readonly applyReports: (reports: readonly SimulatedReport[]) => void;
  /** Whether a real agent is live for the source server at `now`. */
  readonly liveAgent: (polledAt: number | null, now: number) => boolean;
  /** The default profile at start and after every reset. */
  readonly profile?: ProfileInput | undefined;
}

/** Minutes since midnight (UTC) of a speed-limit rule's "H:MM" bound; 24:00 is 1440. */
function minutesOf(text: string): number {
  const [hours, minutes] = text.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** The lowest limit in force at `at` (UTC time of day), Mbit/s; a rule of speed 0 or none limits nothing. */
function ruleLimitAt(rules: readonly LimitRule[], at: number): number | null {
  const minute = Math.floor((((at % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
  let limit: number | null = null;
  for (const rule of rules) {
    if (rule.speed === null || rule.speed <= 0) continue;
    const start = minutesOf(rule.start_time);
    const end = minutesOf(rule.end_time);
    const inForce = start <= end ? minute >= start && minute < end : minute >= start || minute < end;
    if (inForce && (limit === null || rule.speed < limit)) limit = rule.speed;
  }
  return limit;
}

/** The lowest limit over a sample's interval: the task's own speed_limit and the rules at both ends. */
export function limitOver(
  taskLimit: number | null,
  rules: readonly LimitRule[],
  from: number,
  to: number,
): number | null {
  const limits = [
    taskLimit !== null && taskLimit > 0 ? taskLimit : null,
    ruleLimitAt(rules, from),
    ruleLimitAt(rules, to),
  ];
  let lowest: number | null = null;
  for (const limit of limits) if (limit !== null && (lowest === null || limit < lowest)) lowest = limit;
  return lowest;
}

/** Bytes a subtask of the task copies: the migration's bytes, or an incremental sync's share of them. */
function bytesOf(name: string, migration: number): number {
  if (!isSyncStep(name)) return migration;
  return Math.min(migration, Math.max(SYNC_MIN_BYTES, Math.floor(migration * SYNC_SHARE)));
}

/** The bytes a task migrates: its source's used disk space, else its target disks', else the default. */
function migrationBytes(task: SimulatedTask): number {
  for (const used of [task.source_used, task.target_used]) {
    if (used !== null && Number.isFinite(used) && used > 0) return Math.min(Math.floor(used), Number.MAX_SAFE_INTEGER);
  }
  return DEFAULT_TOTAL_BYTES;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function createSimulator({
  simulations,
  tasks,
  writes,
  clock,
  applyReports,
  liveAgent,
  profile: startProfile,
}: SimulatorOptions): Simulator {
  const initialProfile = startProfile === undefined ? DEFAULT_PROFILE : resolveProfile(startProfile);
  let defaultProfile = initialProfile;
  /** When the earliest scheduled sample is due; may run early (a catch-up then finds nothing and corrects it). */
  let earliest: number | null = simulations.earliestDue();
  let running: Promise<void> | undefined;
  /** The earliest sample scheduled while a catch-up runs: its writes may commit after the catch-up looked. */
  let scheduledDuring: number | null = null;
  /** Set when the server closes: a catch-up under way stops after its current write. */
  let halted = false;
  /** Why a task's simulation stopped on an error, by task (kept until the task is simulated again or a reset). */
  const errors = new Map<string, string>();

  function profileOf(row: Pick<SimulationRow, 'profile'> | undefined): Profile {
    if (row?.profile === undefined || row.profile === null) return defaultProfile;
    return JSON.parse(row.profile) as Profile;
  }

  function schedule(at: number): void {
    if (earliest === null || at < earliest) earliest = at;
    if (running !== undefined && (scheduledDuring === null || at < scheduledDuring)) scheduledDuring = at;
  }

  /**
   * Inside a write: schedules the task's samples from `now` when the simulation is to migrate it and is not already
   * at it, stops them when it is not to.
   */
  function reschedule(taskId: string, now: number): void {
    const task = simulations.task(taskId);
    if (task === undefined) return;
    // A task an action set working is one the simulation knows of from then on, simulated or not (manual, an
    // agent's): a later default profile applies to it.
    const working = task.state !== null && WORKING_STATES.has(task.state);
    if (working) simulations.ensure(taskId);
    const row = simulations.row(taskId);
    const profile = profileOf(row);
    if (!mayRun(task, row, profile, now)) {
      if (row?.next_sample_at != null) simulations.unschedule(taskId);
      // A working task whose server's agent is live is that agent's: say so from the start.
      if (working && row?.handed_over_at == null && liveAgent(task.agent_polled_at, now)) {
        simulations.handOver(taskId, task.agent_polled_at as number);
      }
      return;
    }
    if (row?.next_sample_at != null) return;
    const current = row as SimulationRow;
    const at = now + Math.round(profile.sample_interval_s * 1000);
    // The subtask is taken up where the simulation left it, or at its stored progress when that moved (cursorFor).
    simulations.save({ ...current, next_sample_at: at, previous_sample_at: now });
    schedule(at);
  }

  /** What a task's simulation does at `now`: run it, or leave it, and why. */
  function mayRun(task: SimulatedTask, row: SimulationRow | undefined, profile: Profile, now: number): boolean {
    if (profile.profile === 'manual' || row?.handed_over_at != null) return false;
    if (task.state === null || !WORKING_STATES.has(task.state)) return false;
    return !liveAgent(task.agent_polled_at, now);
  }

  /**
   * Where a stored subtask is taken up: where the simulation left it when its stored progress is still what that
   * position shows (a resume goes on byte for byte), else at its stored progress (a restart, a report from elsewhere).
   */
  function cursorFor(row: SimulationRow, entry: PlanEntry, totalBytes: number, profile: Profile): Cursor {
    if (row.subtask_id === entry.id) {
      const left = { name: entry.name, elapsedMs: row.subtask_elapsed_ms, bytes: row.subtask_bytes };
      if (progressOf(left, totalBytes, profile) === entry.progress) return left;
    }
    return cursorAt(entry.name, entry.progress, totalBytes, profile);
  }

  /**
   * Works one task's due samples out, up to `now` and at most SAMPLES_PER_WRITE of them (the caller comes back for
   * the rest in another write, so a long jump never holds the server in one transaction): sample after sample from
   * its next due time, subtask after subtask of its plan, applied as progress reports, until the clock, the end of
   * the plan or a staged failure stops it. True when more samples of this task are due by `now`.
   */
  function advance(row: SimulationRow, now: number): boolean {
    const task = simulations.task(row.task_id);
    const profile = profileOf(row);
    if (task === undefined) return false;
    // A real agent that polled since the last sample takes the task over (the poll's own request caught up first).
    const due = row.next_sample_at ?? now;
    if (!mayRun(task, row, profile, due)) {
      const agentCame = row.handed_over_at === null && liveAgent(task.agent_polled_at, due);
      simulations.save({
        ...row,
        next_sample_at: null,
        handed_over_at: agentCame ? task.agent_polled_at : row.handed_over_at,
      });
      return false;
    }
    const stored = simulations.plan(task.id);
    // A report names its subtask: one stored without a name (a seeded task's) cannot be reported on.
    const nameless = stored.find((step) => step.name === null);
    if (nameless !== undefined) throw new Error(`subtask ${nameless.id} has no name: no progress report can name it`);
    const plan = stored as PlanEntry[];
    let index = plan.findIndex((entry) => entry.progress < 100);
    // A running task with nothing left to do (a syncing task stopped in continuous sync and started again): the
    // agent reports its last subtask done once more, and the task completes as that report has it.
    const confirmDone = index < 0 && task.state === 'RUNNING' && plan.length > 0;
    if (index < 0 && !confirmDone) {
      simulations.save({ ...row, next_sample_at: null });
      return false;
    }
    if (confirmDone) index = plan.length - 1;
    const rules = simulations.limits(task.id);
    const migration = migrationBytes(task);
    const hostMemoryMb = task.memory !== null && task.memory > 0 ? task.memory / 1024 ** 2 : DEFAULT_MEMORY_MB;
    const key = textKey(task.name ?? task.id);
    const interval = Math.round(profile.sample_interval_s * 1000);
    const replicatedBefore = (at: number): { replicatesize: number; totalsize: number } => ({
      replicatesize: plan.slice(0, at).some((entry) => entry.name.startsWith('MIGRATE_')) ? migration : 0,
      totalsize: migration,
    });
    const laterSeconds = (at: number): number =>
      plan
        .slice(at + 1)
        .reduce((sum, entry) => sum + plannedSeconds(entry.name, bytesOf(entry.name, migration), profile), 0);

    let entry = plan[index] as PlanEntry;
    let cursor = cursorFor(row, entry, bytesOf(entry.name, migration), profile);
    let later = laterSeconds(index);
    let step = row.step;
    let failedAt = row.failed_at;
    let next: number | null = row.next_sample_at ?? now;
    // The first sample covers the time since the last one (or the start), whatever the interval was then.
    let previous = row.previous_sample_at ?? next - interval;
    let failure: SampleReport | undefined;
    const batch: SimulatedReport[] = [];

    while (next !== null && next <= now && step - row.step < SAMPLES_PER_WRITE) {
      const context = {
        profile,
        step,
        key,
        from: previous,
        to: next,
        limitMbps: limitOver(task.speed_limit, rules, previous, next),
        totalBytes: bytesOf(entry.name, migration),
        replicated: replicatedBefore(index),
        laterSeconds: later,
        hostMemoryMb,
        failedBefore: failedAt !== null,
      };
      const out = sample(cursor, context);
      batch.push({ id: task.id, report: out.report, receivedAt: next });
      previous = next;
      step++;
      cursor = out.cursor;
      if (out.failed) {
        failedAt = next;
        failure = out.report;
        next = null;
        break;
      }
      if (out.finished) {
        index = plan.findIndex((candidate, position) => position > index && candidate.progress < 100);
        if (index < 0) {
          next = null;
          break;
        }
        entry = plan[index] as PlanEntry;
        cursor = cursorAt(entry.name, entry.progress, bytesOf(entry.name, migration), profile);
        later = laterSeconds(index);
      }
      next += interval;
    }
    if (batch.length > 0) applyReports(batch);
    if (failure !== undefined) fail(task, profile, previous);
    // The simulated agent was heard from: its server stays connected as long as it reports.
    if (task.source_server_id !== null && step > row.step) simulations.visit(task.source_server_id, previous);
    simulations.save({
      ...row,
      next_sample_at: next,
      previous_sample_at: previous,
      step,
      subtask_id: index < 0 ? null : entry.id,
      subtask_elapsed_ms: cursor.elapsedMs,
      subtask_bytes: cursor.bytes,
      failed_at: failedAt,
    });
    return next !== null && next <= now;
  }

  /** The staged failure: MIGRATE_FAIL with the profile's error, the subtask frozen where it stands, the source in error. */
  function fail(task: SimulatedTask, profile: Profile, at: number): void {
    const failure = profile.fail;
    if (failure === null) return;
    const error_json = JSON.stringify({ error_code: failure.error_code, error_param: failure.error_param });
    tasks.update(task.id, { state: 'MIGRATE_FAIL', error_json, migrate_speed: 0, remain_seconds: 0 });
    const move = sourceMoveAfter({ state: 'MIGRATE_FAIL', currentSubtask: null }, at);
    if (task.source_server_id !== null && move !== undefined) tasks.moveSource(task.source_server_id, move);
  }

  /**
   * One write's worth of catching up: the earliest due tasks, each up to `now` or SAMPLES_PER_WRITE samples. True
   * when more may be due.
   */
  function catchUpSome(now: number): boolean {
    const rows = simulations.due(now, TASKS_PER_WRITE);
    let more = rows.length === TASKS_PER_WRITE;
    for (const row of rows) {
      // One task that cannot be worked out (a seeded task of figures no sample can hold) stops alone, saying why,
      // instead of failing every request that catches up after it.
      try {
        simulations.isolated(() => {
          if (advance(row, now)) more = true;
        });
        errors.delete(row.task_id);
      } catch (error) {
        simulations.unschedule(row.task_id);
        errors.set(row.task_id, error instanceof Error ? error.message : String(error));
      }
    }
    return more;
  }

  async function catchUpNow(): Promise<void> {
    const now = clock.now();
    scheduledDuring = null;
    let more = true;
    // Write after write, each short: requests in between are served, and a closing server stops the catch-up.
    while (more && !halted) more = await writes.run(() => catchUpSome(now));
    const stored = simulations.earliestDue();
    earliest =
      stored === null ? scheduledDuring : scheduledDuring === null ? stored : Math.min(stored, scheduledDuring);
  }

  return {
    due: (now) => earliest !== null && now >= earliest,

    catchUp() {
      if (halted || !(earliest !== null && clock.now() >= earliest)) return running ?? Promise.resolve();
      running ??= catchUpNow().finally(() => {
        running = undefined;
      });
      return running;
    },

    afterAction: reschedule,

    handOver(taskId, now) {
      simulations.handOver(taskId, now);
    },

    defaultProfile: () => defaultProfile,

    async setDefaultProfile(input) {
      defaultProfile = resolveProfile(input);
      const now = clock.now();
      // Tasks under the default go on under the new one from their next sample; ones it stopped (manual) start again.
      await writes.run(() => {
        for (const taskId of simulations.underDefault()) reschedule(taskId, now);
      });
      return defaultProfile;
    },

    halt() {
      halted = true;
    },

    status(taskId) {
      const task = simulations.task(taskId);
      if (task === undefined) return undefined;
      const row = simulations.row(taskId);
      const profile = profileOf(row);
      const status =
        row?.handed_over_at != null
          ? 'agent'
          : profile.profile === 'manual'
            ? 'manual'
            : row?.next_sample_at != null
              ? 'running'
              : 'idle';
      return {
        task_id: taskId,
        status,
        profile,
        own_profile: row?.profile != null,
        next_sample_at: iso(row?.next_sample_at ?? null),
        samples: row?.step ?? 0,
        failed_at: iso(row?.failed_at ?? null),
        handed_over_at: iso(row?.handed_over_at ?? null),
        error: errors.get(taskId) ?? null,
      };
    },

    async setTaskProfile(taskId, input) {
      const profile = input === null ? null : resolveProfile(input);
      const now = clock.now();
      return writes.run(() => {
        if (simulations.task(taskId) === undefined) return false;
        simulations.setProfile(taskId, profile === null ? null : JSON.stringify(profile));
        // A running simulation goes on under the new profile from its next sample; a task the new profile would not
        // simulate stops, a running task it would starts.
        reschedule(taskId, now);
        return true;
      });
    },

    reset() {
      defaultProfile = initialProfile;
      errors.clear();
      earliest = simulations.earliestDue();
    },
  };
}
