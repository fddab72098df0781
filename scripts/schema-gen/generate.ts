// Turns parsed doc pages into TypeBox modules: one per operation, models in dependency order, facts from the pages,
// corrections from the reviewed patch file, descriptions in our own words.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Field, type FieldFacts, type Page, parsePage, type Table } from './parse.js';

export interface OperationSpec {
  operation: string;
  method: string;
  path: string;
  file: string;
}

/** The operations generated, and the module each goes to. */
export const OPERATIONS: readonly OperationSpec[] = [
  { operation: 'ShowTask', method: 'GET', path: '/v3/tasks/{task_id}', file: 'show-task.ts' },
  { operation: 'UpdateTask', method: 'PUT', path: '/v3/tasks/{task_id}', file: 'update-task.ts' },
  { operation: 'UpdateTaskSpeed', method: 'PUT', path: '/v3/tasks/{task_id}/progress', file: 'update-task-speed.ts' },
];

export type Patch =
  | {
      op: 'setRequired';
      operation: string;
      model: string;
      fields: string[];
      required: boolean;
      /** Needed to contradict a page that states the flag itself. */
      override?: boolean;
      reason: string;
    }
  | { op: 'setFacts'; operation: string; model: string; field: string; facts: FieldFacts; reason: string }
  | { op: 'setType'; operation: string; model: string; field: string; type: string; reason: string }
  | { op: 'addFields'; operation: string; model: string; fields: Field[]; reason: string }
  | {
      op: 'copyFields';
      from: { operation: string; model: string };
      operation: string;
      model: string;
      fields: string[];
      retype?: Record<string, string>;
      reason: string;
    }
  | { op: 'copyModel'; from: { operation: string; model: string }; operation: string; model: string; reason: string }
  | { op: 'replaceFields'; operation: string; model: string; fields: Field[]; reason: string };

export interface Descriptions {
  /** Keyed `Model.field`, `field`, or `Model` for a model's own description. */
  readonly [key: string]: string;
}

export class GenerateError extends Error {}

/** A model of one operation: a page table under its export name. */
interface Model {
  name: string;
  kind: Table['kind'];
  fields: Field[];
}

type Operation = { spec: OperationSpec; models: Map<string, Model> };

function exportName(operation: string, table: Table): string {
  switch (table.kind) {
    case 'params':
      return `${operation}Params`;
    case 'headers':
      return `${operation}Headers`;
    case 'body':
      return `${operation}Body`;
    case 'response':
      return table.status === 200 ? `${operation}Response` : `${operation}Response${table.status}`;
    default:
      return table.title.charAt(0).toUpperCase() + table.title.slice(1);
  }
}

/** `X object` / `Array of X objects` name the table X of the same page: rename them as their export names. */
function modelRef(type: string): string | undefined {
  return /^(?:Array of (\w+) objects|(\w+) object)$/.exec(type)?.slice(1).find(Boolean);
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Merges the pages of one operation: tables and facts from the newest page, required flags from any page that
 * states them. Two pages stating different facts for the same field is an error.
 */
function mergePages(spec: OperationSpec, pages: Page[]): Map<string, Model> {
  const sorted = [...pages].sort((a, b) => b.updated.localeCompare(a.updated));
  const [newest, ...older] = sorted;
  if (!newest) throw new GenerateError(`${spec.operation}: no doc page found for ${spec.method} ${spec.path}`);
  const models = new Map<string, Model>();
  for (const table of newest.tables) {
    const name = exportName(spec.operation, table);
    const fields = table.fields.map((field) => {
      const copy = clone(field);
      const ref = modelRef(copy.type);
      if (ref) copy.type = copy.type.replace(ref, capitalize(ref));
      return copy;
    });
    models.set(name, { name, kind: table.kind, fields });
  }
  for (const page of older) {
    for (const table of page.tables) {
      const model = models.get(exportName(spec.operation, table));
      if (!model) continue;
      for (const field of table.fields) {
        const target = model.fields.find((f) => f.name === field.name);
        if (!target) continue;
        if (field.required !== undefined) {
          if (target.required !== undefined && target.required !== field.required) {
            throw new GenerateError(`${spec.operation} ${model.name}.${field.name}: pages disagree on required`);
          }
          target.required = field.required;
        }
        for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems'] as const) {
          const a = field.facts[key];
          const b = target.facts[key];
          if (a !== undefined && b !== undefined && Number(a) !== Number(b)) {
            throw new GenerateError(
              `${spec.operation} ${model.name}.${field.name}: pages disagree on ${key} (${b} vs ${a})`,
            );
          }
        }
      }
    }
  }
  return models;
}

