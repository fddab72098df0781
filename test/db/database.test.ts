import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
