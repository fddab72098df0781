// Opens the SQLite database and brings its schema up to date with the numbered migrations.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** `migrations/` at the package root, both from `src/db` (tests) and `dist/src/db` (the built package). */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    try {
      if (readdirSync(join(dir, 'migrations')).some((f) => f.endsWith('.sql'))) return join(dir, 'migrations');
    } catch {
      // not here, go up
    }
  }
  throw new Error('migrations directory not found');
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** `NNN.do.name.sql` files, in version order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .map((file) => /^(\d+)\.do\.(.+)\.sql$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({
      version: Number(match[1]),
      name: match[2] ?? '',
      sql: readFileSync(join(dir, match[0]), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

/** Applies every migration above `PRAGMA user_version`, each in its own transaction. Returns the new version. */
export function migrate(db: Db, migrations: readonly Migration[]): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    current = migration.version;
  }
  return current;
}

export interface OpenOptions {
  /** A file path, or `:memory:`. */
  readonly path: string;
  readonly migrationsDir?: string;
}

/**
 * Opens (creating if needed) and migrates the database. File databases use WAL with synchronous=NORMAL: every
 * committed transaction survives a crash of the process; only an OS crash can lose the last ones.
 */
export function openDatabase({ path, migrationsDir = defaultMigrationsDir() }: OpenOptions): Db {
  const db = new Database(path);
  try {
    db.pragma('foreign_keys = ON');
    if (path !== ':memory:' && path !== '') {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
    migrate(db, readMigrations(migrationsDir));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
