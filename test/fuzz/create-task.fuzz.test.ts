// CreateTask with bodies built from its schema, naming registered source servers (Linux, Windows, one reporting no OS)
// or none: never a 5xx, a refusal stores nothing, and a task created holds what the body sent, laid out as plans.ts
// says, its source server waiting in the replication stage.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/lib/json.js';
import { CreateTaskBody, ShowTaskResponse } from '../../src/schemas/index.js';
import { type MigrationType, type OsType, planFor } from '../../src/sms/tasks/plans.js';
import { looseIntegers, registerSource, storedSource } from '../sms/tasks/life-cycle-fixtures.js';
import { buildFuzzApp, type FuzzApp, fuzzParameters, fuzzTimeout, injectChecked, JSON_HEADERS } from './harness.js';
import { bodyText, hostileBodyText, type SchemaNode } from './json-text.js';

const RUNS = 150;
const SOURCES: Record<string, OsType | null> = { 'src-linux': 'LINUX', 'src-win': 'WINDOWS', 'src-no-os': null };

let t: FuzzApp;
beforeAll(async () => {
  t = await buildFuzzApp();
});
afterAll(() => t.close());

const schema = CreateTaskBody as unknown as SchemaNode;
/** The registered sources most of the time, unknown ones now and then. */
const sourceId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(SOURCES)) },
  { weight: 1, arbitrary: fc.constantFrom('nope', 'src-1') },
);
/** Addresses of both families and none, beside what the schema alone would give (any string). */
const migrationIp = fc.constantFrom('10.0.0.1', 'fd00::1', '', '10.0.0.256', 'host').map((ip) => JSON.stringify(ip));
const overrides = { 'source_server.id': sourceId.map((id) => JSON.stringify(id)), migration_ip: migrationIp };
const bodies = fc.oneof(
  { weight: 3, arbitrary: bodyText(schema, { hostile: false, maxKeys: 12, maxItems: 2, overrides }) },
  { weight: 2, arbitrary: hostileBodyText(schema, { maxKeys: 6, maxItems: 2, overrides }) },
);

describe('POST /v3/tasks (CreateTask), fuzzed', () => {
  it(
    'never answers 5xx, stores nothing when it refuses, and stores a created task as sent',
    async () => {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          await t.restore();
          for (const [id, os] of Object.entries(SOURCES)) registerSource(t.db, { id, os_type: os });
          const tasksBefore = t.db.prepare('SELECT COUNT(*) FROM tasks').pluck().get() as number;
          const response = await injectChecked(t, { method: 'POST', url: '/v3/tasks', headers: JSON_HEADERS, body });
          if (response.statusCode !== 200) {
            expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
            return;
          }
          const sent = parseJson(body) as Record<string, unknown> & { source_server: { id: string } };
          const { id } = response.json() as { id: string };
          expect(t.db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(tasksBefore + 1);
          const shown = await t.app.inject({ method: 'GET', url: `/v3/tasks/${id}`, headers: JSON_HEADERS });
          expect(shown.statusCode).toBe(200);
          // Integers as integers; the target disks' device_use is shown as sent (a hint CreateTask does not check).
          expect(looseIntegers(shown.body, ShowTaskResponse)).toEqual([]);
          const task = parseJson(shown.body) as Record<string, unknown>;
          const osType = (sent.os_type ?? SOURCES[sent.source_server.id]) as OsType;
          for (const field of ['name', 'type', 'region_name', 'region_id', 'project_name', 'project_id'] as const) {
            expect(task[field]).toBe(sent[field]);
          }
          for (const field of ['use_public_ip', 'use_ipv6', 'exist_server', 'auto_start', 'need_migration_test']) {
            expect(task[field]).toBe(sent[field] ?? null);
          }
          expect(task).toMatchObject({
            state: 'READY',
            os_type: osType,
            priority: sent.priority ?? 1,
            syncing: sent.syncing ?? false,
            migration_ip: sent.migration_ip ?? null,
            source_server: { id: sent.source_server.id, state: 'waiting', migration_cycle: 'replicating' },
          });
          const plan = planFor({
            osType,
            type: sent.type as MigrationType,
            existServer: sent.exist_server === true,
            syncing: sent.syncing === true,
            consistencyCheck: sent.is_need_consistency_check === true,
          });
          expect((task.sub_tasks as { name: string }[]).map((s) => s.name)).toEqual(plan);
          expect(storedSource(t.db, sent.source_server.id)).toMatchObject({
            state: 'waiting',
            migration_cycle: 'replicating',
          });
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeout(RUNS, 100),
  );
});
