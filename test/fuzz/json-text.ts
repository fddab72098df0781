// Arbitraries that write request bodies as JSON text from the server's own TypeBox schemas: values inside every
// bound, values at and beyond them, and text no JavaScript value could produce (int64 literals beyond 2^53, 1e400,
// -0, lone surrogates, duplicate and prototype keys, deep nesting), so the server's parser sees it as a client sends it.
import fc from 'fast-check';

/** The JSON Schema keywords the server's schemas use (TypeBox schemas are plain JSON Schema objects). */
export interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly nullable?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly additionalProperties?: boolean;
  readonly minProperties?: number;
}

export interface BodyOptions {
  /** Whether values break the schema now and then, and the text itself gets mangled. */
  readonly hostile: boolean;
  /**
   * Arbitraries that replace the schema-driven one at a path (`target_server.disks[].size`; `[]` stands for array
   * items), for rules the schema does not express. Used for valid bodies only.
   */
  readonly overrides?: Readonly<Record<string, fc.Arbitrary<string>>>;
  /** At most this many optional properties per object: keeps bodies small enough to read in a counterexample. */
  readonly maxKeys?: number;
  /** At most this many items per array (within the schema's bounds). */
  readonly maxItems?: number;
  /** Strings are generated up to this length unless the schema's bound is lower (bounds themselves still come up). */
  readonly maxStringLength?: number;
  /**
   * With `hostile: false`: the one path whose value breaks the schema (the objects and arrays on the way to it are
   * always there). One fault per body tells exactly which field's handling failed.
   */
  readonly focus?: string;
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Number literals that sit on the edges of JSON, int32 and int64: exact, beyond range, non-integer spellings of
 * integers and spellings that round. Valid for some fields, invalid for most.
 */
export const ODD_NUMBER_LITERALS: readonly string[] = [
  '0',
  '-0',
  '-0.0',
  '0e0',
  '1e2',
  '1E+2',
  '100.0',
  '1.5',
  '-1',
  '2147483647',
  '2147483648',
  '-2147483648',
  '-2147483649',
  '4294967296',
  '9007199254740991',
  '9007199254740993',
  '9007199254740993.0',
  '12345678901234567.5',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '9223372036854775807.0',
  '9223372036854775806.9',
  '9223372036854775807e0',
  '92233720368547758070e-1',
  '9.223372036854775807e18',
  '1e19',
  '18446744073709551615',
  '99999999999999999999999999999999',
  '1e400',
  '-1e400',
  '1e-400',
  '5e-324',
  '1.7976931348623157e308',
];

/** Text that is not JSON at all, in places where a value belongs. */
const NOT_JSON_VALUES: readonly string[] = [
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  '+1',
  '01',
  '.5',
  '1.',
  '0x10',
  '1_000',
  "'x'",
  '"\t"',
  '"\u0001"',
  '"\\x41"',
  '"\\u12"',
  'tru',
  'nul',
];

/** Strings whose JSON escapes decode to something awkward: lone surrogates, NUL, controls, bidi, BOM, non-characters. */
const AWKWARD_STRINGS: readonly string[] = [
  '"\\ud800"',
  '"\\udfff"',
  '"a\\ud83d"',
  '"\\udc00\\ud800"',
  '"\\ud83d\\ude00"',
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\u001f\\u007f"',
  '"\\u202e\\u200b"',
  '"\\ufeff"',
  '"\\uffff\\ufffe"',
  '"\\\\"',
  '"\\/"',
  '"\\"\'; DROP TABLE tasks; --"',
  '"%00%2F%s%n"',
  '"\\r\\n\\r\\nHTTP/1.1 200 OK"',
];

/** Keys no schema declares, some of which have meant trouble for JavaScript objects. */
const ODD_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '',
  ' ',
  'x',
  'ID',
  'Name',
  '\\u0000',
  '\\ud800',
  'sub_tasks ',
];

/** Any JSON value, small: for unknown keys and schema-less places. */
const anyJson: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false', '0', '-1', '1.5', '""', '"x"'),
    fc.constantFrom(...ODD_NUMBER_LITERALS),
    fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(fc.constantFrom(...ODD_KEYS, 'a', 'b'), tie('value')), { maxLength: 3 })
      .map((entries) => `{${entries.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
  ),
})).value;

/**
 * A value nested `depth` levels deep in arrays or objects. Deep enough, this exhausts recursive parsers,
 * validators and serializers.
 */
export const deepNesting: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      { withCrossShrink: true },
      fc.integer({ min: 1, max: 64 }),
      fc.constantFrom(4500, 6000, 20_000),
      fc.integer({ min: 1, max: 8000 }),
    ),
    fc.constantFrom('[', '{'),
    fc.constantFrom('0', '1', '"x"', '{}', '[]', '1234567890123456', '9223372036854775807', '12345678901234567.5'),
  )
  .map(([depth, open, inner]) =>
    open === '['
      ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`,
  );

