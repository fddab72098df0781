// Opens the SQLite database and brings its schema up to date with the numbered migrations.
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Db } from './sqlite.js';

export type { Db } from './sqlite.js';

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

/**
 * Applies every migration above `PRAGMA user_version`, each in its own transaction. Returns the new version.
 * Refuses a database written by a newer sms-mock (its tables may mean something this one does not know) and a
 * migration list with a gap or a number twice; a migration that fails names itself, and leaves the database at the
 * version before it.
 */
export function migrate(db: Db, migrations: readonly Migration[]): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migrations must be numbered 1, 2, 3, ... without gaps: found ${migration.version} at place ${index + 1}`,
      );
    }
  });
  let current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new DatabaseOpenError(
      `sms-mock: ${db.name} was written by a newer sms-mock (schema version ${current}, this one knows up to ` +
        `${newest}): upgrade sms-mock, or start with another --db`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        db.pragma(`user_version = ${migration.version}`);
      })();
    } catch (error) {
      throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    current = migration.version;
  }
  return current;
}

export interface OpenOptions {
  /** A file path, or `:memory:`. */
  readonly path: string;
  readonly migrationsDir?: string;
}

/** The database cannot be used by this process: the message says why and what to do. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

/** SQLite result codes (extended codes included) that mean the file or its disk refuses writes. */
export function isStorageFailure(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB)(_|$)/.test(code) &&
    error instanceof Error
  );
}

const WHAT_TO_DO = 'make it writable for this user, or start with another --db';

function cannotWrite(file: string, error: Error & { code: string }): DatabaseOpenError {
  return new DatabaseOpenError(`sms-mock: cannot write ${file}: ${error.message} (${error.code}); ${WHAT_TO_DO}`);
}

/**
 * Root passes these checks whatever the modes say, and SQLite quietly opens a file it may not write read-only (then
 * fails every write): asking the OS first gives a message that names the culprit.
 */
function checkWritable(file: string): void {
  const dir = dirname(file);
  const targets: [string, string][] = existsSync(file)
    ? [
        [file, 'the file'],
        [dir, 'its directory'],
      ]
    : [[dir, 'its directory']];
  for (const [target, what] of targets) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      const problem = code === 'ENOENT' ? 'does not exist' : 'is not writable';
      const advice = code === 'ENOENT' ? 'create it, or start with another --db' : WHAT_TO_DO;
      throw new DatabaseOpenError(`sms-mock: cannot write ${file}: ${what} ${problem} (${code}); ${advice}`);
    }
  }
}

/**
 * Takes the file for this connection alone, for its whole life: the locking mode is set before WAL, so SQLite keeps
 * the WAL index in its own memory and never lets go of the lock, and a write transaction takes that lock now (and
 * proves the file takes writes) instead of at the first request. Two servers on one file would otherwise hit
 * SQLITE_BUSY inside each other's transactions and serve ShowTask from caches the other never invalidates. The OS
 * drops the lock when the process dies, so a killed server leaves nothing to clean up.
 */
function takeFile(db: Db, file: string): void {
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      db.pragma(`user_version = ${db.pragma('user_version', { simple: true }) as number}`);
    }).immediate();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
      throw new DatabaseOpenError(
        `sms-mock: ${file} is in use by another process (another sms-mock on the same --db?): ` +
          'stop it, or start this one with another --db',
      );
    }
    if (isStorageFailure(error)) {
      throw cannotWrite(file, error);
    }
    throw error;
  }
}

/** How long a start waits for another process to let go of the file before it gives up. */
const LOCK_WAIT_MS = 1000;

/**
 * Opens (creating if needed) and migrates the database. A file database is held exclusively by this connection and
 * uses WAL with synchronous=NORMAL: every committed transaction survives a crash of the process; only an OS crash can
 * lose the last ones. Throws DatabaseOpenError when the file is in use by another process or cannot be written.
 */
export function openDatabase({ path, migrationsDir = defaultMigrationsDir() }: OpenOptions): Db {
  const memory = path === ':memory:' || path === '';
  // Absolute, so that messages name the file plainly and later checks of the path survive a change of directory.
  const file = memory ? path : resolve(path);
  if (!memory) checkWritable(file);
  let db: Db;
  try {
    db = new Database(file, { timeout: LOCK_WAIT_MS });
  } catch (error) {
    if (isStorageFailure(error)) {
      throw cannotWrite(file, error);
    }
    throw error;
  }
  try {
    db.pragma('foreign_keys = ON');
    if (!memory) {
      takeFile(db, file);
      db.pragma('synchronous = NORMAL');
    }
    migrate(db, readMigrations(migrationsDir));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
