// The request journal: every request to the emulated API, kept in a ring bounded by a count and by a byte budget,
// with filters and waits.
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../lib/errors.js';
import { mayHoldInt64, parseJson, stringifyJson } from '../lib/json.js';
import { Signal } from '../lib/signal.js';
import type { FaultMark, JournalEntry } from './schemas.js';

// An entry as read is the Static type of the schema GET /_mock/requests answers with, `time` as the same ISO text.
// Only `body` (unknown to both) holds more in memory than JSON says: integers beyond 2^53 as bigint, sent as exact
// digits.
export type { FaultMark, JournalEntry } from './schemas.js';

/** Bodies longer than this are kept cut to this many characters. */
export const MAX_JOURNAL_BODY = 64 * 1024;

/** Waits that may be pending at once: each holds a connection and, once satisfied, an answer to render. */
export const MAX_PENDING_WAITS = 1000;

/**
 * What an entry is counted at besides the characters of its body, url and headers: the record itself, the headers
 * object, the request id and the numbers. With HEADER_OVERHEAD, a small progress report with five headers is counted
 * at about 720 bytes; it takes about 690 of heap on Node 20. Characters count as V8 stores them: a byte each, two
 * in a body holding any beyond Latin-1 (headers and urls arrive as Latin-1).
 */
export const ENTRY_OVERHEAD = 320;
/** Per header: its slot in the headers object and its value's string header. */
const HEADER_OVERHEAD = 32;
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

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

/** What is recorded per request, kept as received; rendering (redaction, body parsing) waits until it is read. */
export interface JournalRecord {
  readonly time: number;
  readonly method: string;
  /** The raw URL: path and query. */
  readonly url: string;
  readonly operation: string | null;
  /** The value of the path parameter naming the operation's resource (`task_id`, `source_id`, ...). */
  readonly resourceId: string | null;
  /** The same value when that parameter is `task_id`. */
  readonly taskId: string | null;
  /** null when the connection was dropped or closed without an answer. */
  readonly status: number | null;
  readonly requestId: string;
  readonly durationMs: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string | null;
  readonly fault: FaultMark | null;
}

/**
 * What the journal filters on, as the routes and startMock() both give it: camelCase, `since` in epoch ms. Not a wire
 * shape; the routes read theirs from JournalQuery and WaitQuery.
 */
export interface JournalFilter {
  readonly method?: string | undefined;
  readonly operation?: string | undefined;
  /** The value of the operation's resource path parameter, whatever that parameter is. */
  readonly resourceId?: string | undefined;
  /** Matches only operations whose resource parameter is `task_id`. */
  readonly taskId?: string | undefined;
  /** An exact status (`404`) or a class (`4xx`). */
  readonly status?: string | undefined;
  /** Only entries recorded at or after this time (ms since the epoch, the mock clock's). */
  readonly since?: number | undefined;
  /** Only entries with a larger sequence number. */
  readonly after?: number | undefined;
  /** Only the newest this many of the matching entries (still oldest first); lists only, not waits. */
  readonly last?: number | undefined;
}

export interface JournalOptions {
  /** Bytes the kept entries may take, as counted by ENTRY_OVERHEAD and their characters; unbounded when omitted. */
  readonly maxBytes?: number;
  /** Operation names a filter may use; read at each use, so it may be filled in after the journal is made. */
  readonly operations?: ReadonlySet<string>;
  readonly maxWaits?: number;
}

/**
 * How a wait ended. `satisfied` carries the matching entries as one answer shared by every wait settled with the same
 * filter at the same moment; `timeout` and `closing` (the server is closing) carry only how many matched.
 */
export type WaitResult =
  | { readonly outcome: 'satisfied'; readonly count: number; readonly answer: WaitAnswer }
  | { readonly outcome: 'timeout' | 'closing'; readonly count: number };

interface Stored extends JournalRecord {
  seq: number;
  body: string | null;
  /** What the entry is counted at against the byte budget. */
  bytes: number;
}

type Matcher = (entry: Stored) => boolean;

