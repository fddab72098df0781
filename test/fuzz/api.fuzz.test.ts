// Property tests of the emulated operations (ShowTask, UpdateTask, UpdateTaskSpeed) with bodies, paths and headers
// built from the server's own schemas: valid ones are stored exactly, hostile ones are refused in the vendor's shape,
// and nothing ever answers 5xx or stores half a request.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { isInteger, parse as parseLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRequest, sign } from '../../src/gateway/auth.js';
import { TaskDocument, UpdateTaskBody, UpdateTaskSpeedBody } from '../../src/schemas/index.js';
import { dbSnapshot } from '../helpers.js';
import {
  buildFuzzApp,
  describeResponse,
  expectShowTaskBody,
  expectSound,
  type FuzzApp,
  fuzzParameters,
  fuzzTimeout,
  injectChecked,
  JSON_HEADERS,
  stateSnapshot,
  TASK_IDS,
} from './harness.js';
import { bodyText, hostileBodyText, type SchemaNode } from './json-text.js';

let t: FuzzApp;
beforeAll(async () => {
  t = await buildFuzzApp();
});
afterAll(() => t.close());

const speedSchema = UpdateTaskSpeedBody as unknown as SchemaNode;
const updateSchema = UpdateTaskBody as unknown as SchemaNode;
const taskSchema = TaskDocument as unknown as SchemaNode;

/** Path segments: the seeded ids, unknown ones, and ids that test the router and the bounds. */
const taskSegment = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...TASK_IDS) },
  { weight: 1, arbitrary: fc.constantFrom('nope', 'TASK-1', 'task-1%20', 'task%2D1', '%74ask-1') },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.constantFrom(36, 37, 255, 256, 1024, 1025).map((n) => 'a'.repeat(n)),
      )
      .map(encodeURIComponent),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%',
      '%zz',
      '%00',
      '%2F',
      '%C0%AF',
      '%ED%A0%80',
      '%F0%9F',
      '..',
      '.',
      ';',
      'a;b=c',
      '%u0041',
    ),
  },
);

const contentTypes = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | undefined>(
      undefined,
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'application/jsonx',
      'application/json-patch+json',
      'text/plain',
      'multipart/form-data; boundary=x',
      '',
      ';',
    ),
  },
);

/** Credentials: mostly a token; now and then none, or odd ones. */
const authHeaders = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Record<string, string>>({ 'x-auth-token': 'fuzz' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string>>(
      {},
      { 'x-auth-token': '' },
      { 'x-auth-token': 't'.repeat(16384) },
      { 'x-auth-token': 't'.repeat(16385) },
      { authorization: 'SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, Signature=00', 'x-sdk-date': 'nope' },
      { authorization: 'SDK-HMAC-SHA256', 'x-sdk-date': '20261123T052057Z' },
      { authorization: 'Bearer x' },
    ),
  },
);

function headers(contentType: string | undefined, auth: Record<string, string>): Record<string, string> {
  return { ...auth, ...(contentType === undefined ? {} : { 'content-type': contentType }) };
}

/** Integers as exact values (bigint when beyond 2^53), for comparing what went in with what comes out. */
function exact(text: string): unknown {
  return parseLossless(text, undefined, (literal) => {
    if (isInteger(literal)) return BigInt(literal);
    const value = Number(literal);
    return Number.isInteger(value) && Number.isSafeInteger(value) ? BigInt(value) : value;
  });
}

function sampleCount(taskId: string): number {
  return t.db.prepare('SELECT COUNT(*) FROM progress_samples WHERE task_id = ?').pluck().get(taskId) as number;
}

