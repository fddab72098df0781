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
 * Parses JSON text. Integers beyond 2^53 come back as bigint, everything else as JSON.parse gives it.
 * `__proto__` and `constructor.prototype` keys are refused, as Fastify's own parser does.
 * `longDigits` lets a caller that already ran mayHoldInt64 on the text skip a second scan.
 */
export function parseJson(text: string, longDigits = mayHoldInt64(text)): unknown {
  const value: unknown = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  if (!longDigits) return value;
  return parseLossless(text, undefined, parseNumber);
}

/** Whether the text holds a run of digits long enough to be an integer JSON.parse would round. */
export function mayHoldInt64(text: string): boolean {
  return LONG_DIGITS.test(text);
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
 */
export function standInInt64(root: unknown): Int64Fixup[] {
  const fixups: Int64Fixup[] = [];
  const visit = (holder: Record<string, unknown> | unknown[], key: string | number, value: unknown): void => {
    if (typeof value === 'bigint') {
      fixups.push({ holder, key, value });
      const sign = value < 0n ? -1 : 1;
      const standIn = value > INT64_MAX || value < INT64_MIN ? OUT_OF_RANGE_STAND_IN : IN_RANGE_STAND_IN;
      (holder as Record<string | number, unknown>)[key] = sign * standIn;
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) visit(value, index, value[index]);
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const name of Object.keys(record)) visit(record, name, record[name]);
    }
  };
  visit({ root }, 'root', root);
  return fixups;
}

export function restoreInt64(fixups: readonly Int64Fixup[]): void {
  for (const { holder, key, value } of fixups) (holder as Record<string | number, unknown>)[key] = value;
}
