// What the simulation tests share: a registered source server and its task started through the API, the samples the
// simulation stored, and a clock moved in steps with a read after each (as a polling client would).
import { expect } from 'vitest';
import { api, json, type ShowTaskBody, type TestApp } from '../../helpers.js';
import { type Body, linuxRegistration, register } from '../sources/fixtures.js';
import { createBody } from '../tasks/life-cycle-fixtures.js';

/** Bytes the registration's disk holds: 10 GiB. */
export const USED_BYTES = 10_737_418_240;

/** The plan of a Linux file-level task onto a new server (plans.ts). */
export const LINUX_FILE_PLAN = [
  'CREATE_CLOUD_SERVER',
  'SSL_CONFIG',
  'ATTACH_AGENT_IMAGE',
  'FORMAT_DISK_LINUX_FILE',
  'MIGRATE_LINUX_FILE',
  'CONFIGURE_LINUX_FILE',
  'DETTACH_AGENT_IMAGE',
];

export interface StoredSample {
  seq: number;
  received_at: number;
  subtask_name: string;
  progress: number;
  replicatesize: number;
  totalsize: number;
  process_trace: string;
  migrate_speed: number | null;
  compress_rate: number | null;
  remain_time: number | null;
  total_cpu_usage: number | null;
  agent_cpu_usage: number | null;
  total_mem_usage: number | null;
  agent_mem_usage: number | null;
  total_disk_io: number | null;
  agent_disk_io: number | null;
  need_migration_test: number | null;
  agent_time: string | null;
}

/** Registers a source server (a name of its own) and creates a READY task for it; answers both ids. */
export async function createTask(
  t: TestApp,
  { source = {}, task = {} }: { source?: Body; task?: Body } = {},
): Promise<{ id: string; sourceId: string }> {
  const sourceId = await register(t, linuxRegistration(source));
  const created = await api(t.app, { method: 'POST', url: '/v3/tasks', payload: createBody(sourceId, task) });
  expect(created.statusCode, created.body).toBe(200);
  return { id: json<{ id: string }>(created).id, sourceId };
}

export async function action(t: TestApp, id: string, operation: string): Promise<void> {
  const response = await api(t.app, { method: 'POST', url: `/v3/tasks/${id}/action`, payload: { operation } });
  expect([response.statusCode, response.body]).toEqual([200, '{}']);
}

/** Registers, creates and starts a task; answers its ids. */
export async function startedTask(
  t: TestApp,
  given: { source?: Body; task?: Body } = {},
): Promise<{ id: string; sourceId: string }> {
  const ids = await createTask(t, given);
  await action(t, ids.id, 'start');
  return ids;
}

export async function showTask(t: TestApp, id: string): Promise<ShowTaskBody & Record<string, unknown>> {
  const response = await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` });
  expect(response.statusCode, response.body).toBe(200);
  return json(response);
}

/** Moves the mock clock by `total` ms in steps of `step`, reading the task after each (a client polling). */
export async function poll(t: TestApp, id: string, total: number, step: number): Promise<ShowTaskBody[]> {
  const seen: ShowTaskBody[] = [];
  for (let moved = 0; moved < total; moved += step) {
    t.clock.advance(Math.min(step, total - moved));
    seen.push(await showTask(t, id));
  }
  return seen;
}

/** The samples stored for a task, in order. */
export function samplesOf(t: TestApp, id: string): StoredSample[] {
  return t.db
    .prepare(
      `SELECT seq, received_at, subtask_name, progress, replicatesize, totalsize, process_trace, migrate_speed,
         compress_rate, remain_time, total_cpu_usage, agent_cpu_usage, total_mem_usage, agent_mem_usage,
         total_disk_io, agent_disk_io, need_migration_test, agent_time
       FROM progress_samples WHERE task_id = ? ORDER BY seq`,
    )
    .all(id) as StoredSample[];
}

/** The samples without the task they belong to: what two runs must agree on. */
export function sampleText(samples: readonly StoredSample[]): string {
  return samples.map((sample) => JSON.stringify(sample)).join('\n');
}

/** The task's subtasks as stored: name, progress, start and end. */
export function subtasksOf(
  t: TestApp,
  id: string,
): { name: string; progress: number; start_date: number | null; end_date: number | null }[] {
  return t.db
    .prepare('SELECT name, progress, start_date, end_date FROM sub_tasks WHERE task_id = ? ORDER BY id')
    .all(id) as { name: string; progress: number; start_date: number | null; end_date: number | null }[];
}

export function simulationRow(t: TestApp, id: string): Record<string, unknown> | undefined {
  return t.db.prepare('SELECT * FROM simulations WHERE task_id = ?').get(id) as Record<string, unknown> | undefined;
}

export async function setClock(t: TestApp, body: Record<string, unknown>): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: '/_mock/clock', payload: body });
  expect(response.statusCode, response.body).toBe(200);
}
