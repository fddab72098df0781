// Group commit: writes that arrive in the same turn of the event loop share one SQLite transaction, and each caller
// is answered only after that transaction committed. Under concurrent load this writes each touched page once per
// batch instead of once per request, while every acknowledged write is still durable. Writes of one group (runIn)
// that come one after another are applied in one go, so a row they all change is written once per batch too. A store that stops taking
// writes (disk full, file read-only or deleted) refuses them with the mock's own 503, and says so in health().
import { statSync } from 'node:fs';
import { ApiError } from '../lib/errors.js';
import { Signal } from '../lib/signal.js';
import { type Db, isStorageFailure } from './database.js';

interface Pending {
  /** What to run; undefined for an input of a group (runIn), run through its group. */
  readonly work: (() => unknown) | undefined;
  /** Runs with no transaction around it (it opens its own), between the writes queued before and after it. */
  readonly alone: boolean;
  readonly group: WriteGroup<unknown> | undefined;
  readonly input: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes of one kind that, when several come one after another in a batch, are applied in one go: `apply` gets the
 * inputs of such a run in the order they came, and must leave the database exactly as applying each of them alone,
 * in that order, would (so it may read once what each would read, and write a row once where each would write it).
 * The contract on `run`'s work holds for `apply` too: it may run twice, and touches nothing but the database. When
 * it throws, the run's writes are undone with the batch and every input is applied again alone, answering only
 * its own caller with what it threw.
 */
export interface WriteGroup<I> {
  apply(inputs: readonly I[]): void;
}

export interface StoreHealth {
  readonly ok: boolean;
  /** Why writes are refused, when they are. */
  readonly error?: string;
}

/** Where the store reports turning unhealthy and back (a pino or Fastify logger fits). */
export interface StoreLog {
  error(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface WriteQueueOptions {
  readonly log?: StoreLog;
}

export interface WriteQueue {
  /**
   * Runs `work` inside the next batch transaction; resolves with its result once the batch committed, or rejects
   * with what it threw (its writes undone), or with a 503 ApiError when the store cannot be written.
   *
   * The contract on `work`: it may run twice. When another item of its batch throws, the whole batch is rolled back
   * and every item runs again in a transaction of its own. So `work` must touch nothing but the database (no cache,
   * no event, no counter outside SQLite); whatever must follow a write belongs after the returned promise settles,
   * or to `generation`, which moves only when a commit went through.
   */
  run<T>(work: () => T): Promise<T>;
  /**
   * Like `run`, but `work` runs outside any transaction (for what SQLite refuses inside one, such as switching
   * foreign keys off), still in queue order: after every write queued before it, before every write queued after.
   * `work` opens its own transaction; whatever it does counts as one commit.
   */
  runAlone<T>(work: () => T): Promise<T>;
  /**
   * Applies `input` with `group` inside the next batch transaction, together with the inputs of the same group queued
   * right before and after it (see WriteGroup); resolves once the batch committed, or rejects as `run` does.
   */
  runIn<I>(group: WriteGroup<I>, input: I): Promise<void>;
  /**
   * Bumped by every commit: anything derived from the database (a cached ShowTask body) is current while the
   * generation it was derived at is the generation now. One rule instead of each write dropping what it touched.
   */
  readonly generation: number;
  /** Raised after every commit, once its callers were answered (the dashboard's event stream listens). */
  readonly committed: Signal;
  /** Whether writes go through: the outcome of the last batch, and whether the path still names the open file. */
  health(): StoreHealth;
}

/** Thrown inside a batch to undo it: some item failed, and each item then runs again on its own. */
class BatchFailed extends Error {
  constructor(readonly reason: unknown) {
    super('batch item failed');
  }
}

const HEALTHY: StoreHealth = { ok: true };

/**
 * SQLite keeps writing to a file that was unlinked or replaced under it: answered with 200, gone at the next start.
 * Comparing the path's device and inode with the open file's catches that. A stat costs 4-7 µs, paid once per batch
 * (not per request): about 4% of a batch holding a single write (~150 µs), less as batches grow.
 */
function fileWatch(db: Db): () => string | undefined {
  if (db.memory || db.name === '') return () => undefined;
  const path = db.name;
  const opened = statSync(path);
  return () => {
    const now = statSync(path, { throwIfNoEntry: false });
    if (now && now.ino === opened.ino && now.dev === opened.dev) return undefined;
    const what = now ? 'was replaced by another file' : 'was deleted';
    return `${path} ${what} while the server ran: what it writes now would be lost; restart the server`;
  };
}

export function createWriteQueue(db: Db, { log }: WriteQueueOptions = {}): WriteQueue {
  let pending: Pending[] = [];
  let scheduled = false;
  let state: StoreHealth = HEALTHY;
  let generation = 0;
  const committed = new Signal();
  const moved = fileWatch(db);

  // One loud line when writes start failing (or fail for another reason), not one per refused request.
  const unhealthy = (reason: string, code?: string): ApiError => {
    if (state.error !== reason) {
      state = { ok: false, error: reason };
      log?.error(code ? { db: db.name, code } : { db: db.name }, `database cannot be written: ${reason}`);
    }
    return new ApiError('storeUnavailable', reason);
  };
  const healthy = (): void => {
    if (state.ok) return;
    state = HEALTHY;
    log?.info({ db: db.name }, 'database writable again');
  };
  /** A storage failure becomes the 503; anything else (a rejected request, a bug) stays what it was. */
  const failure = (error: unknown): unknown =>
    isStorageFailure(error) ? unhealthy(`${db.name}: ${error.message} (${error.code})`, error.code) : error;

  /** What an item does alone: its work, or its group applied to its input only. */
  const workOf = (item: Pending): (() => unknown) =>
    item.work ?? (() => (item.group as WriteGroup<unknown>).apply([item.input]));

  // Built once: creating a better-sqlite3 transaction function is not free, and this runs on every write.
  const runBatch = db.transaction((batch: readonly Pending[], results: unknown[]) => {
    let index = 0;
    while (index < batch.length) {
      const item = batch[index] as Pending;
      const { group } = item;
      let end = index + 1;
      try {
        if (group === undefined) {
          results.push((item.work as () => unknown)());
        } else {
          while (end < batch.length && (batch[end] as Pending).group === group) end++;
          group.apply(end === index + 1 ? [item.input] : batch.slice(index, end).map((pending) => pending.input));
          for (let i = index; i < end; i++) results.push(undefined);
        }
      } catch (error) {
        throw new BatchFailed(error);
      }
      index = end;
    }
  });
  const runOne = db.transaction((work: () => unknown) => work());

  const commitBatch = (batch: readonly Pending[]): void => {
    const results: unknown[] = [];
    try {
      runBatch(batch, results);
    } catch (error) {
      const reason = error instanceof BatchFailed ? error.reason : error;
      if (!(error instanceof BatchFailed) || isStorageFailure(reason)) {
        // A failed commit, or a storage failure each item would meet again on its own: the whole batch gets it.
        for (const item of batch) item.reject(failure(reason));
        return;
      }
      // Rare path (a rejected request in the batch): no savepoint per item on the common path, so the batch was
      // rolled back whole and every item now gets a transaction of its own.
      for (const item of batch) commitOne(item, runOne);
      return;
    }
    generation++;
    healthy();
    batch.forEach((item, index) => {
      item.resolve(results[index]);
    });
    committed.raise();
  };

  const commitOne = (item: Pending, run: (work: () => unknown) => unknown): void => {
    let result: unknown;
    try {
      result = run(workOf(item));
    } catch (error) {
      item.reject(failure(error));
      return;
    }
    generation++;
    healthy();
    item.resolve(result);
    committed.raise();
  };

  let aloneQueued = 0;
  const flush = (): void => {
    scheduled = false;
    const queue = pending;
    const alone = aloneQueued;
    pending = [];
    aloneQueued = 0;
    const gone = moved();
    if (gone !== undefined) {
      for (const item of queue) item.reject(unhealthy(gone));
      return;
    }
    if (alone === 0) {
      commitBatch(queue);
      return;
    }
    let start = 0;
    queue.forEach((item, index) => {
      if (!item.alone) return;
      if (index > start) commitBatch(queue.slice(start, index));
      commitOne(item, (work) => work());
      start = index + 1;
    });
    if (start < queue.length) commitBatch(queue.slice(start));
  };

  const enqueue = <T>(
    work: (() => T) | undefined,
    alone: boolean,
    group?: WriteGroup<unknown>,
    input?: unknown,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      pending.push({ work, alone, group, input, resolve: resolve as (value: unknown) => void, reject });
      if (alone) aloneQueued++;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });

  return {
    run: (work) => enqueue(work, false),
    runAlone: (work) => enqueue(work, true),
    runIn: (group, input) => enqueue<void>(undefined, false, group as WriteGroup<unknown>, input),
    get generation() {
      return generation;
    },
    committed,
    health() {
      const gone = moved();
      if (gone !== undefined) unhealthy(gone);
      return state;
    },
  };
}
