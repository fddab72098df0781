// JSON that keeps int64 exact: JSON.parse on the common path, a lossless re-parse only when a body holds a number
// long enough to lose digits, and a BigInt-aware stringify.
import { isInteger, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import secureJson from 'secure-json-parse';

/** 2^53 has 16 digits: any shorter run of digits is a number JSON.parse reads exactly. */
const LONG_DIGITS = /\d{16}/;

function parseNumber(text: string): number | bigint {
  if (isInteger(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : BigInt(text);
  }
  return Number(text);
}

/**
 * How deeply a body may nest objects and arrays. Real bodies reach 6 levels (TargetServer's btrfs subvolumes); the
 * bound keeps every recursive step after parsing (validation, serialization, storage) far from the stack's end.
 */
export const MAX_JSON_DEPTH = 64;

/** Thrown by parseJson for text that is JSON but is refused as a body: the message names why. */
export class JsonRefusedError extends Error {}

/** Thrown by parseJson for text that nests deeper than allowed. */
export class JsonDepthError extends JsonRefusedError {
  constructor(readonly limit: number) {
    super(`the body nests deeper than ${limit} levels`);
    this.name = 'JsonDepthError';
  }
}

/**
 * Thrown by parseJson for a `\uD800`-style escape with no partner: JSON allows it, but it is no Unicode text, and
 * stored as UTF-8 it would silently come back as U+FFFD.
 */
export class UnpairedSurrogateError extends JsonRefusedError {
  constructor() {
    super('the body holds an unpaired UTF-16 surrogate escape (\\uD800 to \\uDFFF), which is not Unicode text');
    this.name = 'UnpairedSurrogateError';
  }
}

/** Only an escape can bring a surrogate into parsed text: UTF-8 decoding turns a raw one into U+FFFD. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hasUnpairedSurrogate(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (UNPAIRED_SURROGATE.test(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (UNPAIRED_SURROGATE.test(key)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Throws JsonDepthError when the text nests deeper than `limit`. Text too short to nest that deep is passed at once,
 * and text with no more opening brackets than the limit after one cheap count; only the rest gets the exact,
 * string-aware scan.
 */
function checkDepth(text: string, limit: number): void {
  if (text.length <= 2 * limit + 1) return;
  let openers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) openers++;
  }
  if (openers <= limit) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) throw new JsonDepthError(limit);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/**
 * Parses JSON text. Integers beyond 2^53 come back as bigint, everything else as JSON.parse gives it.
 * `__proto__` and `constructor.prototype` keys are refused, as Fastify's own parser does, and so is text nesting
 * deeper than `maxDepth` levels (JsonDepthError) or holding an unpaired surrogate (UnpairedSurrogateError).
 * `longDigits` lets a caller that already ran mayHoldInt64 on the text skip a second scan.
 */
export function parseJson(text: string, longDigits = mayHoldInt64(text), maxDepth = MAX_JSON_DEPTH): unknown {
  checkDepth(text, maxDepth);
  let value: unknown = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  if (longDigits) value = parseLossless(text, undefined, parseNumber);
  if (SURROGATE_ESCAPE.test(text) && hasUnpairedSurrogate(value)) throw new UnpairedSurrogateError();
  return value;
}

/**
 * Whether a value (parsed or built in code, cycles included) nests objects and arrays deeper than `limit`. Walks with
 * its own stack and stops at the first level too deep, so neither depth nor a cycle can overflow anything.
 */
export function nestsDeeperThan(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, depth] = next;
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Whether the text holds a run of digits long enough to be an integer JSON.parse would round. */
export function mayHoldInt64(text: string): boolean {
  return LONG_DIGITS.test(text);
}

/** An int64 value: a number where it is exact, a bigint beyond 2^53. */
export type Int64Value = number | bigint;

/**
 * An integer read by a safeIntegers statement (bigint) as a number when it fits, so ordinary values stay ordinary;
 * null for SQL NULL.
 */
export function int64Of(value: unknown): Int64Value | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  return value as number;
}

/** Stringifies values that may hold bigint (JSON.stringify throws on them). */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return stringifyLossless(value) ?? 'null';
  }
}

/** Where a bigint sat in a parsed body, so it can be put back after validation. */
export interface Int64Fixup {
  readonly holder: Record<string, unknown> | unknown[];
  readonly key: string | number;
  readonly value: bigint;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** Stands in for an in-range int64 beyond 2^53: passes a Long's bounds, fails every smaller bound. */
const IN_RANGE_STAND_IN = 2 ** 53;
/** Stands in for a value beyond int64: fails every bound and the int64 format. */
const OUT_OF_RANGE_STAND_IN = 1e300;

/**
 * Replaces each bigint in a parsed body with a number Ajv can judge against the schema's bounds, and returns where
 * they were. Ajv (like JSON Schema) has no bigint; the real values go back with restoreInt64 once validation passed.
 * Walks with its own stack: no input depth can overflow the call stack.
 */
export function standInInt64(root: unknown): Int64Fixup[] {
  const fixups: Int64Fixup[] = [];
  const pending: (Record<string, unknown> | unknown[])[] = [{ root }];
  for (let holder = pending.pop(); holder !== undefined; holder = pending.pop()) {
    const record = holder as Record<string | number, unknown>;
    for (const key of Array.isArray(holder) ? holder.keys() : Object.keys(holder)) {
      const value = record[key];
      if (typeof value === 'bigint') {
        fixups.push({ holder, key, value });
        const sign = value < 0n ? -1 : 1;
        const standIn = value > INT64_MAX || value < INT64_MIN ? OUT_OF_RANGE_STAND_IN : IN_RANGE_STAND_IN;
        record[key] = sign * standIn;
      } else if (value !== null && typeof value === 'object') {
        pending.push(value as Record<string, unknown> | unknown[]);
      }
    }
  }
  return fixups;
}

export function restoreInt64(fixups: readonly Int64Fixup[]): void {
  for (const { holder, key, value } of fixups) (holder as Record<string | number, unknown>)[key] = value;
}
