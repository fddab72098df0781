// Random and hostile input never gets a 500, never crashes the server, and a refused request never changes stored
// data.
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { api, dbSnapshot, type ErrorBody, json, sampleTask, useTestApp } from '../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1')] });

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

/** A field and value each route refuses whatever else the body holds. */
const REFUSED: Record<string, [string, unknown, string][]> = {
  // A report lacking a required field.
  '/v3/tasks/task-1/progress': [
    ['subtask_name', undefined, 'subtask_name is required'],
    ['progress', undefined, 'progress is required'],
    ['totalsize', undefined, 'totalsize is required'],
  ],
  // A value neither UpdateTask body model takes.
  '/v3/tasks/task-1': [
    ['speed_limit', 1001, 'speed_limit must be <= 1000'],
    ['type', 'MIGRATE_DISK', 'type must be one of: MIGRATE_FILE, MIGRATE_BLOCK'],
    ['use_ipv6', 'yes', 'use_ipv6 must be boolean'],
  ],
};

describe('robustness', () => {
  it('refuses 300 random bodies that break the schema on both write routes with 400, never a 5xx, storing nothing', async () => {
    const next = prng(20261124);
    const before = dbSnapshot(t.db);
    const messages = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const url = next() < 0.5 ? '/v3/tasks/task-1/progress' : '/v3/tasks/task-1';
      const options = REFUSED[url] ?? [];
      const [field, value] = options[Math.floor(next() * options.length)] ?? ['', undefined];
      const body: unknown = next() < 0.8 ? randomObject(next) : randomValue(next, 0);
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
        const object = body as Record<string, unknown>;
        if (value === undefined) delete object[field];
        else object[field] = value;
      }
      let payload = JSON.stringify(body);
      // Some bodies become unparseable, or hold an oversized integer (a number, never a digit of a key).
      if (next() < 0.1) payload = payload.slice(0, Math.floor(payload.length / 2));
      if (next() < 0.1) payload = payload.replace(/(?<=[:[,])\d+/, '99999999999999999999999');
      const response = await api(t.app, {
        method: 'PUT',
        url,
        payload,
        headers: { 'content-type': 'application/json' },
      });
      const what = `${url} ${payload.slice(0, 300)} -> ${response.body.slice(0, 300)}`;
      expect(response.statusCode, what).toBe(400);
      expect(response.headers['content-type'], what).toBe('application/json; charset=utf-8');
      const error = json<ErrorBody>(response);
      expect(Object.keys(error), what).toEqual(['error_code', 'error_msg']);
      expect(error.error_code, what).toBe('SMS.2001');
      messages.add(error.error_msg.replace(/: .*/, ''));
      expect(dbSnapshot(t.db), what).toEqual(before);
    }
    // Refused for what the bodies hold, not all at one gate.
    expect([...messages].sort()).toEqual(['Invalid request parameter', 'Request body is not valid JSON']);
    expect(json<{ name: string }>(await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).name).toBe('web-01');
  });

  it('answers paths that are odd in the vendor shape, naming what is wrong, storing nothing', async () => {
    const before = dbSnapshot(t.db);
    const cases: [string, number, Record<string, unknown>][] = [
      [
        '/v3/tasks/%',
        400,
        { error_code: 'APIGW.0201', error_msg: "Bad request: '/v3/tasks/%' is not a valid url component" },
      ],
      [
        '/v3/tasks/%E0%A4%A',
        400,
        { error_code: 'APIGW.0201', error_msg: "Bad request: '/v3/tasks/%E0%A4%A' is not a valid url component" },
      ],
      ['/v3/tasks/a%00b', 404, { error_code: 'SMS.2003', error_msg: 'The migration task does not exist: a\u0000b' }],
      [
        '/v3//tasks',
        404,
        {
          error_code: 'APIGW.0101',
          error_msg: 'The API does not exist or has not been published in the environment: GET /v3//tasks',
        },
      ],
      ['/v3/tasks/x?y=%zz', 404, { error_code: 'SMS.2003', error_msg: 'The migration task does not exist: x' }],
    ];
    for (const [url, status, body] of cases) {
      const response = await api(t.app, { method: 'GET', url });
      const requestId = response.headers['x-request-id'];
      expect(response.statusCode, url).toBe(status);
      expect(response.json(), url).toEqual(
        String(body.error_code).startsWith('APIGW') ? { ...body, request_id: requestId } : body,
      );
    }
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('refuses a bare SDK-HMAC-SHA256 Authorization header without a token as missing credentials', async () => {
    for (const headers of [
      { authorization: 'SDK-HMAC-SHA256' },
      { authorization: 'SDK-HMAC-SHA256', 'x-sdk-date': '20261123T052057Z' },
    ]) {
      const response = await t.app.inject({ method: 'GET', url: '/v3/tasks/task-1', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error_code: 'APIGW.0301',
        error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
        request_id: response.headers['x-request-id'],
      });
    }
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
