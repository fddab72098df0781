import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSeed, readSeedFile, SeedError, seedDocument, seedSources } from '../../src/control/seed.js';
import { startServer } from '../../src/server.js';
import { startMock } from '../../src/testing.js';
import { sampleTask } from '../helpers.js';
import { type Body, linuxRegistration } from '../sms/sources/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sms-mock-source-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seedFile(text: string): string {
  const path = join(dir, `seed-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(path, text);
  return path;
}

/** A source document: a passing Linux registration with an id and a registration date. */
function source(id: string, changes: Body = {}): Body & { id: string } {
  return { ...linuxRegistration(), id, add_date: 1700000000000, ...changes };
}

describe('seedDocument', () => {
  it('takes an array of tasks, {"tasks"}, {"sources"} or both', () => {
    const tasks = [sampleTask('task-1')];
    const sources = [source('src-1')];
    expect(seedDocument(tasks)).toEqual({ tasks, sources: [] });
    expect(seedDocument({ tasks })).toEqual({ tasks, sources: [] });
    expect(seedDocument({ sources })).toEqual({ tasks: [], sources });
    expect(seedDocument({ tasks, sources })).toEqual({ tasks, sources });
  });

  it('takes the simulated agent\'s default profile as "simulation", checked as PUT /_mock/simulation checks it', () => {
    expect(seedDocument({ simulation: { profile: 'wan', seed: 5 } })).toEqual({
      tasks: [],
      sources: [],
      simulation: { profile: 'wan', seed: 5 },
    });
    expect(() => seedDocument({ simulation: { profile: 'wan', speed: 5 } })).toThrow('speed is not a known field');
    expect(() => seedDocument({ tasks: [], simulation: 'wan' })).toThrow('simulation must be object');
  });

  it.each([
    [
      {},
      'a seed must be an array of tasks or an object with a "tasks" array, a "sources" array, a "simulation" profile, or several of them',
    ],
    [
      { sources: {} },
      'a seed must be an array of tasks or an object with a "tasks" array, a "sources" array, a "simulation" profile, or several of them',
    ],
    [
      null,
      'a seed must be an array of tasks or an object with a "tasks" array, a "sources" array, a "simulation" profile, or several of them',
    ],
    [{ sources: [{ id: 'ok' }, { id: 's-7', nmae: 'x' }] }, "source 's-7': nmae is not a known field"],
    [{ sources: [{ name: 'no id' }] }, 'source 0: id is required'],
    [{ sources: [{ id: 's-7', state: 'sleeping' }] }, "source 's-7': state must be one of: unavailable"],
    [
      { sources: [{ id: 's-7', memory: 9223372036854775808n }] },
      "source 's-7': memory must be an integer from -9223372036854775808 to 9223372036854775807",
    ],
    [{ tasks: [{ id: 'task-7', nmae: 'x' }], sources: [] }, "task 'task-7': nmae is not a known field"],
  ])('refuses a bad seed naming the source or task (%#)', (document, message) => {
    expect(() => seedDocument(document)).toThrow(SeedError);
    expect(() => seedDocument(document)).toThrow(message);
  });

  it('refuses a source nesting deeper than 64 levels, or holding a cycle', () => {
    let deep: unknown = [];
    for (let i = 0; i < 1000; i++) deep = [deep];
    expect(() => seedSources([{ id: 'deep', disks: deep }])).toThrow("source 'deep': nests deeper than 64 levels");
    const cyclic: Record<string, unknown> = { id: 'loop' };
    cyclic.disks = [cyclic];
    expect(() => seedSources([cyclic])).toThrow("source 'loop': nests deeper than 64 levels");
  });

  it('leaves int64 values beyond 2^53 as given', () => {
    const big = source('big', { memory: 9223372036854775807n });
    expect(seedSources([big])).toEqual([big]);
    expect(big.memory).toBe(9223372036854775807n);
  });
});

describe('readSeed', () => {
  it('reads tasks and sources from a file, int64 exact; readSeedFile answers the tasks', () => {
    const path = seedFile('{"tasks":[{"id":"t1"}],"sources":[{"id":"s1","memory":9223372036854775807}]}');
    expect(readSeed(path)).toEqual({ tasks: [{ id: 't1' }], sources: [{ id: 's1', memory: 9223372036854775807n }] });
    expect(readSeedFile(path)).toEqual([{ id: 't1' }]);
  });

  it('names the file and the bad source', () => {
    const path = seedFile('{"sources":[{"id":"s1","disks":[{"sise":1}]}]}');
    expect(() => readSeed(path)).toThrow(`seed file ${path}: source 's1': disks[0].sise is not a known field`);
  });
});

describe('a server started with a seed file holding sources', () => {
  it('has them at start and after every reset', async () => {
    const path = seedFile(JSON.stringify({ tasks: [sampleTask('task-1')], sources: [source('src-9')] }));
    const server = await startServer({ host: '127.0.0.1', port: 0, db: ':memory:', seed: path });
    try {
      const show = () => fetch(`${server.url}/v3/sources/src-9`, { headers: { 'x-auth-token': 'x' } });
      expect((await show()).status).toBe(200);
      await fetch(`${server.url}/v3/sources/src-9`, { method: 'DELETE', headers: { 'x-auth-token': 'x' } });
      expect((await show()).status).toBe(404);
      expect((await fetch(`${server.url}/_mock/reset`, { method: 'POST' })).status).toBe(204);
      const shown = (await (await show()).json()) as Body;
      expect(shown).toMatchObject({ id: 'src-9', name: 'web-01', state: 'waiting', add_date: 1700000000000 });
    } finally {
      await server.close();
    }
  });
});

describe('startMock', () => {
  it('seeds {tasks, sources}, puts them back on reset; sources.put, get and delete', async () => {
    const sms = await startMock({ seed: { tasks: [sampleTask('task-1')], sources: [source('src-1')] } });
    try {
      // sampleTask migrates src-1.
      expect(sms.sources.get('src-1')).toMatchObject({ id: 'src-1', name: 'web-01', current_task: { id: 'task-1' } });
      expect(sms.task('task-1')).toMatchObject({ id: 'task-1' });

      const put = await sms.sources.put(source('src-2', { memory: 9223372036854775807n, state: 'replicate' }));
      expect(put).toMatchObject({ id: 'src-2', state: 'replicate', memory: 9223372036854775807n });
      expect(sms.sources.get('src-2')).toEqual(put);
      await expect(sms.sources.put({ id: 'bad', nmae: 'x' })).rejects.toThrow(
        "source 'bad': nmae is not a known field",
      );
      expect(sms.sources.get('bad')).toBeUndefined();

      expect(await sms.sources.delete('src-1')).toBe(true);
      expect(await sms.sources.delete('src-1')).toBe(false);
      expect(sms.sources.get('src-1')).toBeUndefined();

      await sms.reset();
      expect(sms.sources.get('src-1')).toMatchObject({ id: 'src-1' });
      expect(sms.sources.get('src-2')).toBeUndefined();
    } finally {
      await sms.close();
    }
  });

  it('still takes a plain array of tasks, and refuses a bad source before starting', async () => {
    const sms = await startMock({ seed: [sampleTask('task-1')] });
    try {
      expect(sms.task('task-1')).toMatchObject({ id: 'task-1' });
    } finally {
      await sms.close();
    }
    await expect(startMock({ seed: { sources: [{ id: 's', state: 'sleeping' }] } })).rejects.toThrow(SeedError);
  });
});