function json(value: unknown): string {
  return JSON.stringify(value);
}

function integerBounds(schema: SchemaNode): { min: bigint; max: bigint } {
  const [formatMin, formatMax] =
    schema.format === 'int32'
      ? [INT32_MIN, INT32_MAX]
      : schema.format === 'int64'
        ? [INT64_MIN, INT64_MAX]
        : [-(2n ** 53n), 2n ** 53n];
  // A Long's maximum is written as 2^63 (the nearest double): the format's bound, 2^63 - 1, is the one that holds.
  let min = formatMin;
  let max = formatMax;
  if (schema.minimum !== undefined && BigInt(Math.ceil(schema.minimum)) > min) min = BigInt(Math.ceil(schema.minimum));
  if (schema.maximum !== undefined && BigInt(Math.floor(schema.maximum)) < max)
    max = BigInt(Math.floor(schema.maximum));
  return { min, max };
}

function validInteger(schema: SchemaNode): fc.Arbitrary<string> {
  const { min, max } = integerBounds(schema);
  const edges = [min, max, min + 1n <= max ? min + 1n : min, 0n >= min && 0n <= max ? 0n : min];
  return fc.oneof(fc.constantFrom(...edges), fc.bigInt(min, max)).map(String);
}

function invalidInteger(schema: SchemaNode): fc.Arbitrary<string> {
  const { min, max } = integerBounds(schema);
  return fc.oneof(
    fc.constantFrom(String(min - 1n), String(max + 1n), `${max}.5`, `${min}.0`, `${max}.0`),
    fc.constantFrom(...ODD_NUMBER_LITERALS),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => json(d)),
  );
}

function doubleText(value: number): string {
  // JSON.stringify writes -0 as 0: keep the sign, it is a literal clients do send.
  return Object.is(value, -0) ? '-0' : json(value);
}

function validNumber(schema: SchemaNode): fc.Arbitrary<string> {
  const min = schema.minimum ?? -1e300;
  const max = schema.maximum ?? 1e300;
  return fc.oneof(
    fc.constantFrom(min, max, (min + max) / 2, Math.max(min, Math.min(max, 0))).map(doubleText),
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map(doubleText),
    fc.integer({ min: Math.ceil(Math.max(min, -1e6)), max: Math.floor(Math.min(max, 1e6)) }).map(String),
  );
}

function invalidNumber(schema: SchemaNode): fc.Arbitrary<string> {
  const edges: string[] = ['1e400', '-1e400'];
  if (schema.maximum !== undefined) edges.push(json(schema.maximum + Math.max(1e-9, Math.abs(schema.maximum) * 1e-12)));
  if (schema.minimum !== undefined) edges.push(json(schema.minimum - Math.max(1e-9, Math.abs(schema.minimum) * 1e-12)));
  return fc.oneof(fc.constantFrom(...edges), fc.constantFrom(...ODD_NUMBER_LITERALS));
}

/**
 * Mostly readable text; now and then any code point (CJK, emoji beyond the BMP, controls). One arbitrary for every
 * string: fast-check builds a table of all 1.1 million code points the first time it checks whether a generated
 * character could have come from 'binary' (as cross-shrinking does), once per arbitrary.
 */
const stringUnit: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 1 }) },
  )
  .filter((s) => s.length > 0);

function validString(schema: SchemaNode, options: BodyOptions): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...schema.enum.filter((v) => v !== null)).map(json);
  if (schema.const !== undefined) return fc.constant(json(schema.const));
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 4096;
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
      .map((d) => json(d.toISOString()));
  }
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern, 'u');
    return fc
      .stringMatching(pattern, { maxLength })
      .filter((s) => [...s].length >= minLength && [...s].length <= maxLength)
      .map(json);
  }
  const cap = Math.min(maxLength, options.maxStringLength ?? 24);
  const short = fc.string({
    unit: stringUnit,
    minLength: Math.min(minLength, cap),
    maxLength: Math.max(cap, minLength),
  });
  const atBound = fc.constantFrom(maxLength, minLength).map((n) => json('x'.repeat(n)));
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 6, arbitrary: short.map(json) },
    { weight: 1, arbitrary: atBound },
  );
}

