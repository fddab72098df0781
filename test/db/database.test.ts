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
    expect(migrations.map((m) => m.version)).toEqual([1]);
    const db = openDatabase({ path: ':memory:' });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(migrate(db, migrations)).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['progress_samples', 'sub_tasks', 'tasks']);
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
