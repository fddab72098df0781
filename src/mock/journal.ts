// The request journal: every request to the emulated API, kept in a bounded ring, with filters and waits.
import type { IncomingHttpHeaders } from 'node:http';
import { mayHoldInt64, parseJson } from '../http/json.js';

/** Bodies longer than this are kept cut to this many characters. */
export const MAX_JOURNAL_BODY = 64 * 1024;

/** Headers whose values are credentials: shown as REDACTED. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-auth-token',
  'x-subject-token',
  'x-security-token',
  'cookie',
  'set-cookie',
]);
export const REDACTED = 'REDACTED';

export interface FaultMark {
  /** Id of the fault rule that fired. */
  readonly rule: string;
  readonly effect: string;
}

/** What is recorded per request, kept as received; rendering (redaction, body parsing) waits until it is read. */
export interface JournalRecord {
  readonly time: number;
  readonly method: string;
  /** The raw URL: path and query. */
  readonly url: string;
  readonly operation: string | null;
  readonly taskId: string | null;
  /** null when the connection was dropped or closed without an answer. */
  readonly status: number | null;
  readonly requestId: string;
  readonly durationMs: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string | null;
  readonly fault: FaultMark | null;
}

export interface JournalEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: string | null;
  operation: string | null;
  task_id: string | null;
  status: number | null;
  request_id: string;
  duration_ms: number;
  headers: Record<string, string | string[]>;
  /** Parsed JSON when the body is JSON (int64 values exact), the text otherwise, null without a body. */
  body: unknown;
  body_truncated: boolean;
  fault: FaultMark | null;
}

export interface JournalFilter {
  readonly method?: string | undefined;
  readonly operation?: string | undefined;
  readonly taskId?: string | undefined;
  /** An exact status (`404`) or a class (`4xx`). */
  readonly status?: string | undefined;
  /** Only entries recorded at or after this time (ms since the epoch, the mock clock's). */
  readonly since?: number | undefined;
  /** Only entries with a larger sequence number. */
  readonly after?: number | undefined;
}

export interface WaitResult {
  /** False when the timeout came first. */
  readonly satisfied: boolean;
  /** How many matching requests arrived. */
  readonly count: number;
  readonly entries: JournalEntry[];
}

interface Stored extends JournalRecord {
  seq: number;
  body: string | null;
}

interface Waiter {
  readonly matches: (entry: Stored) => boolean;
  readonly wanted: number;
  seen: number;
  readonly settle: (satisfied: boolean) => void;
}

function matcher(filter: JournalFilter): (entry: Stored) => boolean {
  const method = filter.method?.toUpperCase();
  const statusClass = filter.status && /^[1-5]xx$/i.test(filter.status) ? Number(filter.status[0]) : undefined;
  const status = filter.status && statusClass === undefined ? Number(filter.status) : undefined;
  return (entry) =>
    (method === undefined || entry.method === method) &&
    (filter.operation === undefined || entry.operation === filter.operation) &&
    (filter.taskId === undefined || entry.taskId === filter.taskId) &&
    (status === undefined || entry.status === status) &&
    (statusClass === undefined || (entry.status !== null && Math.floor(entry.status / 100) === statusClass)) &&
    (filter.since === undefined || entry.time >= filter.since) &&
    (filter.after === undefined || entry.seq > filter.after);
}

function redact(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const shown: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    shown[name] = SECRET_HEADERS.has(name) ? REDACTED : value;
  }
  return shown;
}

function renderBody(text: string | null, truncated: boolean): unknown {
  if (text === null || text === '') return null;
  if (truncated) return text;
  try {
    return parseJson(text, mayHoldInt64(text));
  } catch {
    return text;
  }
}

function render(entry: Stored): JournalEntry {
  const query = entry.url.indexOf('?');
  const truncated = entry.body !== null && entry.body.length > MAX_JOURNAL_BODY;
  const body = truncated ? (entry.body as string).slice(0, MAX_JOURNAL_BODY) : entry.body;
  return {
    seq: entry.seq,
    time: new Date(entry.time).toISOString(),
    method: entry.method,
    path: query < 0 ? entry.url : entry.url.slice(0, query),
    query: query < 0 ? null : entry.url.slice(query + 1),
    operation: entry.operation,
    task_id: entry.taskId,
    status: entry.status,
    request_id: entry.requestId,
    duration_ms: Math.round(entry.durationMs * 1000) / 1000,
    headers: redact(entry.headers),
    body: renderBody(body, truncated),
    body_truncated: truncated,
    fault: entry.fault,
  };
}

/**
 * A ring of the last `capacity` requests. Recording keeps references only (headers object, body text): the work of
 * redacting and parsing is done when somebody reads the journal.
 */
export class Journal {
  readonly capacity: number;
  readonly #ring: (Stored | undefined)[];
  /** Index of the oldest entry. */
  #start = 0;
  #size = 0;
  #nextSeq = 1;
  readonly #waiters = new Set<Waiter>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('journal capacity must be at least 1');
    this.capacity = capacity;
    this.#ring = new Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Keeps the record object itself, numbered and its body cut past the limit: no copy per request. */
  record(record: JournalRecord): void {
    const entry = record as Stored;
    entry.seq = this.#nextSeq++;
    if (entry.body !== null && entry.body.length > MAX_JOURNAL_BODY + 1) {
      entry.body = entry.body.slice(0, MAX_JOURNAL_BODY + 1);
    }
    if (this.#size < this.capacity) {
      this.#ring[(this.#start + this.#size) % this.capacity] = entry;
      this.#size++;
    } else {
      this.#ring[this.#start] = entry;
      this.#start = (this.#start + 1) % this.capacity;
    }
    if (this.#waiters.size > 0) {
      for (const waiter of this.#waiters) {
        if (waiter.matches(entry) && ++waiter.seen >= waiter.wanted) waiter.settle(true);
      }
    }
  }

  #stored(filter: JournalFilter): Stored[] {
    const matches = matcher(filter);
    const found: Stored[] = [];
    for (let i = 0; i < this.#size; i++) {
      const entry = this.#ring[(this.#start + i) % this.capacity] as Stored;
      if (matches(entry)) found.push(entry);
    }
    return found;
  }

  /** Matching entries, oldest first. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    return this.#stored(filter).map(render);
  }

  count(filter: JournalFilter = {}): number {
    return this.#stored(filter).length;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#start = 0;
    this.#size = 0;
  }

  /** Clears the journal and numbers the next entry 1 again. */
  reset(): void {
    this.clear();
    this.#nextSeq = 1;
  }

  /**
   * Resolves once `count` entries matching `filter` are in the journal (counting those already there), or when
   * `timeoutMs` has passed, or when the journal is closed. Entries that leave the ring meanwhile still count.
   */
  wait(filter: JournalFilter, count: number, timeoutMs: number): Promise<WaitResult> {
    const result = (satisfied: boolean, seen: number): WaitResult => {
      const entries = this.#stored(filter);
      return { satisfied, count: Math.max(seen, entries.length), entries: entries.map(render) };
    };
    const already = this.count(filter);
    if (already >= count) return Promise.resolve(result(true, already));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        matches: matcher(filter),
        wanted: count,
        seen: already,
        settle: (satisfied) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(result(satisfied, waiter.seen));
        },
      };
      const timer = setTimeout(() => waiter.settle(false), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Settles every pending wait as unsatisfied (the server is closing). */
  closeWaits(): void {
    for (const waiter of this.#waiters) waiter.settle(false);
  }
}