/** ShowTask answers 200 with a body that parses (and, unless told otherwise, holds to its schema); answers its text. */
async function showTask(taskId: string, { schema = true } = {}): Promise<string> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/v3/tasks/${encodeURIComponent(taskId)}`,
    headers: JSON_HEADERS,
  });
  expect(response.statusCode, describeResponse(response)).toBe(200);
  if (schema) expectShowTaskBody(response.body);
  else expect(() => JSON.parse(response.body), response.body).not.toThrow();
  return response.body;
}

/** Numbers compared by value: 5, 5n and 5.0 are the same; integers beyond 2^53 stay exact. */
function numeric(value: unknown): unknown {
  return typeof value === 'bigint' && value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value;
}

describe('UpdateTaskSpeed (PUT /v3/tasks/{task_id}/progress)', () => {
  it(
    'answers any body, path and header below 500 in the vendor shape; a refused report stores nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          taskSegment,
          hostileBodyText(speedSchema),
          contentTypes,
          authHeaders,
          async (segment, body, contentType, auth) => {
            await t.restore();
            const response = await injectChecked(t, {
              method: 'PUT',
              url: `/v3/tasks/${segment}/progress`,
              headers: headers(contentType, auth),
              payload: body,
            });
            if (response.statusCode === 200) {
              expect(response.body).toBe('{}');
              const taskId = decodeURIComponent(segment);
              expect(sampleCount(taskId)).toBe(1);
              await showTask(taskId);
            }
          },
        ),
        fuzzParameters(300),
      );
    },
    fuzzTimeout(300),
  );

  it(
    'stores every valid report exactly, as one sample, and ShowTask still renders within its schema',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('task-1', 'task-big'),
          bodyText(speedSchema, { hostile: false, maxKeys: 16 }),
          async (taskId, body) => {
            await t.restore();
            const response = await t.app.inject({
              method: 'PUT',
              url: `/v3/tasks/${taskId}/progress`,
              headers: JSON_HEADERS,
              payload: body,
            });
            expectSound(response, 'PUT');
            expect(response.statusCode, describeResponse(response)).toBe(200);
            expect(response.body).toBe('{}');
            const samples = t.db
              .prepare('SELECT * FROM progress_samples WHERE task_id = ?')
              .safeIntegers(true)
              .all(taskId) as Record<string, unknown>[];
            expect(samples).toHaveLength(1);
            const sent = exact(body) as Record<string, unknown>;
            const stored = samples[0] ?? {};
            for (const [name, value] of Object.entries(sent)) {
              const column = stored[name];
              if (typeof value === 'boolean') expect(column, name).toBe(value ? 1n : 0n);
              else expect(numeric(column), name).toEqual(numeric(value));
            }
            const shown = exact(await showTask(taskId)) as Record<string, unknown>;
            const subTask = [...(shown.sub_tasks as Record<string, unknown>[])]
              .reverse()
              .find((s) => s.name === sent.subtask_name);
            expect(numeric(subTask?.progress)).toBe(numeric(sent.progress));
            expect(subTask?.process_trace).toBe(sent.process_trace);
          },
        ),
        fuzzParameters(200),
      );
    },
    fuzzTimeout(200),
  );
});

/** UpdateTask fields that ShowTask shows under the same name, unchanged. */
const ROUND_TRIP_FIELDS = [
  'name',
  'type',
  'region_id',
  'region_name',
  'project_name',
  'project_id',
  'vm_template_id',
  'os_type',
  'state',
  'error_json',
  'float_ip',
  'migration_ip',
  'priority',
  'speed_limit',
  'start_target_server',
  'connected',
  'migrate_speed',
  'estimate_complete_time',
  'create_date',
  'start_date',
  'finish_date',
  'total_time',
  'remain_seconds',
  'target_snapshot_id',
  'enterprise_project_id',
];

/** Subtask ids a valid body may hold: unique, and leaving room for the ids the server numbers itself. */
function plausibleSubTasks(body: string): boolean {
  const parsed = exact(body) as { sub_tasks?: { id?: bigint | null }[] | null };
  if (!Array.isArray(parsed.sub_tasks)) return true;
  const ids = parsed.sub_tasks.map((s) => s.id).filter((id): id is bigint => typeof id === 'bigint');
  return plausibleIds(body) && ids.every((id) => id < 2n ** 62n);
}

/** Unique subtask ids: a list with one id twice is a different property's business. */
function plausibleIds(body: string): boolean {
  const parsed = exact(body) as { sub_tasks?: { id?: bigint | null }[] | null };
  if (!Array.isArray(parsed.sub_tasks)) return true;
  const ids = parsed.sub_tasks.map((s) => s.id).filter((id): id is bigint => typeof id === 'bigint');
  return new Set(ids).size === ids.length;
}

describe('UpdateTask (PUT /v3/tasks/{task_id})', () => {
  it(
    'answers any body, path and header below 500 in the vendor shape; a refused update changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          taskSegment,
          hostileBodyText(updateSchema, { maxKeys: 5 }),
          contentTypes,
          authHeaders,
          async (segment, body, contentType, auth) => {
            await t.restore();
            const response = await injectChecked(t, {
              method: 'PUT',
              url: `/v3/tasks/${segment}`,
              headers: headers(contentType, auth),
              payload: body,
            });
            if (response.statusCode === 200) {
              const taskId = decodeURIComponent(segment);
              expect(response.json()).toEqual({ id: taskId });
              await showTask(taskId, { schema: false });
            }
          },
        ),
        fuzzParameters(200),
      );
    },
    fuzzTimeout(200),
  );

  it(
    'accepts every valid body, and ShowTask shows each plain field exactly as sent',
    async () => {
      const valid = bodyText(updateSchema, {
        hostile: false,
        maxKeys: 8,
        overrides: {
          // The address must match use_ipv6, a rule beyond the schema.
          migration_ip: fc.oneof(
            fc.ipV4().map((ip) => JSON.stringify(ip)),
            fc.constantFrom('""', 'null'),
          ),
          use_ipv6: fc.constantFrom('false', 'null'),
          // These three show up in ShowTask under fields with narrower bounds (enterprise_project_id of 1-255
          // characters, snapshot ids of at most 255): stay within both, so ShowTask's own schema can be held to.
          enterprise_project: fc.string({ minLength: 1, maxLength: 36 }).map((s) => JSON.stringify(s)),
          snapshot_ids: fc.string({ maxLength: 255 }).map((s) => JSON.stringify(s)),
          cutovered_snapshot_ids: fc.string({ maxLength: 255 }).map((s) => JSON.stringify(s)),
        },
      }).filter(plausibleSubTasks);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('task-1', 'task-big'), valid, async (taskId, body) => {
          await t.restore();
          const response = await t.app.inject({
            method: 'PUT',
            url: `/v3/tasks/${taskId}`,
            headers: JSON_HEADERS,
            payload: body,
          });
          expectSound(response, 'PUT');
          expect(response.statusCode, describeResponse(response)).toBe(200);
          expect(response.json()).toEqual({ id: taskId });
          const sent = exact(body) as Record<string, unknown>;
          const shownFields = exact(await showTask(taskId)) as Record<string, unknown>;
          // Aliases: the older model's name wins when both are sent.
          if ('snapshot_ids' in sent && !('target_snapshot_id' in sent)) sent.target_snapshot_id = sent.snapshot_ids;
          if ('enterprise_project' in sent && !('enterprise_project_id' in sent)) {
            sent.enterprise_project_id = sent.enterprise_project;
          }
          for (const name of ROUND_TRIP_FIELDS) {
            if (!(name in sent)) continue;
            expect(numeric(shownFields[name]), `${name} in ${body}`).toEqual(numeric(sent[name]));
          }
          if (Array.isArray(sent.sub_tasks)) {
            expect((shownFields.sub_tasks as unknown[]).length).toBe(sent.sub_tasks.length);
          }
        }),
        fuzzParameters(200),
      );
    },
    fuzzTimeout(200),
  );
});

describe('ShowTask (GET /v3/tasks/{task_id})', () => {
  it(
    'answers any path id and header below 500 in the vendor shape, and changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          taskSegment,
          authHeaders,
          fc.constantFrom('', '?', '?x=1', '?task_id=task-2', '?%zz', '#frag'),
          async (segment, auth, suffix) => {
            await t.restore();
            const before = stateSnapshot(t);
            const response = await t.app.inject({ method: 'GET', url: `/v3/tasks/${segment}${suffix}`, headers: auth });
            expectSound(response);
            expect(stateSnapshot(t)).toEqual(before);
            if (response.statusCode === 200) expectShowTaskBody(response.body);
          },
        ),
        fuzzParameters(300),
      );
    },
    fuzzTimeout(300),
  );
});

describe('any method on any path', () => {
  const methods = fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
  const paths = fc.oneof(
    fc
      .tuple(fc.constantFrom('/v3/tasks/', '/v3/tasks/', '/_mock/tasks/', '/_mock/faults/'), taskSegment)
      .map(([prefix, segment]) => `${prefix}${segment}`),
    fc
      .tuple(taskSegment, fc.constantFrom('/progress', '/progress/', '/action', '/speed-limit', ''))
      .map(([segment, suffix]) => `/v3/tasks/${segment}${suffix}`),
    fc.constantFrom(
      '/',
      '/v3',
      '/v3/tasks',
      '/v3/tasks/',
      '//v3/tasks/task-1',
      '/v3/tasks//progress',
      '/v3/tasks/task-1/progress/extra',
      '/V3/TASKS/task-1',
      '/_mock',
      '/_mock/',
      '/_mock/health',
      '/_mock/reset',
      '/_mock/requests',
      '/_mock/clock',
      '/_mock/faults',
      '/openapi.json',
      '/docs',
      '/docs/',
      '/docs/json',
      '/favicon.ico',
      '/%',
      '/*',
    ),
  );
  it(
    'answers below 500 in the vendor shape; a refused request changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          methods,
          paths,
          fc.option(bodyText(speedSchema, { hostile: true })),
          async (method, url, body) => {
            await t.restore();
            const response = await injectChecked(t, {
              method: method as 'GET',
              url,
              headers: JSON_HEADERS,
              ...(body === null || method === 'GET' || method === 'HEAD' ? {} : { payload: body }),
            });
            if (response.statusCode === 404 && method !== 'HEAD') {
              expect(['APIGW.0101', 'SMS.2003', 'MOCK.0404']).toContain(response.json().error_code);
            }
          },
        ),
        fuzzParameters(300),
      );
    },
    fuzzTimeout(300),
  );
});

describe('signatures (with --credentials)', () => {
  const AK = 'FUZZAK';
  const SK = 'fuzz-secret';
  let strict: FuzzApp;
  beforeAll(async () => {
    strict = await buildFuzzApp({ credentials: new Map([[AK, SK]]) });
  });
  afterAll(() => strict.close());

  function sdkDate(ms: number): string {
    return new Date(ms)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  }

  function signedHeaders(url: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
    const date = sdkDate(strict.clock.now());
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      host: 'localhost:80',
      'x-sdk-date': date,
      ...extra,
    };
    const names = Object.keys(headers).sort();
    const canonical = canonicalRequest({ method: 'PUT', url, headers, body: Buffer.from(body) }, names);
    return {
      ...headers,
      authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=${names.join(';')}, Signature=${sign(SK, date, canonical)}`,
    };
  }

  it(
    'takes a body only as it was signed: a body changed after signing is refused 401 and stores nothing',
    async () => {
      const valid = bodyText(speedSchema, { hostile: false });
      await fc.assert(
        fc.asyncProperty(
          valid,
          valid,
          fc.constantFrom('none', 'original-hash', 'unsigned-payload'),
          async (signedBody, sentBody, declared) => {
            fc.pre(signedBody !== sentBody);
            await strict.restore();
            const url = '/v3/tasks/task-1/progress';
            const headers = signedHeaders(url, signedBody);
            // A header the signature does not cover, naming the hash of the body that was signed.
            if (declared === 'original-hash') {
              headers['x-sdk-content-sha256'] = createHash('sha256').update(signedBody).digest('hex');
            }
            if (declared === 'unsigned-payload') headers['x-sdk-content-sha256'] = 'UNSIGNED-PAYLOAD';
            const before = dbSnapshot(strict.db);
            const response: LightMyRequestResponse = await strict.app.inject({
              method: 'PUT',
              url,
              headers,
              payload: sentBody,
            });
            expectSound(response, 'PUT');
            expect(response.statusCode, `${declared}: ${describeResponse(response)}`).toBe(401);
            expect(response.json().error_code).toBe('APIGW.0301');
            expect(dbSnapshot(strict.db)).toEqual(before);
          },
        ),
        fuzzParameters(100),
      );
    },
    fuzzTimeout(100),
  );

  it(
    'accepts every valid report signed over its own body',
    async () => {
      await fc.assert(
        fc.asyncProperty(bodyText(speedSchema, { hostile: false }), async (body) => {
          await strict.restore();
          const url = '/v3/tasks/task-1/progress';
          const response = await strict.app.inject({
            method: 'PUT',
            url,
            headers: signedHeaders(url, body),
            payload: body,
          });
          expect(response.statusCode, describeResponse(response)).toBe(200);
        }),
        fuzzParameters(50),
      );
    },
    fuzzTimeout(50),
  );
});

