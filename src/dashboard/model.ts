// The shapes the dashboard's read routes answer in, shared by the server (read-models.ts, checked against the route
// schemas in schemas.ts) and the page (ui/): types only, so the page's build takes nothing else along.
import type { ClockState } from '../control/schemas.js';

export type { ClockState };

/** A time-of-day speed-limit rule of a task (UTC "H:MM"), Mbit/s. */
export interface SpeedLimitRule {
  readonly start_time: string;
  readonly end_time: string;
  readonly speed: number | null;
}

export interface BoardRow {
  id: string;
  name: string | null;
  state: string | null;
  type: string | null;
  os_type: string | null;
  /** Percent, from the subtasks: each done one counts whole, the running one by its progress. */
  progress: number;
  subtasks: number;
  subtasks_done: number;
  current_subtask: string | null;
  current_progress: number | null;
  replicated_bytes: number | null;
  total_bytes: number | null;
  /** Mbit/s, as the task shows it. */
  migrate_speed: number | null;
  speed_limit: number | null;
  remain_seconds: number | null;
  source_id: string | null;
  source_name: string | null;
  create_date: number | null;
  start_date: number | null;
  finish_date: number | null;
  /** The simulated agent's part: running, idle, agent (a real one took over), manual; null when it never saw the task. */
  simulation: string | null;
}

export interface Board {
  count: number;
  tasks: BoardRow[];
}

export type SubtaskStatus = 'planned' | 'running' | 'paused' | 'done' | 'failed';

export interface TimelineStep {
  id: number;
  name: string | null;
  progress: number;
  status: SubtaskStatus;
  start_date: number | null;
  end_date: number | null;
  process_trace: string | null;
}

export interface TaskView {
  task: BoardRow & {
    error_json: string | null;
    target_name: string | null;
    total_time: number | null;
    samples: number;
    first_sample_at: number | null;
    last_sample_at: number | null;
  };
  subtasks: TimelineStep[];
  speed_limits: SpeedLimitRule[];
}

/** Chart series, column by column as uPlot draws them; `t` in ms of mock time. */
export interface Series {
  task_id: string;
  from: number | null;
  to: number | null;
  /** 0 when every sample in the range is a point of its own; otherwise the width of a point's bucket. */
  bucket_ms: number;
  /** Samples in the range (points may stand for several each). */
  samples: number;
  t: number[];
  replicated: (number | null)[];
  total: (number | null)[];
  speed: (number | null)[];
  speed_max: (number | null)[];
  limit: (number | null)[];
  cpu: (number | null)[];
  agent_cpu: (number | null)[];
  mem: (number | null)[];
  agent_mem: (number | null)[];
  disk: (number | null)[];
  agent_disk: (number | null)[];
}

export interface SourceRow {
  id: string;
  name: string | null;
  ip: string | null;
  os_type: string | null;
  os_version: string | null;
  state: string | null;
  connected: boolean | null;
  agent_version: string | null;
  last_visit_time: number | null;
  checks: { name: string | null; result: string | null; error_code: string | null }[];
  current_task: { id: string | null; name: string | null; state: string | null } | null;
}

/** The event stream's `hello` and `change` events. */
export interface ChangeEvent {
  readonly topics: readonly ('store' | 'journal' | 'faults' | 'clock')[];
  readonly clock: ClockState;
  /** The store's commit count: equal numbers, nothing stored changed. */
  readonly generation: number;
}

export interface Meta {
  version: string;
  operations: string[];
  task_states: string[];
  task_actions: string[];
  fault_presets: string[];
  fault_effects: string[];
  simulation_profiles: string[];
}
