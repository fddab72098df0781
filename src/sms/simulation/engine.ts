// One sample of the simulated agent, as a pure function: where a subtask stands after one more sample interval
// under a profile, the speed limits in force and the sample's own random draws, and the progress report an agent
// would send for it. No clock, no database: the same inputs give the same sample, byte for byte.
import { isDataSubtask } from '../tasks/plans.js';
import { failsAt, type Profile, subtaskDurationMs } from './profiles.js';

/** Bytes a link of 1 Mbit/s moves in a second. */
const BYTES_PER_MBIT = 125_000;

/** Where the subtask being worked on stands. */
export interface Cursor {
  readonly name: string;
  /** Mock-clock ms spent on it (subtasks that copy no data). */
  readonly elapsedMs: number;
  /** Bytes moved (data subtasks), of `totalBytes`. */
  readonly bytes: number;
}

/** The task as one sample needs it. */
export interface SampleContext {
  readonly profile: Profile;
  /** The sample's number in the task's simulation: picks its random draws. */
  readonly step: number;
  /** A number from the task's name: tasks of different names draw differently under one seed. */
  readonly key: number;
  /** The sample covers (from, to], mock-clock ms. */
  readonly from: number;
  readonly to: number;
  /** The lowest speed limit in force over the interval, Mbit/s; null when none is. */
  readonly limitMbps: number | null;
  /** Bytes the data subtask being worked on copies. */
  readonly totalBytes: number;
  /** What the task shows as replicated and total outside its data subtasks. */
  readonly replicated: { readonly replicatesize: number; readonly totalsize: number };
  /** Seconds the subtasks after this one will take at the profile's pace (for remain_time). */
  readonly laterSeconds: number;
  /** The source host's memory in MB (total_mem_usage is a share of it). */
  readonly hostMemoryMb: number;
  /** Whether the staged failure already happened in this task: it happens once. */
  readonly failedBefore: boolean;
}

/** A progress report as UpdateTaskSpeed takes it. */
export interface SampleReport {
  subtask_name: string;
  progress: number;
  replicatesize: number;
  totalsize: number;
  process_trace: string;
  migrate_speed: number;
  compress_rate: number;
  remain_time: number;
  total_cpu_usage: number;
  agent_cpu_usage: number;
  total_mem_usage: number;
  agent_mem_usage: number;
  total_disk_io: number;
  agent_disk_io: number;
  agent_time: string;
}

export interface Sample {
  readonly report: SampleReport;
  readonly cursor: Cursor;
  /** The subtask reached 100 with this sample. */
  readonly finished: boolean;
  /** The staged failure happened: the subtask stays frozen at the report's progress. */
  readonly failed: boolean;
}

