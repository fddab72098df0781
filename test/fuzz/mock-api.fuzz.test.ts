// Property tests of the control API under /_mock: tasks, fault rules, the clock, the journal and its waits, reset.
// Bodies and queries come from the same schemas the routes validate with; every answer is below 500 in the vendor
// shape, and a refused request leaves tasks, rules and clock as they were.
import fc from 'fast-check';
import { isInteger, parse as parseLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClockUpdate, FaultRuleInput, JournalQuery, JournalResponse, WaitQuery } from '../../src/control/schemas.js';
import { parseJson, standInInt64 } from '../../src/lib/json.js';
import { createChecker } from '../../src/lib/validation.js';
import { ShowTaskResponse, TaskDocument, UpdateTaskBody, UpdateTaskSpeedBody } from '../../src/schemas/index.js';
import { dbSnapshot } from '../helpers.js';
import {
  buildFuzzApp,
  describeResponse,
  expectShape,
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
import { bodyText, deepNesting, hostileBodyText, type SchemaNode, valueText } from './json-text.js';

let t: FuzzApp;
beforeAll(async () => {
  t = await buildFuzzApp();
});
afterAll(() => t.close());

const taskSchema = TaskDocument as unknown as SchemaNode;
const faultSchema = FaultRuleInput as unknown as SchemaNode;
const clockSchema = ClockUpdate as unknown as SchemaNode;
const CONTROL = { 'content-type': 'application/json' };

const taskSegment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TASK_IDS, 'task-new') },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
        fc.constantFrom(255, 256).map((n) => 'n'.repeat(n)),
      )
      .map(encodeURIComponent),
  },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '%C0%AF', '%ED%A0%80', '.', '..', 'fault-1') },
);

/** Integers exact, numbers by value. */
function exact(text: string): unknown {
  return parseLossless(text, undefined, (literal) => {
    if (isInteger(literal)) {
      const value = BigInt(literal);
      return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value;
    }
    return Number(literal);
  });
}

/** Whether everything sent shows up in what came back (nulls filled in and extra fields aside). */
function expectShown(sent: unknown, shown: unknown, path: string): void {
  if (Array.isArray(sent)) {
    expect(Array.isArray(shown), path).toBe(true);
    expect((shown as unknown[]).length, path).toBe(sent.length);
    // Subtasks come back ordered by id: compare them as a set of their ids only.
    if (path.endsWith('sub_tasks')) return;
    sent.forEach((item, index) => {
      expectShown(item, (shown as unknown[])[index], `${path}[${index}]`);
    });
  } else if (sent !== null && typeof sent === 'object') {
    expect(shown !== null && typeof shown === 'object', path).toBe(true);
    for (const [key, value] of Object.entries(sent)) {
      expectShown(value, (shown as Record<string, unknown>)[key], `${path}.${key}`);
    }
  } else {
    expect(shown, path).toEqual(sent);
  }
}

function uniqueSubTaskIds(body: string): boolean {
  const parsed = exact(body) as { sub_tasks?: { id?: unknown }[] | null };
  if (!Array.isArray(parsed.sub_tasks)) return true;
  const ids = parsed.sub_tasks.map((s) => s.id).filter((id) => id !== undefined && id !== null);
  return new Set(ids.map(String)).size === ids.length;
}

describe('PUT /_mock/tasks/{task_id}', () => {
  it(
    'answers any body and id below 500 in the vendor shape; a stored task renders as ShowTask does',
    async () => {
      await fc.assert(
        fc.asyncProperty(taskSegment, hostileBodyText(taskSchema, { maxKeys: 5 }), async (segment, body) => {
          await t.restore();
          const response = await injectChecked(t, {
            method: 'PUT',
            url: `/_mock/tasks/${segment}`,
            headers: CONTROL,
            payload: body,
          });
          if (response.statusCode === 200) {
            const shown = await t.app.inject({ method: 'GET', url: `/v3/tasks/${segment}`, headers: JSON_HEADERS });
            expect(shown.statusCode, describeResponse(shown)).toBe(200);
            expect(shown.body).toBe(response.body);
          }
        }),
        fuzzParameters(200),
      );
    },
    fuzzTimeout(200),
  );

  it(
    'stores every valid task and shows every field as given',
    async () => {
      const valid = bodyText(taskSchema, {
        hostile: false,
        maxKeys: 8,
        // The path names the task: a body may leave its id out, never name another.
        overrides: { id: fc.constant('null') },
      }).filter(uniqueSubTaskIds);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('task-1', 'task-new'), valid, async (taskId, body) => {
          await t.restore();
          const response = await t.app.inject({
            method: 'PUT',
            url: `/_mock/tasks/${taskId}`,
            headers: CONTROL,
            payload: body,
          });
          expectSound(response, 'PUT');
          expect(response.statusCode, describeResponse(response)).toBe(200);
          expectShowTaskBody(response.body);
          const sent = exact(body) as Record<string, unknown>;
          // A task always has an id, a state, a creation date and a list of subtasks: null leaves them to the path
          // and the defaults.
          for (const name of ['id', 'state', 'create_date', 'sub_tasks']) if (sent[name] === null) delete sent[name];
          // Fields a task document may hold beyond the ShowTask body are stored, not shown.
          for (const name of Object.keys(sent)) if (!(name in ShowTaskResponse.properties)) delete sent[name];
          expectShown(sent, exact(response.body), 'task');
        }),
        fuzzParameters(150),
      );
    },
    fuzzTimeout(150),
  );
});