function invalidString(schema: SchemaNode): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = [fc.constantFrom(...AWKWARD_STRINGS)];
  if (schema.maxLength !== undefined && schema.maxLength < 70_000) {
    options.push(fc.constant(json('y'.repeat(schema.maxLength + 1))));
    // Characters beyond the BMP count once in the schema and twice in UTF-16.
    options.push(fc.constant(json('😀'.repeat(schema.maxLength + 1))));
    options.push(fc.constant(json('😀'.repeat(schema.maxLength))));
  }
  if ((schema.minLength ?? 0) > 0) options.push(fc.constant(json('z'.repeat((schema.minLength ?? 1) - 1))));
  if (schema.enum) {
    const first = String(schema.enum.find((v) => v !== null) ?? 'x');
    options.push(fc.constantFrom(json(first.toLowerCase()), json(` ${first}`), json(`${first}\u0000`), '"NOPE"', '""'));
  }
  if (schema.pattern) options.push(fc.constantFrom('"has space"', '"semi;colon"', '"点!"', '"a\\nb"'));
  if (schema.format === 'date-time') {
    options.push(
      fc.constantFrom(
        '"2026-13-01T00:00:00Z"',
        '"9999-12-31T23:59:60Z"',
        '"+275760-09-13T00:00:00.000Z"',
        '"-000001-01-01T00:00:00Z"',
        '"2026-02-30T00:00:00Z"',
        '"1969-12-31T23:59:59.999Z"',
        '"2026-11-25"',
        '"now"',
      ),
    );
  }
  return fc.oneof(...options);
}

/** A value of the wrong JSON type for the schema (or null where null is not allowed). */
function wrongType(schema: SchemaNode): fc.Arbitrary<string> {
  const all: Record<string, string[]> = {
    string: ['"x"', '"123"', '"true"', '"null"'],
    integer: ['1', '0'],
    number: ['1.5', '-2.25'],
    boolean: ['true', 'false'],
    array: ['[]', '[null]', '[1,"x"]'],
    object: ['{}', '{"a":1}'],
    null: ['null'],
  };
  const own = new Set<string>([schema.type ?? '']);
  if (schema.type === 'number') own.add('integer');
  if (schema.nullable) own.add('null');
  const texts = Object.entries(all)
    .filter(([type]) => !own.has(type))
    .flatMap(([, values]) => values);
  return fc.constantFrom(...texts);
}

