// Random and hostile input never gets a 500, never crashes the server, and never changes stored data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { api, buildTestApp, rowCount, sampleTask, type TestApp } from '../helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
});
afterAll(() => t.close());

/** A small deterministic generator, so a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = [
  'subtask_name',
  'progress',
  'replicatesize',
  'totalsize',
  'process_trace',
  'migrate_speed',
  'name',
  'speed_limit',
  'migration_ip',
  'use_ipv6',
  'target_server',
  'source_server',
  'sub_tasks',
  'state',
  'clone_server',
  '__proto__',
];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * 12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.floor(next() * 200) - 50;
    case 3:
      return next() * 1e6;
    case 4:
      return '9223372036854775807';
    case 5:
      return 'x'.repeat(Math.floor(next() * 3000));
    case 6:
      return 'MIGRATE_LINUX_BLOCK';
    case 7:
      return depth > 2 ? [] : [randomValue(next, depth + 1), randomValue(next, depth + 1)];
    case 8:
      return depth > 2 ? {} : randomObject(next, depth + 1);
    case 9:
      return -1;
    case 10:
      return '::1';
    default:
      return '';
  }
}

function randomObject(next: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const count = Math.floor(next() * 6);
  for (let i = 0; i < count; i++) out[FIELDS[Math.floor(next() * FIELDS.length)] ?? 'x'] = randomValue(next, depth);
  return out;
}

describe('robustness', () => {
  it('answers 300 random bodies on every write route without a 5xx, keeping stored data intact', async () => {
    const next = prng(20261124);
    const before = t.db.prepare('SELECT * FROM tasks').all();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const url = next() < 0.5 ? '/v3/tasks/task-1/progress' : '/v3/tasks/task-1';
      let payload = JSON.stringify(next() < 0.8 ? randomObject(next) : randomValue(next, 0));
      // Some bodies become unparseable or oversized integers.
      if (next() < 0.1) payload = payload.slice(0, Math.floor(payload.length / 2));
      if (next() < 0.1) payload = payload.replace(/\d+/, '99999999999999999999999');
      const response = await api(t.app, {
        method: 'PUT',
        url,
        payload,
        headers: { 'content-type': 'application/json' },
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json();
      if (response.statusCode >= 400) expect(Object.keys(body).slice(0, 2)).toEqual(['error_code', 'error_msg']);
      // Whatever got through was valid: the task must still render.
      expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).statusCode).toBe(200);
    }
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
    // Only accepted requests changed anything; rejected ones stored nothing (no samples without a 200).
    const accepted = rowCount(t.db, 'progress_samples');
    expect(accepted).toBeLessThanOrEqual(statuses.get(200) ?? 0);
    expect(before).toHaveLength(1);
  });

  it('survives paths and headers that are odd', async () => {
    for (const url of ['/v3/tasks/%', '/v3/tasks/%E0%A4%A', '/v3/tasks/a%00b', '/v3//tasks', '/v3/tasks/x?y=%zz']) {
      const response = await api(t.app, { method: 'GET', url });
      expect(response.statusCode).toBeLessThan(500);
    }
    const weird = await api(t.app, {
      method: 'GET',
      url: '/v3/tasks/task-1',
      headers: { authorization: 'SDK-HMAC-SHA256' },
    });
    expect(weird.statusCode).toBe(200);
  });
});

describe('body limit', () => {
  it('refuses to build an app whose body limit a string could not hold (the parser would fail with a 500)', async () => {
    const db = openDatabase({ path: ':memory:' });
    try {
      const config = { autoCreate: false, credentials: new Map<string, string>() };
      await expect(buildApp({ config: { ...config, bodyLimit: 600 * 1024 * 1024 }, db })).rejects.toThrow(
        'bodyLimit must be an integer from 1 to 268435456 (256 MiB), got 629145600',
      );
      await expect(buildApp({ config: { ...config, bodyLimit: 0 }, db })).rejects.toThrow(RangeError);
    } finally {
      db.close();
    }
  });
});
