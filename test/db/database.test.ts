import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, migrate, openDatabase, readMigrations } from '../../src/db/database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('database', () => {
  it('applies the numbered migrations once and records the version', () => {
    const migrations = readMigrations(defaultMigrationsDir());
    expect(migrations.map((m) => m.version)).toEqual([1, 2, 3, 4, 5]);
    const db = openDatabase({ path: ':memory:' });
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect(migrate(db, migrations)).toBe(5);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      'progress_samples',
      'simulations',
      'sources',
      'sub_tasks',
      'task_configurations',
      'task_keys',
      'task_speed_limits',
      'tasks',
    ]);
    db.close();
  });

  it('uses WAL for a file database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-mock-db-'));
    dirs.push(dir);
    const db = openDatabase({ path: join(dir, 'x.db') });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.close();
  });

  it('upgrades a version 1 database in place: samples keep their order, numbered per task', () => {
    const migrations = readMigrations(defaultMigrationsDir());
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    expect(migrate(db, migrations.slice(0, 1))).toBe(1);
    db.exec("INSERT INTO tasks (id, state) VALUES ('a', 'RUNNING'), ('b', 'RUNNING')");
    const insert = db.prepare(
      "INSERT INTO progress_samples (task_id, received_at, subtask_name, progress, replicatesize, totalsize, process_trace) VALUES (?, ?, 'X', ?, 1, 2, '')",
    );
    for (const [task, at, progress] of [
      ['a', 1, 10],
      ['b', 2, 50],
      ['a', 3, 20],
      ['b', 4, 60],
      ['a', 5, 30],
    ] as const) {
      insert.run(task, at, progress);
    }
    expect(migrate(db, migrations)).toBe(5);
    expect(
      db.prepare('SELECT task_id, seq, received_at, progress FROM progress_samples ORDER BY task_id, seq').all(),
    ).toEqual([
      { task_id: 'a', seq: 1, received_at: 1, progress: 10 },
      { task_id: 'a', seq: 2, received_at: 3, progress: 20 },
      { task_id: 'a', seq: 3, received_at: 5, progress: 30 },
      { task_id: 'b', seq: 1, received_at: 2, progress: 50 },
      { task_id: 'b', seq: 2, received_at: 4, progress: 60 },
    ]);
    // Deleting a task still takes its samples with it.
    db.exec("DELETE FROM tasks WHERE id = 'a'");
    expect(db.prepare('SELECT COUNT(*) FROM progress_samples').pluck().get()).toBe(2);
    db.close();
  });

  it('links a task to its source server through the id inside its source_server document', () => {
    const db = openDatabase({ path: ':memory:' });
    const insert = db.prepare('INSERT INTO tasks (id, source_server) VALUES (?, ?)');
    insert.run('t1', '{"id":"s1","name":"web"}');
    insert.run('t2', null);
    const bySource = db.prepare('SELECT id FROM tasks WHERE source_server_id = ?').pluck();
    expect(bySource.all('s1')).toEqual(['t1']);
    db.prepare('UPDATE tasks SET source_server = \'{"id":"s2"}\' WHERE id = \'t1\'').run();
    expect(bySource.all('s1')).toEqual([]);
    expect(bySource.all('s2')).toEqual(['t1']);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE source_server_id = ?').all('s2');
    expect(JSON.stringify(plan)).toContain('tasks_by_source');
    db.close();
  });

  it('refuses a database written by a newer version, naming both versions', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 99');
    expect(() => migrate(db, readMigrations(defaultMigrationsDir()))).toThrow(
      'sms-mock: :memory: was written by a newer sms-mock (schema version 99, this one knows up to 5): upgrade sms-mock, or start with another --db',
    );
    db.close();
  });

  it('refuses a gap in the migrations and names a migration that fails', () => {
    const db = new Database(':memory:');
    expect(() =>
      migrate(db, [
        { version: 1, name: 'a', sql: 'CREATE TABLE a (x)' },
        { version: 3, name: 'c', sql: 'CREATE TABLE c (x)' },
      ]),
    ).toThrow('migrations must be numbered 1, 2, 3, ... without gaps: found 3 at place 2');
    expect(() =>
      migrate(db, [
        { version: 1, name: 'a', sql: 'CREATE TABLE a (x)' },
        { version: 2, name: 'broken', sql: 'CREATE TABLE a (x)' },
      ]),
    ).toThrow('migration 2 (broken) failed: table a already exists');
    // The good one stayed; the failed one left nothing behind.
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('refuses values of the wrong storage type (STRICT tables)', () => {
    const db = openDatabase({ path: ':memory:' });
    expect(() => db.prepare("INSERT INTO tasks (id, create_date) VALUES ('x', 'soon')").run()).toThrow();
    db.close();
  });
});

describe('database file in use', () => {
  it('refuses a second opening of a file that is open, naming the path, and frees it on close', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-mock-db-'));
    dirs.push(dir);
    const path = join(dir, 'shared.db');
    const first = openDatabase({ path });
    expect(() => openDatabase({ path })).toThrow(
      `sms-mock: ${path} is in use by another process (another sms-mock on the same --db?): stop it, or start this one with another --db`,
    );
    // The first connection is untouched by the refused one.
    first.prepare("INSERT INTO tasks (id, create_date) VALUES ('t', 1)").run();
    first.close();
    const again = openDatabase({ path });
    expect(again.prepare('SELECT id FROM tasks').pluck().all()).toEqual(['t']);
    again.close();
  });

  it('holds the file exclusively for the connection lifetime, so no other connection reads a stale view', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-mock-db-'));
    dirs.push(dir);
    const path = join(dir, 'x.db');
    const db = openDatabase({ path });
    expect(db.pragma('locking_mode', { simple: true })).toBe('exclusive');
    const other = new Database(path, { timeout: 0 });
    try {
      expect(() => other.prepare('SELECT COUNT(*) FROM tasks').get()).toThrow(
        expect.objectContaining({ code: 'SQLITE_BUSY' }),
      );
    } finally {
      other.close();
      db.close();
    }
  });

  it('names a missing directory instead of failing inside SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-mock-db-'));
    dirs.push(dir);
    const path = join(dir, 'no-such-dir', 'x.db');
    expect(() => openDatabase({ path })).toThrow(
      `sms-mock: cannot write ${path}: its directory does not exist (ENOENT); create it, or start with another --db`,
    );
  });
});