function findModel(operations: Map<string, Operation>, operation: string, model: string, patch: Patch): Model {
  const found = operations.get(operation)?.models.get(model);
  if (!found) throw new GenerateError(`patch '${patch.reason}': no model ${operation}.${model}`);
  return found;
}

function findField(model: Model, name: string, patch: Patch): Field {
  const found = model.fields.find((f) => f.name === name);
  if (!found) throw new GenerateError(`patch '${patch.reason}': no field ${model.name}.${name}`);
  return found;
}

export function applyPatches(operations: Map<string, Operation>, patches: readonly Patch[]): void {
  for (const patch of patches) {
    if (!patch.reason) throw new GenerateError(`a ${patch.op} patch has no reason`);
    switch (patch.op) {
      case 'setRequired': {
        const model = findModel(operations, patch.operation, patch.model, patch);
        for (const name of patch.fields) {
          const field = findField(model, name, patch);
          if (field.required !== undefined && field.required !== patch.required && !patch.override) {
            throw new GenerateError(
              `patch '${patch.reason}': ${model.name}.${name} contradicts the page's required flag`,
            );
          }
          field.required = patch.required;
        }
        break;
      }
      case 'setFacts': {
        const field = findField(findModel(operations, patch.operation, patch.model, patch), patch.field, patch);
        Object.assign(field.facts, patch.facts);
        break;
      }
      case 'setType': {
        const field = findField(findModel(operations, patch.operation, patch.model, patch), patch.field, patch);
        field.type = patch.type;
        break;
      }
      case 'addFields': {
        const model = findModel(operations, patch.operation, patch.model, patch);
        for (const field of patch.fields) {
          if (model.fields.some((f) => f.name === field.name)) {
            throw new GenerateError(`patch '${patch.reason}': ${model.name}.${field.name} already exists`);
          }
          model.fields.push(clone(field));
        }
        break;
      }
      case 'replaceFields': {
        const model = findModel(operations, patch.operation, patch.model, patch);
        model.fields = clone(patch.fields);
        break;
      }
      case 'copyFields': {
        const from = findModel(operations, patch.from.operation, patch.from.model, patch);
        const to = findModel(operations, patch.operation, patch.model, patch);
        for (const name of patch.fields) {
          if (to.fields.some((f) => f.name === name)) {
            throw new GenerateError(`patch '${patch.reason}': ${to.name}.${name} already exists`);
          }
          const field = clone(findField(from, name, patch));
          const retype = patch.retype?.[name];
          if (retype) field.type = retype;
          delete field.required;
          to.fields.push(field);
        }
        break;
      }
      case 'copyModel': {
        const from = findModel(operations, patch.from.operation, patch.from.model, patch);
        const operation = operations.get(patch.operation);
        if (!operation) throw new GenerateError(`patch '${patch.reason}': no operation ${patch.operation}`);
        if (operation.models.has(patch.model))
          throw new GenerateError(`patch '${patch.reason}': ${patch.model} exists`);
        const fields = clone(from.fields);
        for (const field of fields) delete field.required;
        operation.models.set(patch.model, { name: patch.model, kind: 'model', fields });
        break;
      }
    }
  }
}

const INT64_MAX_TEXT = '9223372036854775807';

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

