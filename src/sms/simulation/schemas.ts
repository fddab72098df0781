// The simulated agent's profile as the control API, startMock(), the --simulation flag and the seed file take it and
// as they show it. One schema, one checker: every way in refuses the same input with the same sentence.
import { type Static, Type } from '@sinclair/typebox';
import { createChecker } from '../../lib/validation.js';
import { StringEnum } from '../../schemas/types.js';
import { CONSISTENCY_CHECK, SUBTASK_NAMES } from '../tasks/plans.js';
import { PRESETS, type ProfileInput as ProfileInputType } from './profiles.js';

const Figures = {
  // Above 0: a link that moves nothing would write samples for ever.
  throughput_mbps: Type.Number({ minimum: 0.1, maximum: 100_000, description: "The link's throughput, Mbit/s." }),
  jitter: Type.Number({
    minimum: 0,
    maximum: 1,
    description: 'How far a sample strays from it, each way (0.1: ±10 %).',
  }),
  drop_probability: Type.Number({ minimum: 0, maximum: 1, description: "Chance that a sample's throughput drops." }),
  drop_to: Type.Number({ minimum: 0.05, maximum: 1, description: 'The most a drop leaves of the throughput.' }),
  stall_probability: Type.Number({ minimum: 0, maximum: 0.9, description: 'Chance that a sample moves nothing.' }),
  sample_interval_s: Type.Number({
    minimum: 1,
    maximum: 60,
    description: 'Seconds of mock time between two samples (a speed-limit period is never shorter than a minute).',
  }),
  duration_scale: Type.Number({
    minimum: 0.001,
    maximum: 1000,
    description: 'Multiplies how long the subtasks that copy no data take.',
  }),
  seed: Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: "Seeds the samples' random draws." }),
};

const FailureFields = {
  subtask: StringEnum([...SUBTASK_NAMES, CONSISTENCY_CHECK, 'data'], {
    description: 'The subtask that fails, or `data` for the first data subtask (MIGRATE_*, SYNC_*).',
  }),
  percent: Type.Integer({ minimum: 0, maximum: 99, description: 'The progress it stands frozen at.' }),
  error_code: Type.String({ pattern: '^SMS\\.\\d{4}$', description: 'The error code error_json carries.' }),
  error_param: Type.String({
    maxLength: 1024,
    pattern: '^\\[[\\s\\S]*\\]$',
    description: "error_json's error_param: a JSON array as text, as the real service writes it.",
  }),
};

export const SimulationProfileInput = Type.Object(
  {
    profile: StringEnum(PRESETS, {
      description: 'The preset the profile starts from: lan, wan, flaky, fail or manual.',
    }),
    ...Object.fromEntries(Object.entries(Figures).map(([name, schema]) => [name, Type.Optional(schema)])),
    fail: Type.Optional(
      Type.Union([
        Type.Object(
          Object.fromEntries(Object.entries(FailureFields).map(([name, schema]) => [name, Type.Optional(schema)])),
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const SimulationProfile = Type.Object({
  profile: Type.String(),
  ...Figures,
  fail: Type.Union([Type.Object({ ...FailureFields, subtask: Type.String() }), Type.Null()]),
});
export type SimulationProfile = Static<typeof SimulationProfile>;

export const SimulationDefault = Type.Object({
  default: SimulationProfile,
  presets: Type.Record(Type.String(), SimulationProfile),
});

export const SimulationStatus = Type.Object({
  task_id: Type.String(),
  status: Type.String({ description: 'running, idle (not migrating), agent (a real agent took over) or manual.' }),
  profile: SimulationProfile,
  own_profile: Type.Boolean({ description: "Whether the profile is the task's own rather than the default." }),
  next_sample_at: Type.Union([Type.String(), Type.Null()]),
  samples: Type.Integer({ description: 'Samples the simulation wrote for the task.' }),
  failed_at: Type.Union([Type.String(), Type.Null()]),
  handed_over_at: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()], {
    description: 'Why the simulation stopped working the task out, when an error stopped it.',
  }),
});

const check = createChecker(SimulationProfileInput, 'simulation');

/** The profile input, or the sentence that says what is wrong with it. */
export function checkProfileInput(value: unknown): { input: ProfileInputType } | { error: string } {
  const error = check(value);
  return error === undefined ? { input: value as ProfileInputType } : { error };
}

/** A profile given on the command line: a preset's name, or a JSON object as PUT /_mock/simulation takes it. */
export function parseProfileArgument(text: string): { input: ProfileInputType } | { error: string } {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return checkProfileInput({ profile: trimmed });
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { error: `simulation is not JSON: ${(error as Error).message}` };
  }
  return checkProfileInput(value);
}
