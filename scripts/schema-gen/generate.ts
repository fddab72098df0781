// spec/ → src/schemas/generated/: one TypeBox module for the whole service (models deduplicated by name, in dependency
// order) and the operation registry. Policy rules and reviewed patches are applied to the facts first; a model name
// that two operations define differently, or a bound its type cannot hold, stops generation.
import { isDeepStrictEqual } from 'node:util';
import { modelRef } from './facts.js';
import { applyPatches, type WorkingModels } from './patches.js';
import { applyPolicy } from './policy.js';
import type { Descriptions, OperationEntry, Spec, SpecField, SpecModel } from './spec.js';

export class GenerateError extends Error {}

export const MODULE_FILE = 'sms-v3.ts';
export const REGISTRY_FILE = 'operations.ts';

export type Role = 'request' | 'response';

/** A model of the module: the first definition met, and every operation that uses it. */
export interface SharedModel {
  model: SpecModel;
  role: Role;
  operations: string[];
}

const INT32 = { min: -2147483648n, max: 2147483647n, name: 'an Integer (int32)' };
const INT64 = { min: -9223372036854775808n, max: 9223372036854775807n, name: 'a Long (int64)' };
const INT64_MAX_TEXT = '9223372036854775807';

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function numberLiteral(text: string): string {
  if (text === INT64_MAX_TEXT) return 'INT64_MAX';
  const value = Number(text);
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw new GenerateError(`bound ${text} does not fit a double exactly`);
  }
  return String(value);
}

