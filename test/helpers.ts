// Shared test setup: a fresh app on an in-memory database, a controllable clock, and request helpers.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { type AppConfig, buildApp } from '../src/app.js';
import type { Clock } from '../src/lib/clock.js';
import { type Db, openDatabase } from '../src/db/database.js';

export class TestClock implements Clock {
  constructor(public current = Date.UTC(2026, 10, 23, 5, 20, 57)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  clock: TestClock;
  close(): Promise<void>;
}

export async function buildTestApp(config: Partial<AppConfig> = {}, clock = new TestClock()): Promise<TestApp> {
  const db = openDatabase({ path: ':memory:' });
  const app = await buildApp({
    config: { autoCreate: false, bodyLimit: 1024 * 1024, credentials: new Map(), ...config },
    db,
    clock,
  });
  await app.ready();
  return {
    app,
    db,
    clock,
    async close() {
      await app.close();
      db.close();
    },
  };
}

export const TOKEN = { 'x-auth-token': 'test-token' };

/** A request to the emulated API with a token. */
export function api(app: FastifyInstance, options: InjectOptions) {
  return app.inject({ ...options, headers: { ...TOKEN, ...(options.headers ?? {}) } });
}

/** A small but complete task of our own, in the ShowTask shape. */
export function sampleTask(id = 'task-1'): Record<string, unknown> {
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

export function rowCount(db: Db, table: string): number {
  return db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
}
