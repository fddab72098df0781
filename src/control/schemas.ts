// Schemas of the mock's own API under /_mock: journal, fault rules, clock, health. Each schema that code also holds
// as a value is declared with its Static type under the same name: the wire shape and the TypeScript type cannot drift.
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../schemas/types.js';

const JournalFilters = {
  method: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'HTTP method, e.g. PUT.' })),
  operation: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Operation name, e.g. UpdateTaskSpeed.' }),
  ),
  resource_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: "Value of the path parameter naming the operation's resource (task_id, source_id, ...).",
    }),
  ),
  task_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Task id from the path: matches only operations whose resource is a task.',
    }),
  ),
  status: Type.Optional(
    Type.String({ pattern: '^[1-5](\\d\\d|xx)$', description: 'Answer status, exact (404) or a class (4xx).' }),
  ),
  since: Type.Optional(
    Type.String({ format: 'date-time', description: 'Only requests answered at or after this time (mock clock).' }),
  ),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'Only requests with a larger seq.' })),
};

export const JournalQuery = Type.Object(
  {
    ...JournalFilters,
    count: Type.Optional(Type.Boolean({ description: 'Answer only the number of matching requests.' })),
    last: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'Only the newest N matching requests (still oldest first); with count, how many of them.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type JournalQuery = Static<typeof JournalQuery>;

export const WaitQuery = Type.Object(
  {
    ...JournalFilters,
    count: Type.Integer({ minimum: 1, maximum: 100_000, default: 1, description: 'How many requests to wait for.' }),
    timeout_ms: Type.Integer({
      minimum: 0,
      maximum: 300_000,
      default: 5000,
      description: 'Give up after this long (408).',
    }),
  },
  { additionalProperties: false },
);
export type WaitQuery = Static<typeof WaitQuery>;

export const FaultMark = Type.Object(
  { rule: Type.String({ description: 'Id of the rule.' }), effect: Type.String() },
  { description: 'The fault rule that fired on the request.' },
);
export type FaultMark = Static<typeof FaultMark>;

export const JournalEntry = Type.Object({
  seq: Type.Integer({ description: 'Increases by one per recorded request.' }),
  time: Type.String({ format: 'date-time', description: 'When the request was answered (mock clock).' }),
  method: Type.String(),
  path: Type.String(),
  query: Type.Union([Type.String(), Type.Null()], { description: 'Raw query string.' }),
  operation: Type.Union([Type.String(), Type.Null()], { description: 'Null for paths no operation serves.' }),
  resource_id: Type.Union([Type.String(), Type.Null()], {
    description:
      "Value of the path parameter naming the operation's resource (task_id, ...); null for a path no operation serves or an operation without one.",
  }),
  task_id: Type.Union([Type.String(), Type.Null()], {
    description: 'The same value when that parameter is task_id; null otherwise.',
  }),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'Null when a fault left it unanswered.' }),
  request_id: Type.String(),
  duration_ms: Type.Number(),
  headers: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
    description: 'Credentials show as REDACTED.',
  }),
  body: Type.Unknown({ description: 'Parsed JSON, or text, or null.' }),
  body_truncated: Type.Boolean({ description: 'Bodies over 64 KiB are kept cut (as text).' }),
  fault: Type.Union([FaultMark, Type.Null()]),
});
export type JournalEntry = Static<typeof JournalEntry>;

export const JournalResponse = Type.Object({
  count: Type.Integer(),
  requests: Type.Optional(Type.Array(JournalEntry, { description: 'Oldest first; left out in count mode.' })),
});

export const WaitTimeoutResponse = Type.Object({
  error_code: Type.String(),
  error_msg: Type.String(),
  count: Type.Integer({ description: 'Matching requests that did arrive.' }),
});

const PRESETS = ['forbidden', 'throttled', 'internal', 'unavailable'] as const;
export type ErrorPreset = (typeof PRESETS)[number];
const EFFECTS = ['error', 'latency', 'drop', 'empty'] as const;
export type FaultEffectType = (typeof EFFECTS)[number];