function options(entries: Array<[string, string | undefined]>): string {
  const present = entries.filter((e): e is [string, string] => e[1] !== undefined);
  return `{ ${present.map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
}

function defaultLiteral(type: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (type === 'Boolean') {
    if (text !== 'true' && text !== 'false') throw new GenerateError(`boolean default '${text}'`);
    return text;
  }
  if (type === 'Integer' || type === 'Long' || type === 'Double' || type === 'Float') return numberLiteral(text);
  return quote(text);
}

/** Where a model's facts come from, for messages: its page, or the hand spec's source. */
function origin(model: SpecModel, fallback: string): string {
  return model.page ? `page ${model.page}` : (model.source ?? fallback);
}

/** Integer and Long bounds must fit the type: a bound past it would be documented but never hold. */
function checkBounds(operation: string, model: SpecModel, field: SpecField, where: string): void {
  const range = field.type === 'Integer' ? INT32 : field.type === 'Long' ? INT64 : undefined;
  if (!range) return;
  const values: Array<[string, string | undefined]> = [
    ['minimum', field.facts.minimum],
    ['maximum', field.facts.maximum],
    ['default', field.facts.default],
    ...(field.facts.enum ?? []).map((v): [string, string] => ['enum value', v]),
  ];
  for (const [what, text] of values) {
    if (text === undefined) continue;
    const at = `${operation} ${model.name}.${field.name} (${where})`;
    if (!/^-?\d+$/.test(text)) throw new GenerateError(`${at}: ${what} ${text} is not an integer`);
    const value = BigInt(text);
    if (value < range.min || value > range.max) {
      throw new GenerateError(
        `${at}: ${what} ${text} does not fit ${range.name}; patch the bound, or the type to Long, in spec/patches.json`,
      );
    }
  }
}

class Emitter {
  readonly used = new Set<string>();
  constructor(
    private readonly descriptions: Descriptions,
    private readonly known: ReadonlySet<string>,
  ) {}

  describe(key: string): string {
    const text = this.descriptions[key];
    if (!text) throw new GenerateError(`no description for ${key} (spec/descriptions.json)`);
    this.used.add(key);
    return text;
  }

  /** The builder expression of one field's type, without optionality or null. */
  private typeExpression(model: string, field: SpecField): string {
    const f = field.facts;
    const description = quote(this.describe(`${model}.${field.name}`));
    const def = defaultLiteral(field.type, f.default);
    const items: Array<[string, string | undefined]> = [
      ['minItems', f.minItems?.toString()],
      ['maxItems', f.maxItems?.toString()],
      ['description', description],
    ];
    const ref = modelRef(field.type);
    if (ref) {
      if (!this.known.has(ref)) throw new GenerateError(`${model}.${field.name}: unknown model ${ref}`);
      return field.type.startsWith('Array of ') ? `Type.Array(${ref}, ${options(items)})` : ref;
    }
    const bounds: Array<[string, string | undefined]> = [
      ['minimum', f.minimum === undefined ? undefined : numberLiteral(f.minimum)],
      ['maximum', f.maximum === undefined ? undefined : numberLiteral(f.maximum)],
      ['default', def],
      ['description', description],
    ];
    switch (field.type) {
      case 'String': {
        const opts = options([
          ['minLength', f.minLength?.toString()],
          ['maxLength', f.maxLength?.toString()],
          ['pattern', f.pattern === undefined ? undefined : quote(f.pattern)],
          ['default', def],
          ['description', description],
        ]);
        return f.enum ? `StringEnum([${f.enum.map(quote).join(', ')}], ${opts})` : `Type.String(${opts})`;
      }
      case 'Integer':
        return f.enum ? `IntegerEnum([${f.enum.join(', ')}], ${options(bounds)})` : `Int32(${options(bounds)})`;
      case 'Long':
        return `Int64(${options(bounds)})`;
      case 'Double':
      case 'Float':
        return `Double(${options(bounds)})`;
      case 'Boolean':
        return `Type.Boolean(${options([
          ['default', def],
          ['description', description],
        ])})`;
      case 'Object':
        return `Type.Record(Type.String(), Type.Unknown(), ${options([['description', description]])})`;
      case 'Map<String,String>':
        return `Type.Record(Type.String(), Type.String(), ${options([['description', description]])})`;
      case 'Array of Map<String,String>':
        return `Type.Array(Type.Record(Type.String(), Type.String()), ${options(items)})`;
      case 'Array of strings':
        return `Type.Array(Type.String(${options([
          ['minLength', f.minLength?.toString()],
          ['maxLength', f.maxLength?.toString()],
        ])}), ${options(items)})`;
      default:
        throw new GenerateError(`${model}.${field.name}: unknown type '${field.type}'`);
    }
  }

  /**
   * One field as a property: request values may be left out (or null) unless required, and headers, query and path
   * values are never null; response values may always be null, and left out unless required.
   */
  field(model: SpecModel, role: Role, field: SpecField): string {
    const plain = model.kind === 'headers' || model.kind === 'query' || model.kind === 'params';
    const key = model.kind === 'headers' ? field.name.toLowerCase() : field.name;
    let expression = this.typeExpression(model.name, field);
    if (role === 'request') {
      if (field.required !== true) expression = `Type.Optional(${plain ? expression : `Nullable(${expression})`})`;
    } else {
      expression = `Nullable(${expression})`;
      if (field.required !== true) expression = `Type.Optional(${expression})`;
    }
    return `  ${/^[A-Za-z_]\w*$/.test(key) ? key : quote(key)}: ${expression},`;
  }

  model(shared: SharedModel): string {
    const { model, role, operations } = shared;
    const lines = model.fields.map((field) => this.field(model, role, field));
    const description = this.describe(model.name);
    const body = lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n}`;
    return [
      `/** ${description} Used by ${operations.join(', ')}. */`,
      `export const ${model.name} = Type.Object(${body}, { description: ${quote(description)} });`,
      `export type ${model.name} = Static<typeof ${model.name}>;`,
    ].join('\n');
  }
}

/** Which models one operation reads from requests (bodies, params, headers, query) and which it writes. */
function roles(operation: string, models: readonly SpecModel[]): Map<string, Role> {
  const byName = new Map(models.map((m) => [m.name, m]));
  const result = new Map<string, Role>();
  const visit = (name: string, role: Role, from: string): void => {
    const model = byName.get(name);
    if (!model) throw new GenerateError(`${operation} ${from}: unknown model ${name}`);
    const seen = result.get(name);
    if (seen === role) return;
    if (seen) throw new GenerateError(`${operation}: model ${name} is used in both requests and responses`);
    result.set(name, role);
    for (const field of model.fields) {
      const ref = modelRef(field.type);
      if (ref) visit(ref, role, `${name}.${field.name}`);
    }
  };
  for (const model of models) {
    if (model.kind !== 'model') visit(model.name, model.kind === 'response' ? 'response' : 'request', model.name);
  }
  for (const model of models) {
    if (!result.has(model.name)) throw new GenerateError(`${operation}: model ${model.name} is never used`);
  }
  return result;
}

