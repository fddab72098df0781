// Group commit: writes that arrive in the same turn of the event loop share one SQLite transaction, and each caller
// is answered only after that transaction committed. Under concurrent load this writes each touched page once per
// batch instead of once per request, while every acknowledged write is still durable.
import type { Db } from './database.js';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface WriteQueue {
  /**
   * Runs `work` inside the next batch transaction; resolves with its result once the batch committed, or rejects
   * with what it threw (its writes undone).
   */
  run<T>(work: () => T): Promise<T>;
}

/** Thrown inside a batch to undo it: some item failed, and each item then runs again on its own. */
class BatchFailed extends Error {}

export function createWriteQueue(db: Db): WriteQueue {
  let pending: Pending[] = [];
  let scheduled = false;

  // Built once: creating a better-sqlite3 transaction function is not free, and this runs on every write.
  const runBatch = db.transaction((batch: readonly Pending[], results: unknown[]) => {
    for (const item of batch) {
      try {
        results.push(item.work());
      } catch {
        throw new BatchFailed();
      }
    }
  });
  const runOne = db.transaction((work: () => unknown) => work());

  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    const results: unknown[] = [];
    try {
      runBatch(batch, results);
    } catch (error) {
      if (!(error instanceof BatchFailed)) {
        for (const item of batch) item.reject(error);
        return;
      }
      // Rare path (a rejected request in the batch): no savepoint per item on the common path, so the batch was
      // rolled back whole and every item now gets a transaction of its own.
      for (const item of batch) {
        try {
          item.resolve(runOne(item.work));
        } catch (itemError) {
          item.reject(itemError);
        }
      }
      return;
    }
    batch.forEach((item, index) => {
      item.resolve(results[index]);
    });
  };

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
