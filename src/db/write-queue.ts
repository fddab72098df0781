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
  /** Runs `work` inside the next batch transaction; resolves with its result once the batch committed. */
  run<T>(work: () => T): Promise<T>;
  /** Commits whatever is waiting, now. */
  flush(): void;
}

export function createWriteQueue(db: Db): WriteQueue {
  let pending: Pending[] = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      db.transaction(() => {
        for (const item of batch) {
          // Each write runs in its own savepoint, so one that throws leaves the others of the batch intact.
          try {
            outcomes.push({ ok: true, value: db.transaction(item.work)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
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
    flush,
  };
}