describe('DELETE /_mock/tasks/{task_id}, GET /_mock/tasks/{task_id}/progress', () => {
  it(
    'answer any id below 500 in the vendor shape; a deleted task is gone with its subtasks and reports',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('DELETE', 'GET'), taskSegment, async (method, segment) => {
          await t.restore();
          await t.app.inject({
            method: 'PUT',
            url: '/v3/tasks/task-1/progress',
            headers: JSON_HEADERS,
            payload: {
              subtask_name: 'MIGRATE_LINUX_BLOCK',
              progress: 5,
              replicatesize: 1,
              totalsize: 2,
              process_trace: '',
            },
          });
          const url = method === 'DELETE' ? `/_mock/tasks/${segment}` : `/_mock/tasks/${segment}/progress`;
          const response = await injectChecked(t, { method: method as 'GET', url });
          if (response.statusCode >= 400) return;
          const taskId = decodeURIComponent(segment);
          if (method === 'DELETE') {
            expect(response.statusCode).toBe(204);
            for (const table of ['tasks', 'sub_tasks', 'progress_samples']) {
              const column = table === 'tasks' ? 'id' : 'task_id';
              const left = t.db.prepare(`SELECT COUNT(*) FROM ${table} WHERE ${column} = ?`).pluck().get(taskId);
              expect(left, table).toBe(0);
            }
          }
          if (method === 'GET') {
            expect(response.statusCode).toBe(200);
            const samples = (parseJson(response.body) as { samples: unknown[] }).samples;
            expect(samples).toHaveLength(taskId === 'task-1' ? 1 : 0);
          }
        }),
        fuzzParameters(150),
      );
    },
    fuzzTimeout(150),
  );
});

/** The operations rules and filters may name. */
const OPERATION = fc.constantFrom('"ShowTask"', '"UpdateTask"', '"UpdateTaskSpeed"');

/** The rules a fault rule must keep beyond its schema. */
function coherentRule(text: string): boolean {
  const rule = exact(text) as Record<string, unknown> & { effect: Record<string, unknown> };
  const modes = ['first', 'every_nth', 'probability'].filter((m) => rule[m] !== undefined).length;
  if (modes > 1 || (rule.seed !== undefined && rule.probability === undefined)) return false;
  const { effect } = rule;
  if (effect.type === 'latency' && effect.latency_ms === undefined) return false;
  if (effect.latency_max_ms !== undefined && Number(effect.latency_ms ?? 0) > Number(effect.latency_max_ms)) {
    return false;
  }
  const errorFields = ['preset', 'status', 'error_code', 'error_msg', 'retry_after'];
  if (effect.type !== 'error' && errorFields.some((f) => effect[f] !== undefined)) return false;
  return effect.type !== 'error' || effect.preset !== undefined || effect.status !== undefined;
}

