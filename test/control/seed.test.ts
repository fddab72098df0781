import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSeedFile, SeedError, seedTasks } from '../../src/control/seed.js';
import { sampleTask } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sms-mock-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seedFile(text: string): string {
  const path = join(dir, `seed-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(path, text);
  return path;
}

describe('seedTasks', () => {
  it('accepts ShowTask-shaped tasks, and the UpdateTask fields a task stores', () => {
    const tasks = [sampleTask('task-1'), { id: 'task-2', use_ipv6: true, target_disk_ids: 'd1' }];
    expect(seedTasks(tasks)).toEqual(tasks);
    expect(seedTasks({ tasks })).toEqual(tasks);
  });

  it.each([
    [[{ id: 'ok' }, { id: 'task-7', nmae: 'typo' }], "task 'task-7': nmae is not a known field"],
    [
      [{ id: 'task-7', target_server: { disks: [{ sise: 1 }] } }],
      "task 'task-7': target_server.disks[0].sise is not a known field",
    ],
    [[{ id: 'task-7', state: 'NAPPING' }], "task 'task-7': state must be one of: READY"],
    [[{ id: 'ok' }, { name: 'no id' }], 'task 1: id is required'],
    [
      [{ id: 'task-7', sub_tasks: [{ id: 1, progress: 0 }, { progress: 0 }, { id: 1n, progress: 0 }] }],
      "task 'task-7': sub_tasks[2].id duplicates sub_tasks[0].id",
    ],
    [
      [{ id: 'task-7', total_time: 2 ** 63 }],
      "task 'task-7': total_time must be an integer from -9223372036854775808 to 9223372036854775807",
    ],
    [
      [{ id: 'task-7', target_server: { disks: [{ size: 9223372036854775808n }] } }],
      "task 'task-7': target_server.disks[0].size must be <= 9223372036854775807",
    ],
  ])('refuses a bad task, naming it by its id (%#)', (tasks, message) => {
    expect(() => seedTasks(tasks)).toThrow(SeedError);
    expect(() => seedTasks(tasks)).toThrow(new RegExp(`^${message.replace(/[[\]().*+?^$]/g, '\\$&')}`));
  });

  it('refuses a task nesting deeper than 64 levels, or holding a cycle, without overflowing', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => seedTasks([{ id: 'deep', source_server: { x: deep } }])).toThrow(
      "task 'deep': nests deeper than 64 levels",
    );
    const cyclic: Record<string, unknown> = { id: 'loop' };
    cyclic.target_server = { disks: [cyclic] };
    expect(() => seedTasks([cyclic])).toThrow("task 'loop': nests deeper than 64 levels");
  });

  it('leaves the caller’s values as they were, int64 beyond 2^53 included, whether accepted or refused', () => {
    const good = { id: 'a', total_time: 9223372036854775807n };
    expect(seedTasks([good])).toEqual([{ id: 'a', total_time: 9223372036854775807n }]);
    const bad = { id: 'b', total_time: 9223372036854775807n, state: 'NAPPING' };
    expect(() => seedTasks([bad])).toThrow(SeedError);
    expect(bad.total_time).toBe(9223372036854775807n);
  });
});

describe('readSeedFile', () => {
  it('reads a file and names a bad task by its id', () => {
    const path = seedFile(
      '{"tasks":[{"id":"a"},{"id":"task-7","sub_tasks":[{"id":2,"progress":0},{"id":2,"progress":1}]}]}',
    );
    expect(() => readSeedFile(path)).toThrow(
      `seed file ${path}: task 'task-7': sub_tasks[1].id duplicates sub_tasks[0].id`,
    );
  });

  it('refuses an int64 literal that rounds to 2^63', () => {
    const path = seedFile('[{"id":"task-7","total_time":9223372036854775807.0}]');
    expect(() => readSeedFile(path)).toThrow(
      `seed file ${path}: task 'task-7': total_time must be an integer from -9223372036854775808 to 9223372036854775807`,
    );
    const exact = seedFile('[{"id":"task-8","total_time":9223372036854775807}]');
    expect(readSeedFile(exact)).toEqual([{ id: 'task-8', total_time: 9223372036854775807n }]);
  });

  it('holds each task to 64 levels, in either file layout, and refuses deeper text before parsing it', () => {
    // Levels 3 and below are arrays where disks are: deep enough is a schema error, one level more a depth error.
    const at = (levels: number) =>
      `{"id":"t","target_server":{"disks":${'['.repeat(levels - 2)}${']'.repeat(levels - 2)}}}`;
    const schemaError = "task 't': target_server.disks[0] must be object";
    expect(() => readSeedFile(seedFile(`{"tasks":[${at(64)}]}`))).toThrow(schemaError);
    expect(() => readSeedFile(seedFile(`[${at(64)}]`))).toThrow(schemaError);
    // Two levels above the tasks: the whole file is over its limit, before any task is looked at.
    expect(() => readSeedFile(seedFile(`{"tasks":[${at(65)}]}`))).toThrow(': a task nests deeper than 64 levels');
    expect(() => readSeedFile(seedFile(`[${at(65)}]`))).toThrow("task 't': nests deeper than 64 levels");
    const path = seedFile(`[{"id":"t","n":1234567890123456789,"x":${'['.repeat(5000)}${']'.repeat(5000)}}]`);
    expect(() => readSeedFile(path)).toThrow(`seed file ${path}: a task nests deeper than 64 levels`);
  });
});