export const FaultEffect = Type.Object(
  {
    type: StringEnum(EFFECTS, {
      description:
        'error: answer with an error; latency: delay, then go on; drop: reset the connection; empty: close it unanswered.',
    }),
    preset: Type.Optional(
      StringEnum(PRESETS, {
        description:
          'forbidden: 403 SMS.9004; throttled: 429 APIGW.0308 with Retry-After 1; internal: 500 SMS.2007; unavailable: 503 APIGW.0201 with Retry-After 5.',
      }),
    ),
    status: Type.Optional(
      Type.Integer({ minimum: 400, maximum: 599, description: 'Error status (overrides preset).' }),
    ),
    error_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    error_msg: Type.Optional(Type.String({ maxLength: 1024 })),
    retry_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'Retry-After, seconds.' })),
    latency_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 120_000, description: 'Delay before the effect, or the lower bound.' }),
    ),
    latency_max_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 120_000, description: 'Upper bound: the delay is drawn uniformly.' }),
    ),
  },
  { additionalProperties: false },
);
export type FaultEffect = Static<typeof FaultEffect>;

const FaultRuleFields = {
  operation: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Operation name to match.' })),
  method: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  path: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: '^/',
      description: 'Path to match; * or {name} stands for one segment.',
    }),
  ),
  resource_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: "Value of the path parameter naming the operation's resource (task_id, source_id, ...) to match.",
    }),
  ),
  task_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Task id to match: only operations whose resource is a task match.',
    }),
  ),
  // Counts stay plain numbers: a bound past 2^53 would reach the rule as a bigint no count can be compared with.
  first: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Fire on the first N matches only.' }),
  ),
  every_nth: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Fire on every Nth match.' }),
  ),
  probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Fire with this probability.' })),
  seed: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Seed for probability: same seed, same firings.' }),
  ),
  effect: FaultEffect,
};

export const FaultRuleInput = Type.Object(FaultRuleFields, { additionalProperties: false });
export type FaultRuleInput = Static<typeof FaultRuleInput>;

export const FaultRule = Type.Object({
  id: Type.String(),
  ...FaultRuleFields,
  matched: Type.Integer({ description: 'Requests that matched the conditions.' }),
  fired: Type.Integer({ description: 'Requests the rule was applied to.' }),
});
export type FaultRule = Static<typeof FaultRule>;

export const FaultList = Type.Object({ faults: Type.Array(FaultRule) });

export const FaultIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const ClockState = Type.Object({
  now: Type.String({ format: 'date-time', description: "The clock's time, ISO 8601 in UTC." }),
  epoch_ms: Type.Integer({ description: 'The same time in milliseconds since the epoch.' }),
  frozen: Type.Boolean(),
  rate: Type.Number({
    description: 'How many times as fast as real time the clock runs while not frozen (1: real time).',
  }),
});
export type ClockState = Static<typeof ClockState>;

export const ClockUpdate = Type.Object(
  {
    time: Type.Optional(Type.String({ format: 'date-time', description: 'Set the clock to this time.' })),
    advance_ms: Type.Optional(
      Type.Integer({ minimum: -(2 ** 47), maximum: 2 ** 47, description: 'Move the clock by this much.' }),
    ),
    frozen: Type.Optional(Type.Boolean({ description: 'true: stand still; false: run.' })),
    rate: Type.Optional(
      Type.Number({
        minimum: 0.001,
        maximum: 1_000_000,
        description:
          'Run this many times as fast as real time (60: a minute a second; 1: real time; 0.5: half as fast).',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const StoreHealth = Type.Object(
  {
    ok: Type.Boolean({ description: 'Whether the database takes writes.' }),
    error: Type.Optional(Type.String({ description: 'Why it does not (disk full, file read-only or deleted, ...).' })),
  },
  { description: "The mock's database: the outcome of the last write, and whether its file is still in place." },
);

export const HealthResponse = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_ms: Type.Integer(),
  store: StoreHealth,
});

export const UnhealthyResponse = Type.Object(
  {
    error_code: Type.String({ description: 'MOCK.0503' }),
    error_msg: Type.String(),
    status: Type.Literal('unhealthy'),
    version: Type.String(),
    uptime_ms: Type.Integer(),
    store: StoreHealth,
  },
  { description: 'The server answers, but its database cannot be written: every write gets 503 MOCK.0503.' },
);
