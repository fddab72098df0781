// Property tests of the dashboard's routes: its read routes with any query and any task id (the seeded tasks include
// int64 values past 2^53), the task action route with any body, and the journal's `last`. Every answer is below 500
// in the vendor shape; a read changes nothing, and a refused action changes nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_OPERATIONS } from '../../src/sms/tasks/state-machine.js';
import {
  buildFuzzApp,
  describeResponse,
  type FuzzApp,
  fuzzParameters,
  fuzzTimeout,
  injectChecked,
  stateSnapshot,
  TASK_IDS,
} from './harness.js';

let t: FuzzApp;
beforeAll(async () => {
  t = await buildFuzzApp();
});
afterAll(() => t.close());

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TASK_IDS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '..', 'n'.repeat(256)) },
);

/** A query value: numbers in and out of range, text, nothing. */
const value = fc.oneof(
  fc.integer({ min: -10, max: 6000 }).map(String),
  fc.constantFrom('9223372036854775807', '-1', '1e3', '0x10', '', 'NaN', 'READY', 'RUNNING', 'web'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

function query(keys: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), value), { maxLength: 4 })
    .map((pairs) => new URLSearchParams(pairs).toString());
}

describe('dashboard routes under any input', () => {
  it(
    'the read routes answer 200, 400 or 404 in the vendor shape and change nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('board', 'task', 'series', 'sources', 'meta'),
          segment,
          query(['state', 'name', 'limit', 'from', 'to', 'points']),
          async (route, id, search) => {
            const url = {
              board: `/_mock/ui/api/board?${search}`,
              task: `/_mock/ui/api/tasks/${id}`,
              series: `/_mock/ui/api/tasks/${id}/series?${search}`,
              sources: '/_mock/ui/api/sources',
              meta: '/_mock/ui/api/meta',
            }[route];
            const before = stateSnapshot(t);
            const response = await injectChecked(t, { method: 'GET', url });
            expect([200, 400, 404], describeResponse(response)).toContain(response.statusCode);
            expect(stateSnapshot(t)).toEqual(before);
            if (response.statusCode === 200) expect(() => JSON.parse(response.body)).not.toThrow();
          },
        ),
        fuzzParameters(300),
      );
    },
    fuzzTimeout(300),
  );

  it(
    'POST /_mock/tasks/{id}/action takes an operation and its options, or refuses in the vendor shape, changing nothing',
    async () => {
      const body = fc.oneof(
        fc.record(
          {
            operation: fc.oneof(fc.constantFrom(...TASK_OPERATIONS), fc.string({ maxLength: 12 })),
            template_id: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)),
            is_need_consistency_check: fc.oneof(fc.boolean(), fc.constant(null), fc.constant('yes')),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      );
      await fc.assert(
        fc.asyncProperty(segment, body, async (id, payload) => {
          await t.restore();
          const response = await injectChecked(t, {
            method: 'POST',
            url: `/_mock/tasks/${id}/action`,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(payload),
          });
          expect([200, 400, 404], describeResponse(response)).toContain(response.statusCode);
          // Never journaled as an operation (a path that resolves elsewhere, `..`, is journaled as the miss it is).
          expect(t.core.journal.list().map((entry) => entry.operation)).toEqual(Array(t.core.journal.size).fill(null));
        }),
        fuzzParameters(200),
      );
    },
    fuzzTimeout(200),
  );

  it(
    "the journal's last=N answers the newest N of what matches, in order",
    async () => {
      await t.restore();
      for (let i = 0; i < 12; i++)
        await t.app.inject({ method: 'GET', url: `/v3/tasks/${TASK_IDS[i % 3]}`, headers: { 'x-auth-token': 'x' } });
      const all = JSON.parse((await t.app.inject({ method: 'GET', url: '/_mock/requests' })).body) as {
        requests: { seq: number }[];
      };
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: -2, max: 20 }), async (last) => {
          const response = await injectChecked(t, { method: 'GET', url: `/_mock/requests?last=${last}` });
          if (last < 1) {
            expect(response.statusCode).toBe(400);
            return;
          }
          const seqs = (JSON.parse(response.body) as { requests: { seq: number }[] }).requests.map((e) => e.seq);
          expect(seqs).toEqual(all.requests.slice(-last).map((e) => e.seq));
        }),
        fuzzParameters(50),
      );
    },
    fuzzTimeout(50),
  );
});
