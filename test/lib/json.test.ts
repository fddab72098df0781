import { describe, expect, it } from 'vitest';
import {
  JsonDepthError,
  MAX_JSON_DEPTH,
  mayHoldInt64,
  nestsDeeperThan,
  parseJson,
  restoreInt64,
  standInInt64,
  stringifyJson,
  UnpairedSurrogateError,
} from '../../src/lib/json.js';

/** `levels` arrays one inside the other, the innermost holding `inner`. */
const nested = (levels: number, inner = '') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

describe('parseJson', () => {
  it('reads ordinary JSON as JSON.parse does', () => {
    expect(parseJson('{"a":1,"b":[1.5,"x",null,true]}')).toEqual({ a: 1, b: [1.5, 'x', null, true] });
  });

  it('keeps integers beyond 2^53 exact as bigint and safe ones as numbers', () => {
    const value = parseJson('{"max":9223372036854775807,"safe":9007199254740991,"small":5,"f":1234567890123456.5}');
    expect(value).toEqual({ max: 9223372036854775807n, safe: 9007199254740991, small: 5, f: 1234567890123456.5 });
  });

  it('refuses __proto__ and constructor.prototype keys', () => {
    expect(() => parseJson('{"__proto__":{"polluted":true}}')).toThrow();
    expect(() => parseJson('{"constructor":{"prototype":{"polluted":true}}}')).toThrow();
    expect(() => parseJson('{"a":1, "__proto__":{"x":1}, "n":12345678901234567890}')).toThrow();
  });

  it('throws on malformed text', () => {
    expect(() => parseJson('{"a":')).toThrow();
  });

  it('only takes the lossless path for long digit runs', () => {
    expect(mayHoldInt64('{"a":123456789012345}')).toBe(false);
    expect(mayHoldInt64('{"a":1234567890123456}')).toBe(true);
  });
});

describe('parseJson nesting limit', () => {
  it('reads text nesting exactly as deep as the limit, and refuses one level more', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(parseJson(`{"a":${nested(63, '1')}}`)).toEqual({ a: JSON.parse(nested(63, '1')) });
    expect(() => parseJson(`{"a":${nested(64, '1')}}`)).toThrow(JsonDepthError);
    expect(() => parseJson(`{"a":${nested(64, '1')}}`)).toThrow('the body nests deeper than 64 levels');
    expect(parseJson(nested(5), false, 5)).toEqual([[[[[]]]]]);
    expect(() => parseJson(nested(6), false, 5)).toThrow(JsonDepthError);
  });

  it('refuses deep text on the int64 path too, before any recursive parser sees it', () => {
    const text = `{"n":1234567890123456789,"z":${nested(4500)}}`;
    expect(() => parseJson(text)).toThrow(JsonDepthError);
    expect(() => parseJson(text, true)).toThrow(JsonDepthError);
    expect(() => parseJson(nested(200_000))).toThrow(JsonDepthError);
  });

  it('counts only brackets outside strings, escaped quotes included', () => {
    const brackets = '[{'.repeat(100);
    // One string ends in a backslash, the other starts with a quote: both come out escaped.
    const value = { a: `${brackets}\\`, b: `"${brackets}`, c: [1, [2]] };
    const text = JSON.stringify(value);
    expect(text).toContain('\\\\"');
    expect(parseJson(text)).toEqual(value);
  });

  it('takes wide text with many shallow objects', () => {
    const text = JSON.stringify({ list: Array.from({ length: 500 }, (_, i) => ({ i, tags: [i] })) });
    expect((parseJson(text) as { list: unknown[] }).list).toHaveLength(500);
  });
});

describe('parseJson unpaired surrogates', () => {
  it('refuses an unpaired surrogate escape in a value or a key, on both parsing paths', () => {
    for (const text of ['"\\ud800"', '["a\\udc00b"]', '{"\\udbff":1}', '{"a":"\\ud800","n":12345678901234567}']) {
      expect(() => parseJson(text), text).toThrow(UnpairedSurrogateError);
    }
  });

  it('reads pairs, escaped backslashes and plain text as JSON.parse does', () => {
    for (const text of ['"\\ud83d\\ude00"', '"\\\\ud800"', '"\u00e9t\u00e9"', '{"k":"\\u0041"}']) {
      expect(parseJson(text), text).toEqual(JSON.parse(text));
    }
  });
});

describe('nestsDeeperThan', () => {
  it('measures objects and arrays built in code, without recursion, and stops on a cycle', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: [] }] }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: [] }] }, 3)).toBe(true);
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestsDeeperThan(deep, 64)).toBe(true);
    const cycle: Record<string, unknown> = { name: 'x' };
    cycle.self = cycle;
    expect(nestsDeeperThan(cycle, 64)).toBe(true);
  });
});

describe('standInInt64 / restoreInt64', () => {
  it('walks any depth without running out of stack', () => {
    let deep: unknown = { n: 9223372036854775807n };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const fixups = standInInt64(deep);
    expect(fixups).toHaveLength(1);
    expect(fixups[0]?.holder).toEqual({ n: 2 ** 53 });
    restoreInt64(fixups);
    expect(fixups[0]?.holder).toEqual({ n: 9223372036854775807n });
  });

  it('replaces bigints with numbers that keep their bounds behaviour, then restores them', () => {
    const body = { a: 9223372036854775807n, b: [1, -9223372036854775808n], c: { d: 9223372036854775808n } };
    const fixups = standInInt64(body);
    expect(fixups).toHaveLength(3);
    expect(body).toEqual({ a: 2 ** 53, b: [1, -(2 ** 53)], c: { d: 1e300 } });
    restoreInt64(fixups);
    expect(body).toEqual({ a: 9223372036854775807n, b: [1, -9223372036854775808n], c: { d: 9223372036854775808n } });
  });
});

describe('stringifyJson', () => {
  it('writes bigint digits exactly', () => {
    expect(stringifyJson({ a: 9223372036854775807n, b: 'x', c: [1, null] })).toBe(
      '{"a":9223372036854775807,"b":"x","c":[1,null]}',
    );
  });
  it('equals JSON.stringify without bigint', () => {
    const value = { a: 1.5, b: 'é"', c: [true, null], d: {} };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });
});