interface Context {
  readonly descriptions: Descriptions;
  readonly model: string;
}

function describe(ctx: Context, field: string): string {
  const text = ctx.descriptions[`${ctx.model}.${field}`] ?? ctx.descriptions[field];
  if (!text) throw new GenerateError(`no description for ${ctx.model}.${field} (scripts/schema-descriptions.ts)`);
  return quote(text);
}

/** The builder expression of one field's type, without optionality or null. */
function typeExpression(field: Field, ctx: Context, known: ReadonlySet<string>): string {
  const f = field.facts;
  const description = describe(ctx, field.name);
  const def = defaultLiteral(field.type, f.default);
  const items: Array<[string, string | undefined]> = [
    ['minItems', f.minItems?.toString()],
    ['maxItems', f.maxItems?.toString()],
    ['description', description],
  ];
  const ref = modelRef(field.type);
  if (ref) {
    if (!known.has(ref)) throw new GenerateError(`${ctx.model}.${field.name}: unknown model ${ref}`);
    return field.type.startsWith('Array of ') ? `Type.Array(${ref}, ${options(items)})` : ref;
  }
  const pattern = f.pattern;
  switch (field.type) {
    case 'String': {
      const opts = options([
        ['minLength', f.minLength?.toString()],
        ['maxLength', f.maxLength?.toString()],
        ['pattern', pattern === undefined ? undefined : quote(pattern)],
        ['default', def],
        ['description', description],
      ]);
      return f.enum ? `StringEnum([${f.enum.map(quote).join(', ')}], ${opts})` : `Type.String(${opts})`;
    }
    case 'Integer': {
      const opts = options([
        ['minimum', f.minimum === undefined ? undefined : numberLiteral(f.minimum)],
        ['maximum', f.maximum === undefined ? undefined : numberLiteral(f.maximum)],
        ['default', def],
        ['description', description],
      ]);
      if (f.enum) {
        const values = f.enum.map((v) => {
          if (!/^-?\d+$/.test(v)) throw new GenerateError(`${ctx.model}.${field.name}: integer enum value '${v}'`);
          return v;
        });
        return `IntegerEnum([${values.join(', ')}], ${opts})`;
      }
      return `Int32(${opts})`;
    }
    case 'Long':
    case 'Double':
    case 'Float': {
      const opts = options([
        ['minimum', f.minimum === undefined ? undefined : numberLiteral(f.minimum)],
        ['maximum', f.maximum === undefined ? undefined : numberLiteral(f.maximum)],
        ['default', def],
        ['description', description],
      ]);
      return `${field.type === 'Long' ? 'Int64' : 'Double'}(${opts})`;
    }
    case 'Boolean':
      return `Type.Boolean(${options([
        ['default', def],
        ['description', description],
      ])})`;
    case 'Array of strings':
      return `Type.Array(Type.String(${options([
        ['minLength', f.minLength?.toString()],
        ['maxLength', f.maxLength?.toString()],
      ])}), ${options(items)})`;
    default:
      throw new GenerateError(`${ctx.model}.${field.name}: unknown type '${field.type}'`);
  }
}

/** Which models are read from requests (bodies, params, headers) and which are written in responses. */
function roles(models: Map<string, Model>): Map<string, 'request' | 'response'> {
  const result = new Map<string, 'request' | 'response'>();
  const visit = (name: string, role: 'request' | 'response'): void => {
    const model = models.get(name);
    if (!model) return;
    const seen = result.get(name);
    if (seen === role) return;
    if (seen && seen !== role) throw new GenerateError(`model ${name} is used in both requests and responses`);
    result.set(name, role);
    for (const field of model.fields) {
      const ref = modelRef(field.type);
      if (ref) visit(ref, role);
    }
  };
  for (const model of models.values()) {
    if (model.kind === 'model') continue;
    visit(model.name, model.kind === 'response' ? 'response' : 'request');
  }
  return result;
}