interface Waiter {
  /** The filter in canonical form: waits with equal keys share an answer. */
  readonly key: string;
  readonly matches: Matcher;
  readonly wanted: number;
  seen: number;
  timer: NodeJS.Timeout | undefined;
  readonly resolve: (result: WaitResult) => void;
}

function matcher(filter: JournalFilter): Matcher {
  const method = filter.method?.toUpperCase();
  const statusClass = filter.status && /^[1-5]xx$/i.test(filter.status) ? Number(filter.status[0]) : undefined;
  const status = filter.status && statusClass === undefined ? Number(filter.status) : undefined;
  return (entry) =>
    (method === undefined || entry.method === method) &&
    (filter.operation === undefined || entry.operation === filter.operation) &&
    (filter.resourceId === undefined || entry.resourceId === filter.resourceId) &&
    (filter.taskId === undefined || entry.taskId === filter.taskId) &&
    (status === undefined || entry.status === status) &&
    (statusClass === undefined || (entry.status !== null && Math.floor(entry.status / 100) === statusClass)) &&
    (filter.since === undefined || entry.time >= filter.since) &&
    (filter.after === undefined || entry.seq > filter.after);
}

function filterKey(filter: JournalFilter): string {
  const { method, operation, resourceId, taskId, status, since, after } = filter;
  return JSON.stringify([method?.toUpperCase(), operation, resourceId, taskId, status?.toLowerCase(), since, after]);
}

/** Refuses an operation name no route has: a filter or rule naming one would match nothing, silently, forever. */
export function checkOperation(operation: string | undefined, known: ReadonlySet<string> | undefined): void {
  if (operation === undefined || known === undefined || known.has(operation)) return;
  throw new ApiError('invalidParameter', `operation '${operation}' is not one of: ${[...known].sort().join(', ')}`);
}

function headerChars(headers: IncomingHttpHeaders): number {
  let chars = 0;
  for (const name in headers) {
    const value = headers[name];
    chars += HEADER_OVERHEAD + name.length;
    if (typeof value === 'string') chars += value.length;
    else if (value !== undefined) for (const item of value) chars += HEADER_OVERHEAD + item.length;
  }
  return chars;
}

function redact(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const shown: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    shown[name] = SECRET_HEADERS.has(name) ? REDACTED : value;
  }
  return shown;
}

function isTruncated(entry: Stored): boolean {
  return entry.body !== null && entry.body.length > MAX_JOURNAL_BODY;
}