describe('fault rules (/_mock/faults)', () => {
  it(
    'answers any rule below 500 in the vendor shape; a refused rule is not added, an added one can be removed',
    async () => {
      await fc.assert(
        fc.asyncProperty(hostileBodyText(faultSchema, { maxKeys: 4 }), async (body) => {
          await t.restore();
          const response = await injectChecked(t, {
            method: 'POST',
            url: '/_mock/faults',
            headers: CONTROL,
            payload: body,
          });
          if (response.statusCode === 201) {
            const rule = response.json();
            expect(rule).toMatchObject({ id: 'fault-1', matched: 0, fired: 0 });
            expect(t.core.faults.list()).toHaveLength(1);
            const removed = await t.app.inject({ method: 'DELETE', url: `/_mock/faults/${rule.id}` });
            expect(removed.statusCode).toBe(204);
            expect(t.core.faults.list()).toHaveLength(0);
          }
        }),
        fuzzParameters(250),
      );
    },
    fuzzTimeout(250),
  );

  const ruleThatAnswers = bodyText(faultSchema, {
    hostile: false,
    maxKeys: 4,
    overrides: {
      // drop and empty close the connection, which an injected request cannot show; delays stay short.
      'effect.type': fc.constantFrom('"error"', '"latency"'),
      operation: OPERATION,
      'effect.latency_ms': fc.integer({ min: 0, max: 5 }).map(String),
      'effect.latency_max_ms': fc.integer({ min: 5, max: 8 }).map(String),
    },
  }).filter(coherentRule);

  it(
    'a rule that fires answers exactly as it says, in the vendor shape, and the request stores nothing',
    async () => {
      const speed = bodyText(UpdateTaskSpeedBody as unknown as SchemaNode, { hostile: false, maxKeys: 1 });
      const update = bodyText(UpdateTaskBody as unknown as SchemaNode, { hostile: false, maxKeys: 1 });
      const request = fc.oneof(
        fc.record({ method: fc.constant('GET'), url: fc.constant('/v3/tasks/task-1'), body: fc.constant('') }),
        fc.record({ method: fc.constant('PUT'), url: fc.constant('/v3/tasks/task-1'), body: update }),
        fc.record({ method: fc.constant('PUT'), url: fc.constant('/v3/tasks/task-1/progress'), body: speed }),
      );
      await fc.assert(
        fc.asyncProperty(ruleThatAnswers, request, async (ruleText, { method, url, body }) => {
          await t.restore();
          const added = await t.app.inject({
            method: 'POST',
            url: '/_mock/faults',
            headers: CONTROL,
            payload: ruleText,
          });
          expect(added.statusCode, `${ruleText}: ${describeResponse(added)}`).toBe(201);
          const rule = exact(ruleText) as { effect: Record<string, unknown> };
          const before = stateSnapshot(t);
          const response = await t.app.inject({
            method: method as 'GET',
            url,
            headers: JSON_HEADERS,
            ...(body === '' ? {} : { payload: body }),
          });
          expectShape(response, method);
          const [listed] = t.core.faults.list();
          if (listed?.fired === 1 && rule.effect.type === 'error') {
            const { effect } = rule;
            if (effect.status !== undefined) expect(response.statusCode).toBe(effect.status);
            const answer = response.json();
            if (effect.error_code !== undefined) expect(answer.error_code).toBe(effect.error_code);
            if (effect.error_msg !== undefined) expect(answer.error_msg).toBe(effect.error_msg);
            if (effect.retry_after !== undefined)
              expect(response.headers['retry-after']).toBe(String(effect.retry_after));
            const after = stateSnapshot(t) as { db: unknown };
            expect(after.db).toEqual((before as { db: unknown }).db);
          } else {
            expect(response.statusCode, describeResponse(response)).toBeLessThan(500);
          }
        }),
        fuzzParameters(150),
      );
    },
    fuzzTimeout(150),
  );
});

describe('PUT /_mock/clock', () => {
  const clockMax = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  it(
    'answers any body below 500 in the vendor shape; a refused change leaves the clock, an accepted one stays in range',
    async () => {
      await fc.assert(
        fc.asyncProperty(hostileBodyText(clockSchema), async (body) => {
          await t.restore();
          const response = await injectChecked(t, {
            method: 'PUT',
            url: '/_mock/clock',
            headers: CONTROL,
            payload: body,
          });
          if (response.statusCode === 200) {
            const state = response.json();
            expect(state).toEqual(t.core.clock.state());
            expect(state.epoch_ms).toBeGreaterThanOrEqual(0);
            expect(state.epoch_ms).toBeLessThanOrEqual(clockMax);
            expect(new Date(state.now).getTime()).toBe(state.epoch_ms);
          }
        }),
        fuzzParameters(200),
      );
    },
    fuzzTimeout(200),
  );
});

/** Percent-encodes text, lone surrogates included (as the three bytes a lenient encoder would write). */
function encodeQuery(text: string): string {
  return Array.from(text, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0xd800 || code > 0xdfff) return encodeURIComponent(char);
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
      .map((byte) => `%${byte.toString(16).toUpperCase()}`)
      .join('');
  }).join('');
}

/** A query value from JSON text: strings unquoted, anything else as written. */
function queryValue(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : text;
  } catch {
    return text;
  }
}

