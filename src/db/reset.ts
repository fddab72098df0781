// Empties every table the migrations created, found from the database itself: a table added by a later migration is
// emptied without anyone remembering to list it.
import type { Db } from './sqlite.js';

/**
 * The user tables, each after every table that references it (children first), so that deleting in this order never
 * leaves a row pointing at a deleted one.
 */
export function tablesInDeleteOrder(db: Db): string[] {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  const parents = new Map<string, string[]>();
  for (const table of tables) {
    const references = db.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').pluck().all(table) as string[];
    parents.set(
      table,
      references.filter((parent) => parent !== table),
    );
  }
  // Depth-first: a table goes out once every table that references it went out before.
  const order: string[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (table: string): void => {
    if (placed.has(table)) return;
    if (visiting.has(table)) throw new Error(`foreign keys form a cycle through ${table}`);
    visiting.add(table);
    for (const [child, of] of parents) if (of.includes(table)) place(child);
    visiting.delete(table);
    placed.add(table);
    order.push(table);
  };
  for (const table of tables) place(table);
  return order;
}

/**
 * Returns a function that empties every user table in one transaction. Foreign-key enforcement is switched off
 * around it (it cannot change inside a transaction, so this must not run inside one): with it on, SQLite deletes row
 * by row; with it off, a DELETE without WHERE drops the table's pages at once (1,000,000 samples: ~1.3 s → well
 * under 0.1 s). The order still respects the keys, so nothing is left dangling either way.
 */
export function createReset(db: Db): () => void {
  let statements: string | undefined;
  const empty = db.transaction(() => {
    statements ??= tablesInDeleteOrder(db)
      .map((table) => `DELETE FROM "${table.replaceAll('"', '""')}";`)
      .join('\n');
    db.exec(statements);
  });
  return () => {
    const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
    if (enforced) db.pragma('foreign_keys = OFF');
    try {
      empty();
    } finally {
      if (enforced) db.pragma('foreign_keys = ON');
    }
  };
}