/** A field's facts as the generator reads them (an unstated required flag is optional). */
function factsOf(field: SpecField): unknown {
  return { type: field.type, required: field.required === true, facts: field.facts };
}

/** Why two definitions of one model name differ, or undefined when they agree. */
function difference(a: SharedModel, b: SharedModel, operation: string): string | undefined {
  const first = a.operations[0];
  const out: string[] = [];
  if (a.model.kind !== b.model.kind) out.push(`kind ${a.model.kind} in ${first}, ${b.model.kind} in ${operation}`);
  const names = new Set([...a.model.fields.map((f) => f.name), ...b.model.fields.map((f) => f.name)]);
  for (const name of names) {
    const x = a.model.fields.find((f) => f.name === name);
    const y = b.model.fields.find((f) => f.name === name);
    if (!x || !y) out.push(`${name} only in ${x ? first : operation}`);
    else if (!isDeepStrictEqual(factsOf(x), factsOf(y))) {
      out.push(`${name}: ${JSON.stringify(factsOf(x))} in ${first}, ${JSON.stringify(factsOf(y))} in ${operation}`);
    }
  }
  if (out.length === 0 && a.role !== b.role) {
    const required = a.model.fields.filter((f) => f.required === true).map((f) => f.name);
    // Without required fields a model reads the same on both sides; with them, a request leaves out null.
    if (required.length > 0) {
      out.push(`read from requests in one and written in responses in the other, with required ${required.join(', ')}`);
    }
  }
  return out.length === 0 ? undefined : out.join('; ');
}