function join(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, value]) => `${json(key)}:${value}`).join(',')}}`;
}

/** Raw key text: the odd keys are already escaped JSON string content. */
function rawKey(key: string): string {
  return `"${key}"`;
}

/** A deterministic shuffle driven by one number: 0 keeps the order. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0 && state > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

class Builder {
  constructor(readonly options: BodyOptions) {}

  node(schema: SchemaNode, path: string): fc.Arbitrary<string> {
    if (path === this.options.focus) return this.invalid(schema, path);
    const override = this.options.overrides?.[path];
    const valid = override && !this.options.hostile ? override : this.valid(schema, path);
    if (!this.options.hostile) return valid;
    return fc.oneof(
      { withCrossShrink: true },
      { weight: 14, arbitrary: valid },
      { weight: 1, arbitrary: this.invalid(schema, path) },
    );
  }

  /** Whether the focus lies inside the value at `path`. */
  leadsToFocus(path: string): boolean {
    const focus = this.options.focus;
    if (focus === undefined || !focus.startsWith(path) || focus === path) return false;
    return path === '' || focus[path.length] === '.' || focus[path.length] === '[';
  }

  valid(schema: SchemaNode, path: string): fc.Arbitrary<string> {
    const base = this.validNonNull(schema, path);
    return schema.nullable
      ? fc.oneof(
          { withCrossShrink: true },
          { weight: 1, arbitrary: fc.constant('null') },
          { weight: 5, arbitrary: base },
        )
      : base;
  }

  validNonNull(schema: SchemaNode, path: string): fc.Arbitrary<string> {
    switch (schema.type) {
      case 'object':
        return this.object(schema, path);
      case 'array':
        return this.array(schema, path);
      case 'string':
        return validString(schema, this.options);
      case 'integer':
        return schema.enum ? fc.constantFrom(...schema.enum.filter((v) => v !== null)).map(json) : validInteger(schema);
      case 'number':
        return validNumber(schema);
      case 'boolean':
        return fc.constantFrom('true', 'false');
      case 'null':
        return fc.constant('null');
      default:
        return schema.const !== undefined ? fc.constant(json(schema.const)) : anyJson;
    }
  }

  invalid(schema: SchemaNode, path: string): fc.Arbitrary<string> {
    const own: fc.Arbitrary<string>[] = [];
    if (schema.type === 'integer') own.push(invalidInteger(schema));
    if (schema.type === 'number') own.push(invalidNumber(schema));
    if (schema.type === 'string') own.push(invalidString(schema));
    if (schema.type === 'array') own.push(this.hugeArray(schema));
    const repeated =
      schema.type === 'array' && schema.items?.type === 'object' ? [this.repeatedItem(schema, path)] : [];
    return fc.oneof(
      { weight: 3, arbitrary: wrongType(schema) },
      ...own.map((arbitrary) => ({ weight: 4, arbitrary })),
      ...repeated.map((arbitrary) => ({ weight: 8, arbitrary })),
      { weight: 1, arbitrary: fc.constantFrom(...NOT_JSON_VALUES) },
      { weight: 1, arbitrary: deepNesting },
      { weight: 1, arbitrary: anyJson },
    );
  }

  array(schema: SchemaNode, path: string): fc.Arbitrary<string> {
    const items = schema.items ?? {};
    const minLength = Math.max(schema.minItems ?? 0, this.leadsToFocus(path) ? 1 : 0);
    const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, this.options.maxItems ?? 3));
    return fc.array(this.node(items, `${path}[]`), { minLength, maxLength }).map((values) => `[${values.join(',')}]`);
  }

  /** An array past its maxItems, or a long one where the bound is large; kept under the body limit. */
  hugeArray(schema: SchemaNode): fc.Arbitrary<string> {
    const bound = schema.maxItems ?? 65_535;
    const lengths = bound <= 2000 ? [bound + 1, bound] : [2000, 300];
    return fc
      .tuple(fc.constantFrom(...lengths), fc.constantFrom('{}', 'null', '0', '"x"', '[]'))
      .map(([length, item]) => `[${Array.from({ length }, () => item).join(',')}]`);
  }

  /** Valid items with one of them twice: lists whose items carry ids get a duplicate id. */
  repeatedItem(schema: SchemaNode, path: string): fc.Arbitrary<string> {
    const item = this.valid(schema.items ?? {}, `${path}[]`);
    return fc.tuple(fc.array(item, { minLength: 1, maxLength: 3 }), fc.nat()).map(([items, at]) => {
      const copy = items[at % items.length] as string;
      return `[${[...items, copy].join(',')}]`;
    });
  }

  object(schema: SchemaNode, path: string): fc.Arbitrary<string> {
    const properties = schema.properties ?? {};
    const required = (schema.required ?? []).filter((name) => name in properties);
    const optional = Object.keys(properties).filter((name) => !required.includes(name));
    const at = (name: string) => (path === '' ? name : `${path}.${name}`);
    const minKeys = schema.minProperties ?? 0;
    // Each optional property is left out more often than not (it shrinks towards left out); a permutation seed
    // orders the keys (it shrinks towards the schema's order).
    const names = [...required, ...optional];
    const needed = names.filter(
      (name) => required.includes(name) || this.options.focus === at(name) || this.leadsToFocus(at(name)),
    );
    const maxKeys = this.options.maxKeys ?? 6;
    const [absent, present] = optional.length > 2 * maxKeys ? [optional.length - maxKeys, maxKeys] : [1, 1];
    const entry = (name: string) => {
      const value = this.node(properties[name] ?? {}, at(name)).map((text) => [name, text] as const);
      return needed.includes(name)
        ? value
        : fc.oneof(
            { withCrossShrink: true },
            { weight: absent, arbitrary: fc.constant(undefined) },
            { weight: present, arbitrary: value },
          );
    };
    const valid = fc
      .tuple(fc.tuple(...names.map(entry)), fc.nat())
      .map(([values, order]) =>
        shuffle(
          values.filter((value) => value !== undefined),
          order,
        ),
      )
      .filter((entries) => entries.length >= minKeys);
    if (!this.options.hostile) return valid.map((entries) => join(entries));
    const extraKey = fc.oneof(
      fc.constantFrom(...ODD_KEYS).map(rawKey),
      fc.string({ maxLength: 6 }).map(json),
      // A declared key again: JSON.parse keeps the last one, other parsers refuse or keep the first.
      ...(Object.keys(properties).length > 0 ? [fc.constantFrom(...Object.keys(properties)).map(json)] : []),
    );
    const extras = fc.array(fc.tuple(extraKey, fc.oneof(anyJson, fc.constantFrom(...AWKWARD_STRINGS))), {
      maxLength: 2,
    });
    return fc
      .tuple(valid, extras, fc.subarray(required, { maxLength: Math.min(1, required.length) }), fc.nat())
      .map(([entries, added, dropped, position]) => {
        const kept = entries
          .filter(([name]) => !dropped.includes(name))
          .map(([name, value]) => `${json(name)}:${value}`);
        const extra = added.map(([key, value]) => `${key}:${value}`);
        const at = kept.length === 0 ? 0 : position % (kept.length + 1);
        return `{${[...kept.slice(0, at), ...extra, ...kept.slice(at)].join(',')}}`;
      });
  }
}

/** Whole bodies that are not a JSON object, or not JSON. */
const ODD_BODIES: readonly string[] = [
  '',
  ' ',
  '\n',
  'null',
  '[]',
  '[{}]',
  '"x"',
  '0',
  'true',
  '{',
  '}',
  '{}}',
  '{"a":1,}',
  '{,}',
  "{'a':1}",
  '{"a" 1}',
  '\ufeff{}',
  '{}\u0000',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"a":1}{"b":2}',
  '\u0000',
];

/** A body for the schema, as JSON text: valid, or (hostile) broken anywhere from a leaf value to the whole text. */
export function bodyText(schema: SchemaNode, options: BodyOptions): fc.Arbitrary<string> {
  const builder = new Builder(options);
  const body = builder.node(schema, '');
  if (!options.hostile) return body;
  const mangled = fc.tuple(body, fc.nat(), fc.constantFrom('trim', 'append', 'bom', 'wrap')).map(([text, n, how]) => {
    switch (how) {
      case 'trim':
        return text.slice(0, n % (text.length + 1));
      case 'append':
        return `${text}${['}', ']', ',', ' x', '\u0000', '{}'][n % 6]}`;
      case 'bom':
        return `\ufeff${text}`;
      default:
        return `[${text}]`;
    }
  });
  return fc.oneof(
    { weight: 12, arbitrary: body },
    { weight: 2, arbitrary: mangled },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_BODIES) },
    { weight: 1, arbitrary: deepNesting },
  );
}

/** The schema node at a path of schemaPaths. */
function nodeAt(schema: SchemaNode, path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema;
  for (const part of path.match(/[^.[\]]+|\[\]/g) ?? []) {
    node = part === '[]' ? node?.items : node?.properties?.[part];
  }
  return node;
}

/** Every path in the schema (`''` for the root), in the notation of BodyOptions.focus. */
export function schemaPaths(schema: SchemaNode, path = ''): string[] {
  const paths = [path];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    paths.push(...schemaPaths(property, path === '' ? name : `${path}.${name}`));
  }
  if (schema.items) paths.push(...schemaPaths(schema.items, `${path}[]`));
  return paths;
}

/**
 * A body valid everywhere but at one path, drawn from every path of the schema: each field's handling of each kind
 * of bad value comes up far sooner than when faults are spread over the whole body.
 */
export function focusedBodyText(
  schema: SchemaNode,
  options: Omit<BodyOptions, 'hostile' | 'focus'> = {},
): fc.Arbitrary<string> {
  // Lists of objects get a quarter of the draws: they are few, and where ids, numbering and merging live.
  const paths = schemaPaths(schema);
  const lists = paths.filter((path) => nodeAt(schema, path)?.items?.type === 'object');
  const focus =
    lists.length === 0
      ? fc.constantFrom(...paths)
      : fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...paths) },
          { weight: 1, arbitrary: fc.constantFrom(...lists) },
        );
  return focus.chain((at) => bodyText(schema, { maxKeys: 2, ...options, hostile: false, focus: at }));
}

/** A value for one schema node (a query parameter, a path segment), as JSON text. */
export function valueText(schema: SchemaNode, options: BodyOptions): fc.Arbitrary<string> {
  return new Builder(options).node(schema, '');
}

/** Hostile bodies of both kinds: faults anywhere in the body, and one fault at one path. */
export function hostileBodyText(
  schema: SchemaNode,
  options: Omit<BodyOptions, 'hostile' | 'focus'> = {},
): fc.Arbitrary<string> {
  return fc.oneof(bodyText(schema, { ...options, hostile: true }), focusedBodyText(schema, options));
}