describe('sequences of requests', () => {
  const task = fc.constantFrom(...TASK_IDS);
  const someBody = (schema: SchemaNode) =>
    fc.oneof(bodyText(schema, { hostile: false, maxKeys: 4 }), hostileBodyText(schema, { maxKeys: 4 }));
  const command = fc.oneof(
    fc.record({ method: fc.constant('PUT'), url: task.map((id) => `/v3/tasks/${id}`), body: someBody(updateSchema) }),
    fc.record({
      method: fc.constant('PUT'),
      url: task.map((id) => `/v3/tasks/${id}/progress`),
      body: someBody(speedSchema),
    }),
    fc.record({
      method: fc.constant('PUT'),
      url: fc.oneof(task, fc.constant('task-new')).map((id) => `/_mock/tasks/${id}`),
      body: someBody(taskSchema),
    }),
    fc.record({ method: fc.constant('GET'), url: task.map((id) => `/v3/tasks/${id}`), body: fc.constant(undefined) }),
  );

  it(
    'whatever came before, every answer is below 500 in the vendor shape, a refused request changes nothing, and every task still renders',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 2, maxLength: 6 }), async (commands) => {
          await t.restore();
          for (const { method, url, body } of commands) {
            await injectChecked(t, {
              method: method as 'PUT',
              url,
              headers: JSON_HEADERS,
              ...(body === undefined ? {} : { payload: body }),
            });
          }
          for (const id of TASK_IDS) await showTask(id, { schema: false });
        }),
        fuzzParameters(100),
      );
    },
    fuzzTimeout(100, 150),
  );
});

describe('subtask numbering', () => {
  const subTasksOnly: SchemaNode = {
    type: 'object',
    properties: { sub_tasks: updateSchema.properties?.sub_tasks ?? {} },
    required: ['sub_tasks'],
  };
  const report = bodyText(speedSchema, { hostile: false, maxKeys: 0 });

  it(
    'whatever ids clients gave subtasks, the ones the server numbers itself never fail',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/v3/tasks/task-1', '/_mock/tasks/task-1'),
          bodyText(subTasksOnly, { hostile: false, maxKeys: 2 }).filter(plausibleIds),
          fc.array(report, { minLength: 1, maxLength: 3 }),
          async (url, body, reports) => {
            await t.restore();
            await injectChecked(t, { method: 'PUT', url, headers: JSON_HEADERS, payload: body });
            for (const payload of reports) {
              await injectChecked(t, {
                method: 'PUT',
                url: '/v3/tasks/task-2/progress',
                headers: JSON_HEADERS,
                payload,
              });
            }
            await showTask('task-1', { schema: false });
            await showTask('task-2', { schema: false });
          },
        ),
        fuzzParameters(100),
      );
    },
    fuzzTimeout(100),
  );
});
