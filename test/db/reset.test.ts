import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/db/database.js';
import { createReset, tablesInDeleteOrder } from '../../src/db/reset.js';

let db: Db;
beforeEach(() => {
  db = openDatabase({ path: ':memory:' });
});
afterEach(() => db.close());

const userTables = () =>
  db
    .prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .pluck()
    .all() as string[];

/** One row in every table the migrations created, whatever they are: a row for each parent before its children. */
function fillEveryTable(): void {
  for (const table of [...tablesInDeleteOrder(db)].reverse()) {
    const columns = db.prepare('SELECT name, "notnull", pk FROM pragma_table_info(?)').all(table) as {
      name: string;
      notnull: number;
      pk: number;
    }[];
    const keys = db.prepare('SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)').all(table) as {
      from: string;
      table: string;
      to: string;
    }[];
    const values = columns.map((column) => {
      const key = keys.find((k) => k.from === column.name);
      if (key) return db.prepare(`SELECT "${key.to}" FROM "${key.table}" LIMIT 1`).pluck().get();
      return column.notnull || column.pk ? 1 : null;
    });
    // STRICT tables refuse an integer in a TEXT column: retry with text where SQLite says so.
    const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c.name}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    try {
      db.prepare(sql).run(...values);
    } catch {
      db.prepare(sql).run(...values.map((v) => (typeof v === 'number' ? String(v) : v)));
    }
  }
}

describe('reset', () => {
  it('orders every user table after the tables that reference it', () => {
    const order = tablesInDeleteOrder(db);
    expect([...order].sort()).toEqual(userTables());
    for (const table of order) {
      const parents = db.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').pluck().all(table) as string[];
      for (const parent of parents) expect(order.indexOf(parent)).toBeGreaterThan(order.indexOf(table));
    }
  });

  it('empties every table the migrations create, found from the database, and keeps foreign keys on', () => {
    fillEveryTable();
    const filled = userTables().filter((t) => db.prepare(`SELECT COUNT(*) FROM "${t}"`).pluck().get() !== 0);
    expect(filled).toEqual(userTables());
    createReset(db)();
    const left = userTables().filter((t) => db.prepare(`SELECT COUNT(*) FROM "${t}"`).pluck().get() !== 0);
    expect(left).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('empties a table a later migration adds, without being told of it', () => {
    db.exec(`CREATE TABLE extra_child (task_id TEXT NOT NULL REFERENCES tasks (id), n INTEGER) STRICT;
      INSERT INTO tasks (id) VALUES ('t');
      INSERT INTO extra_child VALUES ('t', 1);`);
    createReset(db)();
    expect(db.prepare('SELECT COUNT(*) FROM extra_child').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(0);
  });
});
