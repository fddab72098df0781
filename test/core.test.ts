import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCore } from '../src/core.js';
import { openDatabase } from '../src/db/database.js';
import { sampleTask, TestClock } from './helpers.js';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The modules a module loads at run time, following relative imports (type-only imports load nothing). */
function runtimeImports(entry: string): { modules: string[]; packages: string[] } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (modules.has(file)) continue;
    modules.add(file);
    const text = readFileSync(join(src, file), 'utf8');
    for (const [, clause, spec] of text.matchAll(/^(import|export)\s+(?!type\b)[^;]*?from '([^']+)'/gms)) {
      void clause;
      if (spec?.startsWith('.')) pending.push(join(dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (spec) packages.add(spec);
    }
  }
  return { modules: [...modules].sort(), packages: [...packages].sort() };
}

describe('the core', () => {
  it('loads no Fastify and nothing of the HTTP layer', () => {
    const { modules, packages } = runtimeImports('core.ts');
    expect(packages.filter((name) => name.includes('fastify') && name !== 'fast-json-stringify')).toEqual([]);
    expect(modules.filter((file) => /^(plugins|gateway|http)\/|^app\.ts$|routes\.ts$/.test(file))).toEqual([]);
  });

  it('serves the task operations, the mock administration and the reset without HTTP', async () => {
    const db = openDatabase({ path: ':memory:' });
    const clock = new TestClock();
    const core = createCore({
      config: { autoCreate: false, journalSize: 10, journalBytes: 1 << 20 },
      db,
      clock,
      seed: [sampleTask('task-1')],
      start: {
        clockAt: Date.UTC(2030, 0, 1),
        clockFrozen: true,
        faults: [{ operation: 'ShowTask', effect: { type: 'drop' } }],
      },
    });
    await core.start();
    expect(JSON.parse(core.tasks.showTask('task-1'))).toMatchObject({ id: 'task-1', state: 'READY' });
    expect(core.clock.state()).toMatchObject({ now: '2030-01-01T00:00:00.000Z', frozen: true });
    expect(core.faults.list()).toHaveLength(1);

    await core.admin.putTasks([sampleTask('task-2')]);
    core.faults.clear();
    core.clock.run();
    await core.reset();
    expect(() => core.tasks.showTask('task-2')).toThrow('The migration task does not exist: task-2');
    expect(core.faults.list()).toEqual([expect.objectContaining({ id: 'fault-1', operation: 'ShowTask' })]);
    expect(core.clock.state()).toMatchObject({ now: '2030-01-01T00:00:00.000Z', frozen: true });
    db.close();
  });
});

describe('the start state', () => {
  it('freezes the clock at the very time given, however the source moves, and again after a reset', async () => {
    let ticks = 1_000;
    // A source that moves a millisecond every time it is read.
    const source = { now: () => ticks++ };
    const at = Date.UTC(2030, 0, 1);
    const core = createCore({
      config: { autoCreate: false, journalSize: 10, journalBytes: 1 << 20 },
      db: openDatabase({ path: ':memory:' }),
      clock: source,
      start: { clockAt: at, clockFrozen: true, clockRate: 60 },
    });
    await core.start();
    expect(core.clock.state()).toEqual({ now: '2030-01-01T00:00:00.000Z', epoch_ms: at, frozen: true, rate: 60 });
    core.clock.advance(5000);
    await core.reset();
    expect(core.clock.state()).toEqual({ now: '2030-01-01T00:00:00.000Z', epoch_ms: at, frozen: true, rate: 60 });
    core.db.close();
  });
});
