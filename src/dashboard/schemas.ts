// Schemas of the dashboard's read routes under /_mock/ui/api: the shapes read-models.ts answers in, checked by the
// compiler against its interfaces (the `satisfies` lines below) and documented in the OpenAPI document.
import { type Static, Type } from '@sinclair/typebox';
import { CLOCK_MAX } from '../lib/clock.js';
import { Nullable, StringEnum } from '../schemas/types.js';
import { TASK_STATES } from '../sms/tasks/state-machine.js';
import type { Board, BoardRow, Meta, Series, SourceRow, TaskView } from './model.js';

const Ms = (description: string) =>
  Nullable(Type.Number({ description: `${description} (ms since the epoch, mock clock).` }));
const Text = (description?: string) => Nullable(Type.String(description ? { description } : {}));
const Figure = (description?: string) => Nullable(Type.Number(description ? { description } : {}));

/** The routes that take no query say so when given one, as the others refuse what they do not know. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

export const BoardQuery = Type.Object(
  {
    state: Type.Optional(StringEnum(TASK_STATES, { description: 'Only tasks in this state.' })),
    name: Type.Optional(Type.String({ maxLength: 255, description: "Part of the task's name or id, any case." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'Rows at most (default 500).' })),
  },
  { additionalProperties: false },
);

const BoardRowSchema = Type.Object({
  id: Type.String(),
  name: Text(),
  state: Text(),
  type: Text(),
  os_type: Text(),
  progress: Type.Number({ description: 'Percent: done subtasks whole, the running one by its progress.' }),
  subtasks: Type.Integer(),
  subtasks_done: Type.Integer(),
  current_subtask: Text('The first subtask below 100.'),
  current_progress: Figure(),
  replicated_bytes: Figure('From the last progress report.'),
  total_bytes: Figure('From the last progress report.'),
  migrate_speed: Figure('Mbit/s.'),
  speed_limit: Figure('Mbit/s; 0 or null: none.'),
  remain_seconds: Figure(),
  source_id: Text(),
  source_name: Text(),
  create_date: Ms('Created'),
  start_date: Ms('Started'),
  finish_date: Ms('Finished'),
  simulation: Text('running, idle, agent, manual; null when the simulated agent never saw the task.'),
});

export const BoardResponse = Type.Object({
  count: Type.Integer({ description: 'Tasks matching the filters (the rows stop at the limit).' }),
  tasks: Type.Array(BoardRowSchema, { description: 'Newest first.' }),
});

const SUBTASK_STATUSES = ['planned', 'running', 'paused', 'done', 'failed'] as const;

export const TaskViewResponse = Type.Object({
  task: Type.Intersect([
    BoardRowSchema,
    Type.Object({
      error_json: Text(),
      target_name: Text(),
      total_time: Figure(),
      samples: Type.Integer({ description: 'Progress reports stored.' }),
      first_sample_at: Ms('First report'),
      last_sample_at: Ms('Last report'),
    }),
  ]),
  subtasks: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Text(),
      progress: Type.Integer(),
      status: StringEnum(SUBTASK_STATUSES),
      start_date: Ms('Started'),
      end_date: Ms('Ended'),
      process_trace: Text(),
    }),
  ),
  speed_limits: Type.Array(
    Type.Object({ start_time: Type.String(), end_time: Type.String(), speed: Figure('Mbit/s.') }),
    { description: 'The time-of-day rules (UTC).' },
  ),
});

export const TaskParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 255 }) });

export const SeriesQuery = Type.Object(
  {
    from: Type.Optional(
      Type.Integer({ minimum: 0, maximum: CLOCK_MAX, description: 'Only samples at or after (ms, mock clock).' }),
    ),
    to: Type.Optional(
      Type.Integer({ minimum: 0, maximum: CLOCK_MAX, description: 'Only samples at or before (ms, mock clock).' }),
    ),
    points: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 5000, description: 'Points at most; more samples are bucketed (1200).' }),
    ),
  },
  { additionalProperties: false },
);

const Column = (description: string) => Type.Array(Figure(), { description });

export const SeriesResponse = Type.Object({
  task_id: Type.String(),
  from: Ms('Range start'),
  to: Ms('Range end'),
  bucket_ms: Type.Integer({ description: '0: one point per sample; else the width each point stands for.' }),
  samples: Type.Integer({ description: 'Samples in the range.' }),
  t: Type.Array(Type.Number(), { description: "Each point's time (ms, mock clock): a bucket's last sample." }),
  replicated: Column('replicatesize, bytes (at the bucket end).'),
  total: Column('totalsize, bytes.'),
  speed: Column('migrate_speed, Mbit/s (bucket average).'),
  speed_max: Column('migrate_speed, Mbit/s (bucket peak).'),
  limit: Column("The lowest speed limit in force at the point's time, Mbit/s (task limit and today's rules)."),
  cpu: Column('total_cpu_usage, %.'),
  agent_cpu: Column('agent_cpu_usage, %.'),
  mem: Column('total_mem_usage, %.'),
  agent_mem: Column('agent_mem_usage, %.'),
  disk: Column('total_disk_io.'),
  agent_disk: Column('agent_disk_io.'),
});

export const SourcesResponse = Type.Object({
  count: Type.Integer(),
  sources: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Text(),
      ip: Text(),
      os_type: Text(),
      os_version: Text(),
      state: Text(),
      connected: Nullable(Type.Boolean()),
      agent_version: Text(),
      last_visit_time: Ms('Agent last heard from'),
      checks: Type.Array(Type.Object({ name: Text(), result: Text(), error_code: Text() })),
      current_task: Nullable(Type.Object({ id: Text(), name: Text(), state: Text() })),
    }),
  ),
});

export const MetaResponse = Type.Object({
  version: Type.String(),
  operations: Type.Array(Type.String(), { description: 'Operation names the journal and fault rules know.' }),
  task_states: Type.Array(Type.String()),
  task_actions: Type.Array(Type.String()),
  fault_presets: Type.Array(Type.String()),
  fault_effects: Type.Array(Type.String()),
  simulation_profiles: Type.Array(Type.String()),
});

// The compiler checks the read models' types against the schemas: a field added to one and not the other fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
true satisfies Same<Static<typeof BoardRowSchema>, BoardRow>;
true satisfies Same<Static<typeof BoardResponse>, Board>;
true satisfies Same<Static<typeof SeriesResponse>, Series>;
true satisfies Same<Static<typeof SourcesResponse>['sources'][number], SourceRow>;
true satisfies Same<Static<typeof TaskViewResponse>['subtasks'][number], TaskView['subtasks'][number]>;
true satisfies Same<Static<typeof MetaResponse>, Meta>;