/** Models in dependency order: each after the models it uses, otherwise in the order first met. */
function ordered(models: ReadonlyMap<string, SharedModel>): SharedModel[] {
  const out: SharedModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (shared: SharedModel): void => {
    const s = state.get(shared.model.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new GenerateError(`models refer to each other in a cycle at ${shared.model.name}`);
    state.set(shared.model.name, 'visiting');
    for (const field of shared.model.fields) {
      const ref = modelRef(field.type);
      const used = ref ? models.get(ref) : undefined;
      if (used) visit(used);
    }
    state.set(shared.model.name, 'done');
    out.push(shared);
  };
  for (const shared of models.values()) visit(shared);
  return out;
}

export const MODULE_HEADER = [
  '// Generated by scripts/gen-schemas.ts from spec/ (facts from the SMS v3 doc pages, hand specs, reviewed patches).',
  '// Do not edit by hand; run npm run gen:schemas.',
].join('\n');

function emitModule(models: ReadonlyMap<string, SharedModel>, emitter: Emitter): string {
  const source = ordered(models)
    .map((shared) => emitter.model(shared))
    .join('\n\n');
  const helpers = ['Double', 'INT64_MAX', 'Int32', 'Int64', 'IntegerEnum', 'Nullable', 'StringEnum'].filter((h) =>
    new RegExp(h === 'INT64_MAX' ? '\\bINT64_MAX\\b' : `\\b${h}\\(`).test(source),
  );
  return [
    MODULE_HEADER,
    "import { type Static, Type } from '@sinclair/typebox';",
    ...(helpers.length > 0 ? [`import { ${helpers.join(', ')} } from '../types.js';`] : []),
    '',
    source,
    '',
  ].join('\n');
}

/** The schemas of one operation as the route layer declares them; only the statuses the spec defines. */
function schemaOf(models: readonly SpecModel[]): Array<[string, string]> {
  const one = (kind: SpecModel['kind']): string | undefined => models.find((m) => m.kind === kind)?.name;
  const responses = models
    .filter((m) => m.kind === 'response')
    .sort((a, b) => (a.status ?? 0) - (b.status ?? 0))
    .map((m) => `${m.status}: ${m.name}`);
  const out: Array<[string, string | undefined]> = [
    ['params', one('params')],
    ['querystring', one('query')],
    ['headers', one('headers')],
    ['body', one('body')],
    ['response', responses.length > 0 ? `{ ${responses.join(', ')} }` : undefined],
  ];
  return out.filter((e): e is [string, string] => e[1] !== undefined);
}

export const REGISTRY_HEADER = [
  '// Generated by scripts/gen-schemas.ts from spec/operations.json. Do not edit by hand; run npm run gen:schemas.',
  '// The emulated operations as data, one entry each: how it is routed, documented and validated.',
].join('\n');

/** Where an operation's schemas come from, as the registry and the OpenAPI document say it. */
function schemaSource(spec: Spec, entry: OperationEntry): string {
  const found = spec.models.get(entry.operationId);
  if (entry.schemas === 'page') {
    const pages = (found?.pages ?? []).map((p) => p.file).join(', ');
    return `doc pages (${pages})`;
  }
  return `hand spec spec/${entry.schemas} (${found?.source ?? 'no source'})`;
}

function emitRegistry(
  spec: Spec,
  entries: readonly OperationEntry[],
  operations: ReadonlyMap<string, SpecModel[]>,
): string {
  const imported = new Set<string>();
  const blocks = entries.map((entry) => {
    const schema = schemaOf(operations.get(entry.operationId) ?? []);
    for (const [, value] of schema) for (const name of value.match(/[A-Z]\w*/g) ?? []) imported.add(name);
    return [
      `  ${entry.operationId}: {`,
      `    operationId: ${quote(entry.operationId)},`,
      `    method: ${quote(entry.method)},`,
      `    path: ${quote(entry.path)},`,
      `    url: ${quote(entry.path.replace(/\{(\w+)\}/g, ':$1'))},`,
      `    resource: ${entry.resource === null ? 'null' : quote(entry.resource)},`,
      `    tag: ${quote(entry.tag)},`,
      `    summary: ${quote(entry.summary)},`,
      `    schemaSource: ${quote(schemaSource(spec, entry))},`,
      '    schema: {',
      ...schema.map(([key, value]) => `      ${key}: ${value},`),
      '    },',
      '  },',
    ].join('\n');
  });
  const names = [...imported].sort();
  return [
    REGISTRY_HEADER,
    `import {\n${names.map((n) => `  ${n},`).join('\n')}\n} from './sms-v3.js';`,
    '',
    'export const operations = {',
    ...blocks,
    '} as const;',
    '',
    'export type OperationId = keyof typeof operations;',
    '',
    '/** Every operationId, in the order of spec/operations.json. */',
    `export const operationIds: readonly OperationId[] = [${entries.map((e) => quote(e.operationId)).join(', ')}];`,
    '',
  ].join('\n');
}

/** The models of the module by name, each with the role it plays and the operations using it, after patches. */
export function moduleModels(spec: Spec): {
  models: Map<string, SharedModel>;
  working: WorkingModels;
} {
  const working: WorkingModels = new Map();
  for (const entry of spec.operations) {
    const models = clone(spec.models.get(entry.operationId)?.models ?? []);
    applyPolicy(models);
    working.set(entry.operationId, models);
  }
  applyPatches(working, spec.patches);

  const module = new Map<string, SharedModel>();
  for (const entry of spec.operations) {
    const id = entry.operationId;
    const models = working.get(id) ?? [];
    const source = spec.models.get(id);
    const fallback = source?.source ?? source?.file ?? 'spec';
    const role = roles(id, models);
    for (const model of models) {
      for (const field of model.fields) checkBounds(id, model, field, origin(model, fallback));
      const candidate: SharedModel = { model, role: role.get(model.name) as Role, operations: [id] };
      const existing = module.get(model.name);
      if (!existing) {
        module.set(model.name, candidate);
        continue;
      }
      const why = difference(existing, candidate, id);
      if (why) {
        throw new GenerateError(
          `model ${model.name} differs between ${existing.operations.join(', ')} and ${id}: ${why}. Reconcile them ` +
            'with a patch in spec/patches.json (with its reason), or name the request-side variant apart ' +
            `(renameModel, e.g. ${model.name}Input)`,
        );
      }
      existing.operations.push(id);
    }
  }
  return { models: module, working };
}

/** The generated files by name: the service module and the registry. */
export function generate(spec: Spec): Map<string, string> {
  const { models: module, working } = moduleModels(spec);
  const emitter = new Emitter(spec.descriptions, new Set(module.keys()));
  const files = new Map<string, string>();
  files.set(MODULE_FILE, emitModule(module, emitter));
  files.set(REGISTRY_FILE, emitRegistry(spec, spec.operations, working));
  const unused = Object.keys(spec.descriptions).filter((key) => !emitter.used.has(key));
  if (unused.length > 0) {
    throw new GenerateError(`spec/descriptions.json: no model uses ${unused.sort().join(', ')}`);
  }
  return files;
}
