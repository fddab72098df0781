import { spawnSync } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { COMPILED_DIR, loadPrecompiled, SCHEMA_CHANNEL, type SchemaEvent } from '../../src/lib/precompiled.js';
import { buildSerializer } from '../../src/lib/serialization.js';
import { buildValidator, createAjv, isInt64 } from '../../src/lib/validation.js';
import {
  SeedTask,
  ShowTaskParams,
  ShowTaskResponse,
  UpdateTaskBody,
  UpdateTaskSpeedBody,
} from '../../src/schemas/index.js';
import { buildTestApp } from '../helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every schema event published while `run` runs. */
async function eventsOf(run: () => Promise<void>): Promise<SchemaEvent[]> {
  const events: SchemaEvent[] = [];
  const listener = (message: unknown) => events.push(message as SchemaEvent);
  subscribe(SCHEMA_CHANNEL, listener);
  try {
    await run();
  } finally {
    unsubscribe(SCHEMA_CHANNEL, listener);
  }
  return events;
}

const work = (events: SchemaEvent[]) =>
  events.filter((e) => e.event !== 'declared').map((e) => `${e.event} ${e.kind} ${e.use}`);

describe('precompiled validators and serializers', () => {
  it('src/schemas/generated/compiled/ holds the code of every schema the app uses (run `npm run gen:compiled`)', () => {
    // In a process of its own: test files share their modules within a fork, and the schemas rendered must be the
    // ones the modules define, as a fresh start has them.
    const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-compiled.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(check.stderr).toBe('');
    expect(check.stdout).toMatch(/^gen:compiled: \d+ modules match the schemas\n$/);
    expect(check.status).toBe(0);
  });

  it('building the app compiles and loads nothing; a request loads the code of its own schemas, compiling none', async () => {
    let t: Awaited<ReturnType<typeof buildTestApp>> | undefined;
    const atStart = await eventsOf(async () => {
      t = await buildTestApp();
    });
    const app = (t as NonNullable<typeof t>).app;
    try {
      expect(atStart.filter((e) => e.event === 'declared').length).toBeGreaterThan(20);
      expect(work(atStart)).toEqual([]);

      const put = await eventsOf(async () => {
        const response = await app.inject({ method: 'PUT', url: '/_mock/tasks/t1', payload: { name: 'web-01' } });
        expect(response.statusCode).toBe(200);
      });
      expect(work(put).sort()).toEqual([
        'loaded body PUT /_mock/tasks/:task_id body',
        'loaded other PUT /_mock/tasks/:task_id params',
        'loaded serializer ShowTask body',
      ]);
      const get = await eventsOf(async () => {
        const response = await app.inject({ url: '/v3/tasks/t1', headers: { 'x-auth-token': 'test' } });
        expect(response.statusCode).toBe(200);
      });
      expect(work(get).sort()).toEqual([
        'loaded other GET /v3/tasks/:task_id headers',
        'loaded other GET /v3/tasks/:task_id params',
      ]);
    } finally {
      await t?.close();
    }
  });

  it('start-up does not grow with operations: twenty more with large schemas compile only when called', async () => {
    const app = Fastify({ schemaController: { compilersFactory: { buildValidator, buildSerializer } } });
    // Schemas no module was generated from: compiled at run time, as a new operation's would be until generated.
    for (let i = 0; i < 20; i++) {
      const body = { ...UpdateTaskBody, description: `operation ${i}` };
      const response = { 200: { ...ShowTaskResponse, description: `operation ${i}` } };
      app.put(`/op/${i}`, { schema: { body, response } }, () => ({ id: `op-${i}` }));
    }
    try {
      const atReady = await eventsOf(async () => {
        await app.ready();
      });
      expect(work(atReady)).toEqual([]);
      const first = await eventsOf(async () => {
        const refused = await app.inject({ method: 'PUT', url: '/op/7', payload: { speed_limit: 1001 } });
        expect(refused.statusCode).toBe(400);
        const answered = await app.inject({ method: 'PUT', url: '/op/7', payload: { speed_limit: 10 } });
        expect([answered.statusCode, answered.json().id]).toEqual([200, 'op-7']);
      });
      expect(work(first)).toEqual(['compiled body PUT /op/7 body', 'compiled serializer PUT /op/7 200']);
    } finally {
      await app.close();
    }
  });

  it('a precompiled validator answers what Ajv compiling the schema at run time answers', () => {
    const cases: [kind: 'body' | 'other', schema: object, values: unknown[]][] = [
      [
        'body',
        UpdateTaskBody,
        [
          {},
          { name: 'web_01-é' },
          { name: 5 },
          { name: 'x'.repeat(65) },
          { speed_limit: 1001 },
          { speed_limit: '10' },
          { migration_ip: '10.0.0.300' },
          { target_server: { disks: [{ size: 2 ** 63 }] } },
          { target_server: { disks: [{ size: 2 ** 63 - 1024 }] } },
          { unknown_field: 1 },
          [],
        ],
      ],
      [
        'body',
        UpdateTaskSpeedBody,
        [
          { subtask_name: 'MIGRATE_LINUX_BLOCK', progress: 42, replicatesize: 1, totalsize: 2, process_trace: 'x' },
          { subtask_name: 'NOPE', progress: 42, replicatesize: 1, totalsize: 2, process_trace: 'x' },
          { subtask_name: 'MIGRATE_LINUX_BLOCK', progress: 101, replicatesize: 1, totalsize: 2, process_trace: 'x' },
          { subtask_name: 'MIGRATE_LINUX_BLOCK', progress: 1, replicatesize: 1.5, totalsize: 2, process_trace: 'x' },
          { subtask_name: 'MIGRATE_LINUX_BLOCK', progress: 1, replicatesize: -(2 ** 63), totalsize: 2 },
        ],
      ],
      ['body', SeedTask, [{ id: 't1', name: 'web-01' }, { name: 'no id' }, { id: 't1', sub_tasks: [{ id: 'x' }] }]],
      ['other', ShowTaskParams, [{ task_id: 'abc' }, { task_id: 42 }, { task_id: 'x'.repeat(256) }, {}]],
    ];
    for (const [kind, schema, values] of cases) {
      const precompiled = loadPrecompiled<ReturnType<ReturnType<typeof createAjv>['compile']>>(kind, schema, 'test');
      expect(precompiled, `a module for ${kind} ${(schema as { description?: string }).description}`).toBeDefined();
      const compiled = createAjv(kind).compile(schema);
      for (const value of values) {
        const [one, other] = [structuredClone(value), structuredClone(value)];
        const valid = precompiled?.(one);
        expect([valid, precompiled?.errors ?? null, one], JSON.stringify(value)).toEqual([
          compiled(other),
          compiled.errors ?? null,
          other,
        ]);
      }
    }
  });

  it("formats.cjs checks int64 as the run-time Ajv's format does", () => {
    const formats = createRequire(import.meta.url)(join(COMPILED_DIR, 'formats.cjs')) as {
      int64: { type: string; validate: (value: number) => boolean };
    };
    expect(formats.int64.type).toBe('number');
    const values = [0, 1, -1, 1.5, 2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 63 - 1024, -(2 ** 63) - 2048, 1e300, NaN];
    expect(values.map((value) => formats.int64.validate(value))).toEqual(values.map(isInt64));
    expect([isInt64(2 ** 63 - 1024), isInt64(2 ** 63), isInt64(-(2 ** 63)), isInt64(-(2 ** 63) - 2048)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });
});
