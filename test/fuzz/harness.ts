// What every fuzz property shares: the seed and run count (FUZZ_SEED, FUZZ_RUNS), a test app put back to the same
// seeded state before each run, a snapshot of everything the server stores, and the checks every answer must pass.
import type { Parameters as FuzzParameters } from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { parseJson, standInInt64 } from '../../src/lib/json.js';
import { createChecker } from '../../src/lib/validation.js';
import { ShowTaskResponse } from '../../src/schemas/index.js';
import { buildTestApp, dbSnapshot, sampleTask, type TaskFixture, type TestApp } from '../helpers.js';

/** Fixed unless FUZZ_SEED says otherwise: a failure in CI replays on any machine. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261125);

/** Runs per property: the default keeps the suite fast; FUZZ_RUNS sets every property's count for a long run. */
export function fuzzRuns(defaultRuns: number): number {
  const runs = Number(process.env.FUZZ_RUNS ?? defaultRuns);
  return Number.isInteger(runs) && runs > 0 ? runs : defaultRuns;
}

export function fuzzParameters<T>(defaultRuns: number): FuzzParameters<T> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(defaultRuns) };
}

/** A vitest timeout for a property: generous per run, so a long FUZZ_RUNS run is not cut short. */
export function fuzzTimeout(defaultRuns: number, msPerRun = 50): number {
  return 20_000 + fuzzRuns(defaultRuns) * msPerRun;
}

/** Ids of the tasks every run starts with. */
export const TASK_IDS = ['task-1', 'task-2', 'task-big'] as const;

/** The tasks every run starts with: two ordinary ones and one holding int64 values beyond 2^53. */
export function seedTasks(): TaskFixture[] {
  const big = sampleTask('task-big');
  big.create_date = 9223372036854775807n;
  big.remain_seconds = 9007199254740993n;
  big.sub_tasks = [{ id: 9007199254740993n, name: 'MIGRATE_LINUX_BLOCK', progress: 50 }];
  return [sampleTask('task-1'), sampleTask('task-2'), big];
}

/** Ids of the source servers every run starts with: no seeded task names them (the tasks name src-1, unregistered), so tasks show what UpdateTask gave them. */
export const SOURCE_IDS = ['src-2', 'src-free'] as const;

/** The source servers every run starts with, in the ShowServer shape. */
export function seedSources(): ({ id: string } & Record<string, unknown>)[] {
  const source = (id: string, name: string) => ({
    id,
    name,
    ip: '10.0.0.5',
    os_type: 'LINUX',
    os_version: 'CENTOS_7_9_64BIT',
    agent_version: '25.2.0',
    memory: 4018196480,
    disks: [{ name: '/dev/vda', device_use: 'BOOT', size: 42949672960, used_size: 10737418240 }],
    networks: [{ name: 'eth0', ip: '10.0.0.5', mac: 'fa:16:3e:00:00:01' }],
  });
  return [source('src-2', 'web-01'), source('src-free', 'web-02')];
}

export interface FuzzApp extends TestApp {
  /** Back to the seeded state: tasks, journal, fault rules and clock. */
  restore(): Promise<void>;
}

export async function buildFuzzApp(config: Parameters<typeof buildTestApp>[0] = {}): Promise<FuzzApp> {
  // The seed is put back by every reset.
  const t = await buildTestApp(config, undefined, { seed: seedTasks(), seedSources: seedSources() });
  return { ...t, restore: () => t.core.reset() };
}

/** Everything a request could change: the database, the fault rules and the clock. */
export function stateSnapshot(t: TestApp): unknown {
  return {
    db: dbSnapshot(t.db),
    faults: structuredClone(t.core.faults.list()),
    clock: t.core.clock.state(),
  };
}

export function describeResponse(response: LightMyRequestResponse): string {
  const body = response.body.length > 600 ? `${response.body.slice(0, 600)}...` : response.body;
  return `${response.statusCode} ${body}`;
}

/**
 * What every answer must be: below 500, with an X-Request-Id; an error is JSON in the vendor shape, gateway errors
 * carrying the same request id in the body.
 */
export function expectSound(response: LightMyRequestResponse, method = 'GET'): void {
  const what = describeResponse(response);
  expect(response.statusCode, what).toBeLessThan(500);
  expectShape(response, method);
}

/** The shape checks alone, for answers that may be 5xx on purpose (fault rules). */
export function expectShape(response: LightMyRequestResponse, method = 'GET'): void {
  const what = describeResponse(response);
  const requestId = response.headers['x-request-id'];
  expect(typeof requestId === 'string' && requestId.length > 0, `x-request-id missing: ${what}`).toBe(true);
  if (response.statusCode < 400 || method === 'HEAD') return;
  expect(response.headers['content-type'], what).toMatch(/^application\/json/);
  let body: Record<string, unknown> = {};
  expect(() => {
    body = JSON.parse(response.body);
  }, what).not.toThrow();
  expect(typeof body.error_code, what).toBe('string');
  expect(typeof body.error_msg, what).toBe('string');
  if (String(body.error_code).startsWith('APIGW.')) expect(body.request_id, what).toBe(requestId);
}

/** Sends a request and checks its answer: sound, and when refused, nothing stored or changed. */
export async function injectChecked(t: TestApp, options: InjectOptions): Promise<LightMyRequestResponse> {
  const before = stateSnapshot(t);
  const response = await t.app.inject(options);
  expectSound(response, String(options.method ?? 'GET'));
  if (response.statusCode >= 400) {
    expect(stateSnapshot(t), `a refused request changed state: ${describeResponse(response)}`).toEqual(before);
  }
  return response;
}

const checkShowTask = createChecker(ShowTaskResponse, 'ShowTask');

/** A ShowTask body parses (int64 exact) and holds to the ShowTask schema; answers the parsed body. */
export function expectShowTaskBody(text: string): Record<string, unknown> {
  let parsed: unknown;
  expect(
    () => {
      parsed = parseJson(text);
    },
    text.slice(0, 600),
  ).not.toThrow();
  const body = parsed as Record<string, unknown>;
  // The checker cannot read bigint: judge stand-ins, then look at the real values again.
  const judged = parseJson(text);
  standInInt64(judged);
  expect(checkShowTask(judged), text.slice(0, 2000)).toBeUndefined();
  return body;
}

export const JSON_HEADERS = { 'content-type': 'application/json', 'x-auth-token': 'fuzz' };