/** A 32-bit hash of a text (FNV-1a): the key of a task's name. */
export function textKey(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A draw in [0, 1) that depends only on the seed, the task's key, the sample's number and which draw of the sample
 * it is: no generator state to carry, so a sample worked out late or again is the same sample.
 */
export function draw(seed: number, key: number, step: number, slot: number): number {
  let h = mix(seed ^ 0x9e3779b9);
  h = mix(h ^ key);
  h = mix(h ^ step);
  h = mix(h ^ Math.imul(slot + 1, 0x27d4eb2d));
  return h / 0x1_0000_0000;
}

/** Two decimals, rounded down: a figure shown never passes the bound it was held under. */
function cents(value: number): number {
  return Math.floor(value * 100) / 100;
}

/** The link's throughput for this sample, Mbit/s: jitter, drops and stalls from the profile, held under the limit. */
export function sampleRate(context: SampleContext): number {
  const { profile, step, key, limitMbps } = context;
  const { seed } = profile;
  if (draw(seed, key, step, 0) < profile.stall_probability) return 0;
  let rate = profile.throughput_mbps * (1 + profile.jitter * (2 * draw(seed, key, step, 1) - 1));
  if (draw(seed, key, step, 2) < profile.drop_probability) {
    rate *= 0.05 + (profile.drop_to - 0.05) * draw(seed, key, step, 3);
  }
  if (limitMbps !== null) rate = Math.min(rate, limitMbps);
  return cents(Math.max(0, rate));
}

/** The sample that ends at `context.to` for the subtask at `cursor`. */
export function sample(cursor: Cursor, context: SampleContext): Sample {
  const { profile, step, key, from, to } = context;
  const { seed } = profile;
  const seconds = (to - from) / 1000;
  const data = isDataSubtask(cursor.name);
  const failure = context.failedBefore ? null : profile.fail;
  const failing = failsAt(failure, cursor.name) ? (failure?.percent ?? 100) : 100;

  let progress: number;
  let next: Cursor;
  let speed = 0;
  let remainSeconds: number;
  if (data) {
    const total = Math.max(0, context.totalBytes);
    const rate = sampleRate(context);
    let bytes = Math.min(total, cursor.bytes + Math.floor(rate * BYTES_PER_MBIT * seconds));
    progress = total === 0 ? 100 : Math.min(100, Math.floor((bytes / total) * 100));
    if (bytes >= total) progress = 100;
    if (progress >= failing) {
      progress = failing;
      bytes = Math.max(cursor.bytes, Math.floor((total * failing) / 100));
    }
    const moved = bytes - cursor.bytes;
    speed = seconds > 0 ? cents((moved * 8) / 1_000_000 / seconds) : 0;
    next = { ...cursor, bytes };
    // The rest goes at the link's pace, or at the limit in force when that is lower.
    const limited =
      context.limitMbps === null ? profile.throughput_mbps : Math.min(profile.throughput_mbps, context.limitMbps);
    const pace = Math.max(0.1, limited) * BYTES_PER_MBIT;
    remainSeconds = Math.ceil((total - bytes) / pace);
  } else {
    const duration = subtaskDurationMs(cursor.name, profile);
    let elapsedMs = Math.min(duration, cursor.elapsedMs + (to - from));
    progress = elapsedMs >= duration ? 100 : Math.floor((elapsedMs / duration) * 100);
    if (progress >= failing) {
      progress = failing;
      elapsedMs = Math.max(cursor.elapsedMs, Math.floor((duration * failing) / 100));
    }
    next = { ...cursor, elapsedMs };
    remainSeconds = Math.ceil((duration - elapsedMs) / 1000);
  }
  const failed = failing < 100 && progress >= failing;
  const host = context.hostMemoryMb;
  const report: SampleReport = {
    subtask_name: cursor.name,
    progress,
    replicatesize: data ? next.bytes : context.replicated.replicatesize,
    totalsize: data ? context.totalBytes : context.replicated.totalsize,
    process_trace: data
      ? `${cursor.name}: ${next.bytes} of ${context.totalBytes} bytes copied`
      : `${cursor.name}: ${progress}%`,
    migrate_speed: speed,
    compress_rate: data ? cents(1.1 + 0.4 * draw(seed, key, step, 4)) : 1,
    remain_time: failed ? 0 : remainSeconds + Math.ceil(context.laterSeconds),
    total_cpu_usage: cents(data ? 35 + 30 * draw(seed, key, step, 5) : 5 + 10 * draw(seed, key, step, 5)),
    agent_cpu_usage: cents(data ? 15 + 20 * draw(seed, key, step, 6) : 1 + 3 * draw(seed, key, step, 6)),
    total_mem_usage: cents(host * (0.45 + 0.1 * draw(seed, key, step, 7))),
    agent_mem_usage: cents(150 + 50 * draw(seed, key, step, 8)),
    total_disk_io: cents(data ? speed * (1.05 + 0.1 * draw(seed, key, step, 9)) : 2 * draw(seed, key, step, 9)),
    agent_disk_io: data ? speed : 0,
    agent_time: new Date(to).toISOString(),
  };
  return { report, cursor: next, finished: progress >= 100, failed };
}

/**
 * Where a subtask stands when the simulation takes it up at its stored progress (a resume, or a subtask an agent
 * left): that share of its bytes or of its duration.
 */
export function cursorAt(name: string, progress: number, totalBytes: number, profile: Profile): Cursor {
  const share = Math.max(0, Math.min(100, progress)) / 100;
  if (isDataSubtask(name)) return { name, elapsedMs: 0, bytes: Math.floor(totalBytes * share) };
  return { name, elapsedMs: Math.floor(subtaskDurationMs(name, profile) * share), bytes: 0 };
}

/** Seconds a subtask takes from scratch at the profile's link speed (for remain_time). */
export function plannedSeconds(name: string, totalBytes: number, profile: Profile): number {
  if (!isDataSubtask(name)) return subtaskDurationMs(name, profile) / 1000;
  return totalBytes / (Math.max(1, profile.throughput_mbps) * BYTES_PER_MBIT);
}

/** The progress a position in a subtask shows (what its samples report). */
export function progressOf(cursor: Cursor, totalBytes: number, profile: Profile): number {
  if (isDataSubtask(cursor.name)) {
    if (cursor.bytes >= totalBytes) return 100;
    return Math.floor((cursor.bytes / totalBytes) * 100);
  }
  const duration = subtaskDurationMs(cursor.name, profile);
  return cursor.elapsedMs >= duration ? 100 : Math.floor((cursor.elapsedMs / duration) * 100);
}