/** A query string for a schema of parameters: the declared ones (valid or not), unknown and repeated ones. */
function queryText(schema: SchemaNode, fixed: Record<string, string> = {}): fc.Arbitrary<string> {
  const properties = Object.entries(schema.properties ?? {}).filter(([name]) => !(name in fixed));
  const parameter = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...properties) },
    { weight: 1, arbitrary: fc.constantFrom<[string, SchemaNode]>(['unknown', {}], ['__proto__', {}], ['', {}]) },
  );
  const pair = parameter.chain(([name, node]) =>
    fc
      .oneof(
        { weight: 5, arbitrary: name === 'operation' ? OPERATION : valueText(node, { hostile: false }) },
        { weight: 1, arbitrary: valueText(node, { hostile: true }) },
      )
      .map((text) => `${encodeQuery(name)}=${encodeQuery(queryValue(text))}`),
  );
  const raw = fc.constantFrom('%', '%zz=1', '=', '&&', 'count', 'after=%00');
  return fc
    .array(fc.oneof({ weight: 8, arbitrary: pair }, { weight: 1, arbitrary: raw }), { maxLength: 4 })
    .map((pairs) => [...pairs, ...Object.entries(fixed).map(([k, v]) => `${k}=${v}`)].join('&'));
}

describe('the request journal (/_mock/requests, /_mock/requests/wait)', () => {
  const checkJournal = createChecker(JournalResponse, 'journal');
  const apiRequest = fc.oneof(
    fc.record({
      url: fc.constantFrom('/v3/tasks/task-1/progress', '/v3/tasks/task-big/progress', '/v3/tasks/nope/progress'),
      // Deep bodies are the hard case for a journal that shows bodies parsed.
      body: fc.oneof(
        { weight: 3, arbitrary: hostileBodyText(UpdateTaskSpeedBody as unknown as SchemaNode, { maxKeys: 3 }) },
        { weight: 1, arbitrary: deepNesting },
      ),
    }),
    fc.record({
      url: fc.constantFrom('/v3/tasks/task-1', '/v3/tasks/task-big', '/v3/tasks/%zz'),
      body: hostileBodyText(UpdateTaskBody as unknown as SchemaNode, { maxKeys: 3 }),
    }),
  );
  const journalQuery = fc.oneof(
    queryText(JournalQuery as unknown as SchemaNode).map((q) => `/_mock/requests?${q}`),
    // The wait always ends within a few milliseconds, whatever else the query says.
    fc
      .tuple(queryText(WaitQuery as unknown as SchemaNode, { timeout_ms: '0' }), fc.integer({ min: 0, max: 20 }))
      .map(([q, ms]) => `/_mock/requests/wait?${q.replace(/timeout_ms=0$/, `timeout_ms=${ms}`)}`),
  );

  it(
    'lists whatever was sent, for any query, below 500 and in its documented shape',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(apiRequest, { maxLength: 3 }), journalQuery, async (requests, query) => {
          await t.restore();
          for (const { url, body } of requests) {
            await t.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: body });
          }
          const response = await injectChecked(t, { method: 'GET', url: query });
          if (response.statusCode === 200) {
            // The journal shows bodies as sent, nested as deep as they were: read it without a depth limit.
            const listed = parseLossless(response.body, undefined, (literal) =>
              isInteger(literal) && !Number.isSafeInteger(Number(literal)) ? BigInt(literal) : Number(literal),
            ) as { count: number; requests?: unknown[] };
            if (listed.requests) expect(listed.requests).toHaveLength(listed.count);
            expect(listed.count).toBeLessThanOrEqual(requests.length);
            standInInt64(listed);
            expect(checkJournal(listed)).toBeUndefined();
          } else {
            expect([400, 408], describeResponse(response)).toContain(response.statusCode);
          }
        }),
        fuzzParameters(150),
      );
    },
    fuzzTimeout(150),
  );
});

describe('POST /_mock/reset and the other bodiless control requests', () => {
  it(
    'take any body below 500 in the vendor shape; a reset that answers 204 leaves the seed and nothing else',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            ['POST', '/_mock/reset'],
            ['DELETE', '/_mock/requests'],
            ['DELETE', '/_mock/faults'],
            ['GET', '/_mock/health'],
            ['GET', '/_mock/clock'],
            ['GET', '/_mock/faults'],
          ),
          fc.option(hostileBodyText(taskSchema, { maxKeys: 2 })),
          fc.constantFrom<string | undefined>('application/json', 'text/plain', undefined),
          async ([method, url], body, contentType) => {
            await t.restore();
            const seeded = dbSnapshot(t.db);
            await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-new', payload: { name: 'new' } });
            const response = await injectChecked(t, {
              method: method as 'POST',
              url,
              headers: contentType === undefined ? {} : { 'content-type': contentType },
              ...(body === null || method === 'GET' ? {} : { payload: body }),
            });
            if (url === '/_mock/reset' && response.statusCode === 204) expect(dbSnapshot(t.db)).toEqual(seeded);
          },
        ),
        fuzzParameters(100),
      );
    },
    fuzzTimeout(100),
  );
});