/** Models in dependency order: each after the models it uses, otherwise in page order. */
function ordered(models: Map<string, Model>): Model[] {
  const out: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model): void => {
    const s = state.get(model.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new GenerateError(`models refer to each other in a cycle at ${model.name}`);
    state.set(model.name, 'visiting');
    for (const field of model.fields) {
      const ref = modelRef(field.type);
      const used = ref ? models.get(ref) : undefined;
      if (used) visit(used);
    }
    state.set(model.name, 'done');
    out.push(model);
  };
  for (const model of models.values()) visit(model);
  return out;
}

export const HEADER =
  '// Generated by scripts/gen-schemas.ts from the SMS v3 doc pages. Do not edit by hand; run npm run gen:schemas.';

export function emitModule(operation: Operation, descriptions: Descriptions): string {
  const models = operation.models;
  const role = roles(models);
  const known = new Set(models.keys());
  const used = new Set<string>(['Type']);
  const blocks: string[] = [];
  for (const model of ordered(models)) {
    const modelRole = role.get(model.name);
    if (!modelRole) throw new GenerateError(`${operation.spec.operation}: model ${model.name} is never used`);
    const ctx: Context = { descriptions, model: model.name };
    const lines: string[] = [];
    for (const field of model.fields) {
      const key = model.kind === 'headers' ? field.name.toLowerCase() : field.name;
      let expression = typeExpression(field, ctx, known);
      if (model.kind === 'params') {
        // path parameters are always there
      } else if (modelRole === 'request') {
        if (field.required !== true)
          expression = `Type.Optional(${model.kind === 'headers' ? expression : `Nullable(${expression})`})`;
      } else {
        expression = `Nullable(${expression})`;
        if (field.required !== true) expression = `Type.Optional(${expression})`;
      }
      lines.push(`  ${/^[A-Za-z_]\w*$/.test(key) ? key : quote(key)}: ${expression},`);
    }
    const modelDescription = descriptions[model.name];
    if (!modelDescription) throw new GenerateError(`no description for model ${model.name}`);
    const body = lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n}`;
    blocks.push(
      `/** ${modelDescription} */\nexport const ${model.name} = Type.Object(${body}, { description: ${quote(modelDescription)} });\nexport type ${model.name} = Static<typeof ${model.name}>;`,
    );
  }
  const source = blocks.join('\n\n');
  for (const helper of ['Double', 'INT64_MAX', 'Int32', 'Int64', 'IntegerEnum', 'Nullable', 'StringEnum']) {
    if (new RegExp(`\\b${helper}\\b`).test(source)) used.add(helper);
  }
  const helpers = [...used].filter((h) => h !== 'Type');
  return [
    HEADER,
    `// Operation: ${operation.spec.operation} (${operation.spec.method} ${operation.spec.path}).`,
    "import { type Static, Type } from '@sinclair/typebox';",
    `import { ${helpers.join(', ')} } from '../types.js';`,
    '',
    source,
    '',
  ].join('\n');
}

export interface GenerateInput {
  readonly docsDir: string;
  readonly patches: readonly Patch[];
  readonly descriptions: Descriptions;
}

/** Reads every page in the directory and returns the generated modules by file name. */
export function generate({ docsDir, patches, descriptions }: GenerateInput): Map<string, string> {
  const pages = readdirSync(docsDir)
    .filter((file) => file.endsWith('.txt'))
    .sort()
    .map((file) => parsePage(readFileSync(join(docsDir, file), 'utf8'), file));
  const operations = new Map<string, Operation>();
  for (const spec of OPERATIONS) {
    const mine = pages.filter((p) => p.method === spec.method && p.path === spec.path);
    operations.set(spec.operation, { spec, models: mergePages(spec, mine) });
  }
  applyPatches(operations, patches);
  const files = new Map<string, string>();
  for (const operation of operations.values()) files.set(operation.spec.file, emitModule(operation, descriptions));
  return files;
}