function bodyText(entry: Stored): string | null {
  return isTruncated(entry) ? (entry.body as string).slice(0, MAX_JOURNAL_BODY) : entry.body;
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

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

function render(entry: Stored): JournalEntry {
  const query = entry.url.indexOf('?');
  const truncated = isTruncated(entry);
  return {
    seq: entry.seq,
    time: isoTime(entry.time),
    method: entry.method,
    path: query < 0 ? entry.url : entry.url.slice(0, query),
    query: query < 0 ? null : entry.url.slice(query + 1),
    operation: entry.operation,
    resource_id: entry.resourceId,
    task_id: entry.taskId,
    status: entry.status,
    request_id: entry.requestId,
    duration_ms: Math.round(entry.durationMs * 1000) / 1000,
    headers: redact(entry.headers),
    body: renderBody(bodyText(entry), truncated),
    body_truncated: truncated,
    fault: entry.fault,
  };
}

/** One entry as JSON text. Never throws: a body the serializer cannot walk (nested too deep) is shown as its text. */
function entryJson(entry: Stored): string {
  const shown = render(entry);
  try {
    return stringifyJson(shown);
  } catch {
    shown.body = bodyText(entry);
    return JSON.stringify(shown);
  }
}

/** `{"count": N, "requests": [...]}` as JSON text, bodies with integers beyond 2^53 exact. */
function listJson(entries: readonly Stored[]): string {
  let json = `{"count":${entries.length},"requests":[`;
  for (let i = 0; i < entries.length; i++) json += (i === 0 ? '' : ',') + entryJson(entries[i] as Stored);
  return `${json}]}`;
}

/**
 * The entries that satisfied a wait, as they stood when it was settled. Shared by every wait settled with the same
 * filter at the same moment: the JSON text is made once, by whichever of them asks first.
 */
export interface WaitAnswer {
  /** How many entries matched. */
  readonly count: number;
  /** Fresh objects on every call: callers may keep or change them without touching each other's. */
  entries(): JournalEntry[];
  /** The same text as `GET /_mock/requests` answers for the filter. */
  json(): string;
}

class SharedAnswer implements WaitAnswer {
  readonly #entries: readonly Stored[];
  readonly #rendered: () => void;
  #json: string | undefined;

  constructor(entries: readonly Stored[], rendered: () => void) {
    this.#entries = entries;
    this.#rendered = rendered;
  }

  get count(): number {
    return this.#entries.length;
  }

  entries(): JournalEntry[] {
    this.#rendered();
    return this.#entries.map(render);
  }

  json(): string {
    if (this.#json === undefined) {
      this.#rendered();
      this.#json = listJson(this.#entries);
    }
    return this.#json;
  }
}

/**
 * A ring of the last requests, at most `capacity` of them and at most `maxBytes` counted over their bodies, urls and
 * headers: the oldest leave when either bound is hit (the newest entry is always kept). Recording keeps references
 * (headers object, body text) and copies only a body past the cut: the work of redacting and parsing is done when
 * somebody reads the journal.
 */
export class Journal {
  readonly capacity: number;
  readonly maxBytes: number;
  readonly maxWaits: number;
  readonly #operations: ReadonlySet<string> | undefined;
  readonly #ring: (Stored | undefined)[];
  /** Index of the oldest entry. */
  #start = 0;
  #size = 0;
  #bytes = 0;
  #nextSeq = 1;
  #renders = 0;
  #closed = false;
  readonly #waiters = new Set<Waiter>();
  /** Raised after every record and when the journal is emptied. */
  readonly changed = new Signal();
  /** Waits satisfied by a record, answered together on the next turn of the event loop. */
  #satisfied: Waiter[] = [];
  #flush: NodeJS.Immediate | undefined;

  constructor(capacity: number, options: JournalOptions = {}) {
    const { maxBytes = Number.POSITIVE_INFINITY, operations, maxWaits = MAX_PENDING_WAITS } = options;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('journal capacity must be at least 1');
    if (!(maxBytes >= 1)) throw new RangeError('journal byte budget must be at least 1');
    if (!Number.isInteger(maxWaits) || maxWaits < 1) throw new RangeError('pending waits must be at least 1');
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.maxWaits = maxWaits;
    this.#operations = operations;
    this.#ring = new Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** What the kept entries are counted at against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many times a list of entries was rendered (list, listJson, wait answers): a cost test code can observe. */
  get renders(): number {
    return this.#renders;
  }

  /** Waits not answered yet. */
  get pendingWaits(): number {
    return this.#waiters.size + this.#satisfied.length;
  }

  /** Keeps the record object itself, numbered, its body copied cut when it is past the limit. */
  record(record: JournalRecord): void {
    const entry = record as Stored;
    entry.seq = this.#nextSeq++;
    let body = entry.body;
    if (body !== null && body.length > MAX_JOURNAL_BODY + 1) {
      // A slice shares the whole body's memory in V8: a copy of the cut part lets the full text be collected.
      body = Buffer.from(body.slice(0, MAX_JOURNAL_BODY + 1)).toString();
      entry.body = body;
    }
    const bodyBytes = body === null ? 0 : BEYOND_LATIN1.test(body) ? 2 * body.length : body.length;
    entry.bytes = ENTRY_OVERHEAD + bodyBytes + entry.url.length + headerChars(entry.headers);
    while (this.#size > 0 && (this.#size === this.capacity || this.#bytes + entry.bytes > this.maxBytes)) {
      this.#dropOldest();
    }
    this.#ring[(this.#start + this.#size) % this.capacity] = entry;
    this.#size++;
    this.#bytes += entry.bytes;
    if (this.#waiters.size > 0) {
      for (const waiter of this.#waiters) {
        if (waiter.matches(entry) && ++waiter.seen >= waiter.wanted) this.#ready(waiter);
      }
    }
    this.changed.raise();
  }

  #dropOldest(): void {
    const oldest = this.#ring[this.#start] as Stored;
    this.#ring[this.#start] = undefined;
    this.#bytes -= oldest.bytes;
    this.#start = (this.#start + 1) % this.capacity;
    this.#size--;
  }

  #matching(matches: Matcher): Stored[] {
    const found: Stored[] = [];
    for (let i = 0; i < this.#size; i++) {
      const entry = this.#ring[(this.#start + i) % this.capacity] as Stored;
      if (matches(entry)) found.push(entry);
    }
    return found;
  }

  #stored(filter: JournalFilter): Stored[] {
    checkOperation(filter.operation, this.#operations);
    const found = this.#matching(matcher(filter));
    return filter.last !== undefined && found.length > filter.last ? found.slice(-filter.last) : found;
  }

  /** Matching entries, oldest first. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const found = this.#stored(filter);
    this.#renders++;
    return found.map(render);
  }

  /** Matching entries as `{"count": N, "requests": [...]}` JSON text, oldest first. */
  listJson(filter: JournalFilter = {}): string {
    const found = this.#stored(filter);
    this.#renders++;
    return listJson(found);
  }

  count(filter: JournalFilter = {}): number {
    return this.#stored(filter).length;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#start = 0;
    this.#size = 0;
    this.#bytes = 0;
    this.changed.raise();
  }

  /** Clears the journal and numbers the next entry 1 again. */
  reset(): void {
    this.clear();
    this.#nextSeq = 1;
  }

  /**
   * Resolves once `count` entries matching `filter` are in the journal (counting those already there), when
   * `timeoutMs` has passed, or when the journal is closed. Entries that leave the ring meanwhile still count.
   * Rejects (429) when `maxWaits` waits are pending already.
   */
  async wait(filter: JournalFilter, count: number, timeoutMs: number): Promise<WaitResult> {
    const already = this.#stored(filter);
    if (already.length >= count) {
      return { outcome: 'satisfied', count: already.length, answer: this.#answer(already) };
    }
    if (this.#closed) return { outcome: 'closing', count: already.length };
    if (this.pendingWaits >= this.maxWaits) {
      throw new ApiError('tooManyWaits', `at most ${this.maxWaits} may be pending at once`);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        key: filterKey(filter),
        matches: matcher(filter),
        wanted: count,
        seen: already.length,
        timer: undefined,
        resolve,
      };
      waiter.timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        resolve({ outcome: 'timeout', count: waiter.seen });
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #answer(entries: readonly Stored[]): WaitAnswer {
    return new SharedAnswer(entries, () => {
      this.#renders++;
    });
  }

  /**
   * A satisfied wait is answered on the next turn of the event loop, not inside the record that satisfied it: the
   * request being recorded is not held up, and waits satisfied together share their answers.
   */
  #ready(waiter: Waiter): void {
    this.#waiters.delete(waiter);
    clearTimeout(waiter.timer);
    this.#satisfied.push(waiter);
    this.#flush ??= setImmediate(() => this.#answerSatisfied());
  }

  #answerSatisfied(): void {
    if (this.#flush !== undefined) clearImmediate(this.#flush);
    this.#flush = undefined;
    const satisfied = this.#satisfied;
    this.#satisfied = [];
    const answers = new Map<string, WaitAnswer>();
    for (const waiter of satisfied) {
      let answer = answers.get(waiter.key);
      if (answer === undefined) {
        answer = this.#answer(this.#matching(waiter.matches));
        answers.set(waiter.key, answer);
      }
      waiter.resolve({ outcome: 'satisfied', count: Math.max(waiter.seen, answer.count), answer });
    }
  }

  /** Answers every pending wait (`closing`, or `satisfied` for those already satisfied); later waits answer at once. */
  closeWaits(): void {
    this.#closed = true;
    this.#answerSatisfied();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve({ outcome: 'closing', count: waiter.seen });
    }
    this.#waiters.clear();
  }
}
