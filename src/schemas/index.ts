// The schemas the server uses: the generated ones from the doc tables, and a few of the mock's own built from them.
import { type TSchema, Type } from '@sinclair/typebox';
import { publishSchemaEvent } from '../lib/precompiled.js';
import { lazySerializer } from '../lib/serialization.js';
import { ShowTaskResponse, UpdateTaskBody } from './generated/sms-v3.js';
import { Double, Int32, Int64, Nullable } from './types.js';

export * from './generated/operations.js';
export * from './generated/sms-v3.js';

/** The error body of SMS (`error_code`, `error_msg`) and of the gateway (which adds `request_id`). */
export const ErrorResponse = Type.Object(
  {
    error_code: Type.String({ description: 'Vendor error code, e.g. SMS.2001 or APIGW.0301.' }),
    error_msg: Type.String({ description: 'What went wrong.' }),
    request_id: Type.Optional(Type.String({ description: 'Request id (gateway errors only).' })),
  },
  { description: 'Error.' },
);

type JsonSchema = Record<string | symbol, unknown>;

/**
 * A deep copy of a schema with no `required` lists (every field may be left out) whose objects refuse fields they do
 * not list, so a misspelt key is an error rather than silently dropped; an object that says otherwise stays open.
 * Keeps TypeBox's symbol keys. The mock's document shapes (tasks, source servers) are built with it.
 */
export function asDocument<T extends TSchema>(schema: T): T {
  const copy = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(copy);
    if (node === null || typeof node !== 'object') return node;
    const out: JsonSchema = {};
    for (const key of Reflect.ownKeys(node)) {
      if (key === 'required') continue;
      out[key] = copy((node as JsonSchema)[key]);
    }
    if (out.type === 'object' && out.properties !== undefined && !('additionalProperties' in out)) {
      out.additionalProperties = false;
    }
    return out;
  };
  return copy(schema) as T;
}

/**
 * The value cut to the schema: every property it declares, null where the value has none, at every depth (array
 * items by the schema's `items`). How the answers whose every field is present (ShowServer, ListServers, ListTasks'
 * items) are shaped.
 */
export function withNulls(schema: TSchema | JsonSchema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const items = (schema as JsonSchema).items as JsonSchema | undefined;
    return items ? value.map((item) => withNulls(items, item)) : value;
  }
  const properties = (schema as JsonSchema).properties as Record<string, JsonSchema> | undefined;
  if (!properties || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) out[name] = withNulls(property, record[name]);
  return out;
}

/**
 * A task as seeds and PUT /_mock/tasks/{id} give it: the ShowTask shape with every field optional (types, bounds and
 * enums still hold), plus the fields a task stores without showing them (UpdateTask's target_disk_ids, whether the
 * target was launched, the passphrase). The id may be left out where the path names it.
 */
export const TaskDocument = asDocument(
  Type.Object(
    {
      ...ShowTaskResponse.properties,
      exist_server: UpdateTaskBody.properties.exist_server,
      use_ipv6: UpdateTaskBody.properties.use_ipv6,
      use_public_ip: UpdateTaskBody.properties.use_public_ip,
      target_disk_ids: UpdateTaskBody.properties.target_disk_ids,
      launched: Nullable(Type.Boolean({ description: 'Whether the target was launched (test or cutover) in sync.' })),
      passphrase: Nullable(Type.String({ maxLength: 255, description: "The task's passphrase (ShowPassphrase)." })),
    },
    { description: 'A migration task in the ShowTask shape, every field optional.' },
  ),
);

/** A seed file's task: a TaskDocument whose id is required. */
export const SeedTask = Type.Unsafe<Record<string, unknown> & { id: string }>({
  ...TaskDocument,
  required: ['id'],
});

export const ProgressSample = Type.Object(
  {
    subtask_name: Type.String({ description: 'Subtask the report was for.' }),
    progress: Int32({ description: 'Reported progress, percent.' }),
    replicatesize: Int64({ description: 'Bytes replicated so far.' }),
    totalsize: Int64({ description: 'Bytes to replicate in all.' }),
    process_trace: Type.String({ description: 'Reported trace text.' }),
    migrate_speed: Nullable(Double({ description: 'Reported speed, Mbit/s.' })),
    compress_rate: Nullable(Double({ description: 'Reported compression rate.' })),
    remain_time: Nullable(Int64({ description: 'Reported remaining seconds.' })),
    total_cpu_usage: Nullable(Double({ description: 'Host CPU usage, percent.' })),
    agent_cpu_usage: Nullable(Double({ description: 'Agent CPU usage, percent.' })),
    total_mem_usage: Nullable(Double({ description: 'Host memory use, MB.' })),
    agent_mem_usage: Nullable(Double({ description: 'Agent memory use, MB.' })),
    total_disk_io: Nullable(Double({ description: 'Host disk I/O, MB/s.' })),
    agent_disk_io: Nullable(Double({ description: 'Agent disk I/O, MB/s.' })),
    need_migration_test: Nullable(Type.Boolean({ description: 'Whether a migration drill was requested.' })),
    agent_time: Nullable(Type.String({ description: "The agent's clock at the report." })),
    received_at: Int64({ description: 'When the server received the report, epoch ms.' }),
  },
  { description: 'One stored progress report.' },
);

export const ProgressSamplesResponse = Type.Object({
  samples: Type.Array(ProgressSample),
  next_offset: Type.Optional(
    Type.Integer({ description: 'Where the next page starts, when this one is full and more may follow.' }),
  ),
});

/** Gives every property the schema declares a value, null where the data has none, at every depth. */
function fillNulls(schema: JsonSchema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const items = schema.items as JsonSchema | undefined;
    return items ? value.map((item) => fillNulls(items, item)) : value;
  }
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) out[name] = fillNulls(property, record[name]);
  return out;
}

/**
 * Serializes a stored task to its ShowTask body: every field of the schema, in its order, null where unset. The
 * serializer is made on the first task rendered, not when the renderer is.
 */
export function createTaskRenderer(): (task: object) => string {
  publishSchemaEvent({ event: 'declared', kind: 'serializer', schema: ShowTaskResponse, use: 'ShowTask body' });
  const serialize = lazySerializer(ShowTaskResponse, 'ShowTask body');
  const schema = ShowTaskResponse as unknown as JsonSchema;
  return (task) => serialize(fillNulls(schema, task));
}
