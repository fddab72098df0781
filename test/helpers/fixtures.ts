// What the tests send and read: a task and a progress report of our own, the credentials header, the vendor's doc page
// examples, the shapes of the answers, and what the database holds.
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Db } from '../../src/db/database.js';

/** A task in the ShowTask shape, with its id. */
export type TaskFixture = { id: string } & Record<string, unknown>;

export const TOKEN = { 'x-auth-token': 'test-token' };

/** A request to the emulated API with a token. */
export function api(app: FastifyInstance, options: InjectOptions) {
  return app.inject({ ...options, headers: { ...TOKEN, ...(options.headers ?? {}) } });
}

/** A small but complete task of our own, in the ShowTask shape. */
export function sampleTask(id = 'task-1'): TaskFixture {
  return {
    id,
    name: 'web-01',
    type: 'MIGRATE_BLOCK',
    os_type: 'LINUX',
    state: 'READY',
    create_date: 1700000000000,
    priority: 1,
    speed_limit: 0,
    start_target_server: true,
    region_id: 'region-a',
    region_name: 'Region A',
    project_id: 'p-1',
    project_name: 'proj',
    sub_tasks: [
      { id: 11, name: 'CREATE_CLOUD_SERVER', progress: 0, user_op: 'REPLICATE' },
      { id: 12, name: 'MIGRATE_LINUX_BLOCK', progress: 0, user_op: 'REPLICATE' },
    ],
    source_server: { id: 'src-1', ip: '10.0.0.5', name: 'web-01', os_type: 'LINUX', state: 'replicate' },
    target_server: {
      id: 'tgt-1',
      vm_id: 'vm-1',
      name: 'web-01-target',
      os_type: 'LINUX',
      disks: [{ id: 1, name: '/dev/vda', size: 42949672960, used_size: 1024, device_use: 'OS', os_disk: true }],
      volume_groups: [],
      btrfs_list: [],
    },
  };
}

/** The five fields an UpdateTaskSpeed body must hold. */
export interface ProgressReport {
  subtask_name: string;
  progress: number;
  replicatesize: number;
  totalsize: number;
  process_trace: string;
  [field: string]: unknown;
}

/** An agent's progress report on the second subtask of sampleTask(), with what a test changes in it. */
export function progressReport(changes: Partial<ProgressReport> = {}): ProgressReport {
  return {
    subtask_name: 'MIGRATE_LINUX_BLOCK',
    progress: 40,
    replicatesize: 4000,
    totalsize: 10000,
    process_trace: 'copying /dev/vda1',
    ...changes,
  };
}

export function rowCount(db: Db, table: string): number {
  return db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
}

/** Every row of every table, integers exact: compared before and after a request that must store nothing. */
export function dbSnapshot(db: Db): Record<string, unknown[]> {
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  // In storage order (rowid or primary key): the same rows read back in the same order.
  return Object.fromEntries(
    tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}"`).safeIntegers(true).all()]),
  );
}

/** The vendor's API reference pages, beside the project: tests of their examples are skipped without them. */
const DOCS = new URL('../../../shared/docs/sms-v3/', import.meta.url);

export function haveDocPage(page: string): boolean {
  return existsSync(new URL(page, DOCS));
}

/** The JSON example that follows `heading` (请求示例, 响应示例) on a doc page. */
export function docExample<T = Record<string, unknown>>(page: string, heading: string): T {
  const text = readFileSync(new URL(page, DOCS), 'utf8');
  const start = text.indexOf('\n{\n', text.indexOf(heading)) + 1;
  const end = text.indexOf('\n}\n', start) + 2;
  return JSON.parse(text.slice(start, end)) as T;
}

/** An answer's body as the type a test expects it to have. */
export function json<T>(response: { body: string }): T {
  return JSON.parse(response.body) as T;
}

/** The vendor's error shape; the gateway's errors also carry the request id. */
export interface ErrorBody {
  error_code: string;
  error_msg: string;
  request_id?: string;
}

export interface SubTaskBody {
  id: number;
  name: string | null;
  progress: number | null;
  start_date: number | null;
  end_date: number | null;
  migrate_speed: number | null;
  user_op: string | null;
  process_trace: string | null;
}

/** What ShowTask answers: the fields tests read by name, the others as they come. */
export interface ShowTaskBody {
  id: string;
  name: string | null;
  state: string | null;
  create_date: number | null;
  start_date: number | null;
  sub_tasks: SubTaskBody[];
  target_server: { disks: { physical_volumes: unknown[] | null }[] } & Record<string, unknown>;
  [field: string]: unknown;
}

export interface SampleBody extends ProgressReport {
  received_at: number;
}

export interface JournalEntryBody {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: string | null;
  operation: string | null;
  task_id: string | null;
  status: number | null;
  request_id: string;
  duration_ms: number;
  headers: Record<string, string>;
  body: unknown;
  body_truncated: boolean;
  fault: { rule: string; effect: string } | null;
}

export interface JournalBody {
  count: number;
  requests: JournalEntryBody[];
}
