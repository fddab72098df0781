import { describe, expect, it } from 'vitest';
import { mayHoldInt64, parseJson, restoreInt64, standInInt64, stringifyJson } from '../../src/http/json.js';

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

describe('standInInt64 / restoreInt64', () => {
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
