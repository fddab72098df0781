import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/db/database.js';
import { createWriteQueue, type StoreLog, type WriteGroup } from '../../src/db/write-queue.js';
import { ApiError } from '../../src/lib/errors.js';
import { rowCount } from '../helpers.js';

let dir: string;
let path: string;
let db: Db;
let logged: { level: string; details: object; message: string }[];
const log: StoreLog = {
  error: (details, message) => logged.push({ level: 'error', details, message }),
  info: (details, message) => logged.push({ level: 'info', details, message }),
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sms-mock-queue-'));
  path = join(dir, 'store.db');
  db = openDatabase({ path });
  logged = [];
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert =
  (id: string, name = 'n') =>
  () =>
    db.prepare('INSERT INTO tasks (id, name, create_date) VALUES (?, ?, 1)').run(id, name).changes;
const ids = () => db.prepare('SELECT id FROM tasks ORDER BY id').pluck().all();

/** What a write refused for the store's sake rejects with. */
function unavailable(reason: string) {
  return expect.objectContaining({
    name: 'ApiError',
    message: `The mock's database cannot be written: ${reason}`,
    definition: expect.objectContaining({ status: 503, code: 'MOCK.0503', source: 'MOCK' }),
  });
}

describe('write queue', () => {
  it('commits a batch and answers each caller with its own result; a failing item does not sink the others', async () => {
    const queue = createWriteQueue(db, { log });
    const results = await Promise.allSettled([
      queue.run(insert('a')),
      queue.run(() => {
        throw new ApiError('taskNotFound', 'x');
      }),
      queue.run(insert('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(ids()).toEqual(['a', 'b']);
    expect(queue.health()).toEqual({ ok: true });
    expect(logged).toEqual([]);
  });

  it('a mixed batch: the good writes around a failing one commit exactly once each', async () => {
    const queue = createWriteQueue(db, { log });
    const runs = { a: 0, bad: 0, b: 0 };
    const before = queue.generation;
    const results = await Promise.allSettled([
      queue.run(() => {
        runs.a++;
        return insert('a')();
      }),
      queue.run(() => {
        runs.bad++;
        insert('bad')();
        throw new ApiError('taskNotFound', 'bad');
      }),
      queue.run(() => {
        runs.b++;
        return insert('b')();
      }),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: expect.objectContaining({ message: 'The migration task does not exist: bad' }) },
      { status: 'fulfilled', value: 1 },
    ]);
    // The batch stopped at the failing item and was rolled back whole; each item then ran alone (the one before
    // the failure twice, the one after it once). A good write that had committed twice would have met its own
    // primary key; the failing one left nothing, not even its first insert.
    expect(runs).toEqual({ a: 2, bad: 2, b: 1 });
    expect(ids()).toEqual(['a', 'b']);
    // Two commits (one per good item), none for the failed batch or the failed item.
    expect(queue.generation).toBe(before + 2);
  });

  it('moves the generation once per committed batch, not for a write that failed alone', async () => {
    const queue = createWriteQueue(db, { log });
    const start = queue.generation;
    await Promise.all([queue.run(insert('a')), queue.run(insert('b'))]);
    expect(queue.generation).toBe(start + 1);
    await expect(queue.run(insert('a'))).rejects.toThrow(/UNIQUE constraint failed/);
    expect(queue.generation).toBe(start + 1);
  });

  it('runs a write alone, outside any transaction, in queue order between the others', async () => {
    const queue = createWriteQueue(db, { log });
    const order: string[] = [];
    const seen: boolean[] = [];
    await Promise.all([
      queue.run(() => order.push(`a:${insert('a')()}`)),
      queue.runAlone(() => {
        seen.push(db.inTransaction);
        order.push(`alone:${ids().join(',')}`);
        db.pragma('foreign_keys = OFF');
        db.pragma('foreign_keys = ON');
      }),
      queue.run(() => order.push(`b:${ids().join(',')}`)),
    ]);
    expect(seen).toEqual([false]);
    expect(order).toEqual(['a:1', 'alone:a', 'b:a']);
  });

  it('applies the inputs of a group that come one after another in one go, in order, keeping other writes between', async () => {
    const queue = createWriteQueue(db, { log });
    const applied: string[][] = [];
    const group: WriteGroup<string> = {
      apply(inputs) {
        applied.push([...inputs]);
        for (const id of inputs) insert(id)();
      },
    };
    const other: WriteGroup<string> = { apply: (inputs) => applied.push(inputs.map((id) => `other:${id}`)) };
    const results = await Promise.all([
      queue.runIn(group, 'a'),
      queue.runIn(group, 'b'),
      queue.run(() => {
        applied.push([`run:${ids().join(',')}`]);
        return 'ran';
      }),
      queue.runIn(group, 'c'),
      queue.runIn(other, 'd'),
      queue.runIn(group, 'e'),
      queue.runIn(group, 'f'),
    ]);
    expect(results).toEqual([undefined, undefined, 'ran', undefined, undefined, undefined, undefined]);
    expect(applied).toEqual([['a', 'b'], ['run:a,b'], ['c'], ['other:d'], ['e', 'f']]);
    expect(ids()).toEqual(['a', 'b', 'c', 'e', 'f']);
    // Alone in its batch, an input is applied by itself.
    applied.length = 0;
    await queue.runIn(group, 'g');
    expect(applied).toEqual([['g']]);
  });

  it('applies each input of a failing group run again alone, answering only the failing one with its error', async () => {
    const queue = createWriteQueue(db, { log });
    const applied: string[][] = [];
    const group: WriteGroup<string> = {
      apply(inputs) {
        applied.push([...inputs]);
        for (const id of inputs) {
          insert(id)();
          if (id === 'bad') throw new ApiError('taskNotFound', id);
        }
      },
    };
    const before = queue.generation;
    const results = await Promise.allSettled([
      queue.runIn(group, 'a'),
      queue.runIn(group, 'bad'),
      queue.runIn(group, 'b'),
      queue.runAlone(() => insert('alone')()),
      queue.runIn(group, 'c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ definition: { code: 'SMS.2003' } });
    // A write run alone splits the runs; the failed run was undone and each of its inputs applied by itself.
    expect(applied).toEqual([['a', 'bad', 'b'], ['a'], ['bad'], ['b'], ['c']]);
    expect(ids()).toEqual(['a', 'alone', 'b', 'c']);
    expect(queue.generation).toBe(before + 4);
  });

  it('answers 503 on a full disk, reports the store unhealthy once, and recovers when space is back', async () => {
    const queue = createWriteQueue(db, { log });
    await queue.run(insert('before'));
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(64 * 1024);
    const reason = `${path}: database or disk is full (SQLITE_FULL)`;

    const refused = await Promise.allSettled([queue.run(insert('small')), queue.run(insert('big', big))]);
    expect(refused).toEqual([
      { status: 'rejected', reason: unavailable(reason) },
      { status: 'rejected', reason: unavailable(reason) },
    ]);
    await expect(queue.run(insert('again', big))).rejects.toEqual(unavailable(reason));
    expect(ids()).toEqual(['before']);
    expect(queue.health()).toEqual({ ok: false, error: reason });
    // One loud line when the store turns unhealthy, not one per refused write.
    expect(logged).toEqual([
      { level: 'error', details: { db: path, code: 'SQLITE_FULL' }, message: `database cannot be written: ${reason}` },
    ]);

    db.pragma(`max_page_count = ${pages * 1000}`);
    await expect(queue.run(insert('after', big))).resolves.toBe(1);
    expect(ids()).toEqual(['after', 'before']);
    expect(queue.health()).toEqual({ ok: true });
    expect(logged.at(-1)).toEqual({ level: 'info', details: { db: path }, message: 'database writable again' });
  });

  it('answers 503 when the file became read-only', async () => {
    const queue = createWriteQueue(db, { log });
    db.pragma('query_only = ON');
    const reason = `${path}: attempt to write a readonly database (SQLITE_READONLY)`;
    await expect(queue.run(insert('a'))).rejects.toEqual(unavailable(reason));
    expect(queue.health()).toEqual({ ok: false, error: reason });
    db.pragma('query_only = OFF');
    expect(ids()).toEqual([]);
  });

  it('refuses every write once the file was deleted, without running it, and says so in health', async () => {
    const queue = createWriteQueue(db, { log });
    await queue.run(insert('kept'));
    unlinkSync(path);
    const reason = `${path} was deleted while the server ran: what it writes now would be lost; restart the server`;
    expect(queue.health()).toEqual({ ok: false, error: reason });
    let ran = false;
    await expect(
      queue.run(() => {
        ran = true;
        return insert('lost')();
      }),
    ).rejects.toEqual(unavailable(reason));
    expect(ran).toBe(false);
    await expect(queue.run(insert('lost-too'))).rejects.toEqual(unavailable(reason));
    expect(ids()).toEqual(['kept']);
    expect(logged.filter((l) => l.level === 'error')).toEqual([
      { level: 'error', details: { db: path }, message: `database cannot be written: ${reason}` },
    ]);
  });

  it('refuses writes once another file took the path', async () => {
    const queue = createWriteQueue(db, { log });
    const other = join(dir, 'other.db');
    writeFileSync(other, '');
    renameSync(other, path);
    const reason = `${path} was replaced by another file while the server ran: what it writes now would be lost; restart the server`;
    await expect(queue.run(insert('a'))).rejects.toEqual(unavailable(reason));
    expect(queue.health()).toEqual({ ok: false, error: reason });
    expect(rowCount(db, 'tasks')).toBe(0);
  });

  it('needs no file for an in-memory database', async () => {
    const memory = openDatabase({ path: ':memory:' });
    const queue = createWriteQueue(memory);
    await queue.run(() => memory.prepare("INSERT INTO tasks (id, create_date) VALUES ('m', 1)").run());
    expect(queue.health()).toEqual({ ok: true });
    memory.close();
  });
});
