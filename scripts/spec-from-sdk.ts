// npm run spec:sdk [sdk-dir] [--check]: writes (or, with --check, compares with what is committed) spec/handwritten/<operation>.json for every operation of spec/operations.json
// whose schemas are hand-written, reading the structure from the official Python SDK's models: the HTTP method and
// path and where each parameter goes (sms_client.py), field names, types and which fields the model requires (a
// required field is assigned unconditionally in the model's __init__). Facts the SDK does not hold as structure
// (enums, bounds, patterns) are added by hand to the hand spec and kept when it is written again; corrections of the
// SDK (a field it requires that real clients leave out) are patches with reasons. The SDK itself is read only here,
// never shipped. Where spec/sms-v3.facts.json (the doc pages) defines a model of the same name, its definition is
// used, so one model keeps one definition; its int64 fields also tell which SDK `int` fields are Long.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleModels, type Role, type SharedModel } from './schema-gen/generate.js';
import { formatJson } from './schema-gen/json.js';
import { loadSpec, type SpecField, type SpecFile, type SpecModel, type SpecOperation } from './schema-gen/spec.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SPEC_DIR = join(root, 'spec');
export const DEFAULT_SDK_DIR = resolve(root, '..', 'shared', 'vendor', 'huaweicloud-sdk-python', 'huaweicloud-sdk-sms');
const SDK_V3 = 'huaweicloudsdksms/v3';

/** SDK `int` fields that hold int64 values (sizes in bytes, times in ms): by wire name. */
const LONG_FIELD =
  /(^|_)(size|used_size|free_size|memory|date|time|replicatesize|totalsize|inode_nums|block_size|size_per_cluster|adjust_size|remain_seconds|last_visit_time|add_date)$/;

interface SdkClass {
  readonly name: string;
  readonly file: string;
  /** Python attribute → SDK type. */
  readonly types: ReadonlyMap<string, string>;
  /** Python attribute → wire name. */
  readonly wire: ReadonlyMap<string, string>;
  readonly required: ReadonlySet<string>;
}

interface SdkOperation {
  readonly method: string;
  readonly path: string;
  readonly request: string;
  readonly response: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  readonly body: boolean;
}

function dictEntries(text: string, name: string): Map<string, string> {
  const block = new RegExp(`${name} = \\{([^}]*)\\}`).exec(text);
  const out = new Map<string, string>();
  if (!block) return out;
  for (const match of (block[1] ?? '').matchAll(/'([^']+)':\s*'([^']+)'/g)) out.set(match[1] ?? '', match[2] ?? '');
  return out;
}

function readClasses(modelDir: string): Map<string, SdkClass> {
  const classes = new Map<string, SdkClass>();
  for (const file of readdirSync(modelDir).filter((f) => f.endsWith('.py') && f !== '__init__.py')) {
    const text = readFileSync(join(modelDir, file), 'utf8');
    const name = /^class (\w+)/m.exec(text)?.[1];
    if (!name) continue;
    const required = new Set([...text.matchAll(/^ {8}self\.(\w+) = \1$/gm)].map((m) => m[1] ?? ''));
    classes.set(name, {
      name,
      file: `${SDK_V3}/model/${file}`,
      types: dictEntries(text, 'openapi_types'),
      wire: dictEntries(text, 'attribute_map'),
      required,
    });
  }
  return classes;
}

function snake(operationId: string): string {
  return operationId.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}

function readOperation(client: string, operationId: string): SdkOperation {
  const start = client.indexOf(`def _${snake(operationId)}_http_info(cls, request):`);
  if (start < 0) throw new Error(`sms_client.py has no operation ${operationId}`);
  const block = client.slice(start, client.indexOf('return http_info', start));
  const field = (key: string): string => {
    const value = new RegExp(`"${key}": "([^"]+)"`).exec(block)?.[1];
    if (!value) throw new Error(`${operationId}: no ${key} in sms_client.py`);
    return value;
  };
  return {
    method: field('method'),
    path: field('resource_path'),
    request: `${operationId}Request`,
    response: field('response_type'),
    pathParams: [...block.matchAll(/path_params\['(\w+)'\]/g)].map((m) => m[1] ?? ''),
    queryParams: [...block.matchAll(/query_params\.append\(\('(\w+)'/g)].map((m) => m[1] ?? ''),
    body: block.includes("body = local_var_params['body']"),
  };
}

/** The models the page-backed operations define, after policy and patches, by name with their role. */
function pageModels(): Map<string, SharedModel> {
  const spec = loadSpec(SPEC_DIR, (e) => e.schemas === 'page');
  const pages = new Set(spec.operations.map((e) => e.operationId));
  return moduleModels({ ...spec, patches: spec.patches.filter((p) => pages.has(p.operation)) }).models;
}

class Converter {
  /** Model name → role it is used in, across every operation converted, to name request variants apart. */
  readonly roles = new Map<string, Set<Role>>();

  constructor(
    private readonly classes: ReadonlyMap<string, SdkClass>,
    private readonly pages: ReadonlyMap<string, SharedModel>,
  ) {}

  sdkClass(name: string): SdkClass {
    const found = this.classes.get(name);
    if (!found) throw new Error(`the SDK has no model ${name}`);
    return found;
  }

  /** Records the roles every nested class is used in (first pass). */
  visit(name: string, role: Role, seen = new Set<string>()): void {
    if (seen.has(name)) return;
    seen.add(name);
    const roles = this.roles.get(name) ?? new Set<Role>();
    roles.add(role);
    this.roles.set(name, roles);
    for (const type of this.sdkClass(name).types.values()) {
      const ref = /^(?:list\[)?([A-Z]\w*)\]?$/.exec(type)?.[1];
      if (ref) this.visit(ref, role, seen);
    }
  }

  /**
   * A nested model's name in the spec. A page model of that name is used as it is when it may play this role (the
   * same role, or no required fields); a request-side variant ends in Input, the page's own if it has one, and a response-side variant of a page's request
   * model in Output.
   */
  nameOf(name: string, role: Role): string {
    const page = this.pages.get(name);
    if (page && (page.role === role || !page.model.fields.some((f) => f.required === true))) return name;
    if (role === 'response') return page ? `${name}Output` : name;
    if (page || (this.roles.get(name)?.size ?? 0) > 1) return `${name}Input`;
    return name;
  }

  fieldType(model: string, wire: string, type: string, role: Role): string {
    if (type === 'str') return 'String';
    if (type === 'bool') return 'Boolean';
    if (type === 'float') return 'Float';
    if (type === 'int') {
      const page = this.pages.get(model)?.model.fields.find((f) => f.name === wire);
      if (page && (page.type === 'Long' || page.type === 'Integer')) return page.type;
      return LONG_FIELD.test(wire) ? 'Long' : 'Integer';
    }
    if (type === 'list[str]') return 'Array of strings';
    if (type === 'object') return 'Object';
    if (type === 'dict(str, str)') return 'Map<String,String>';
    if (type === 'list[dict(str, str)]') return 'Array of Map<String,String>';
    const list = /^list\[([A-Z]\w*)\]$/.exec(type)?.[1];
    if (list) return `Array of ${this.nameOf(list, role)} objects`;
    if (/^[A-Z]\w*$/.test(type)) return `${this.nameOf(type, role)} object`;
    throw new Error(`${model}.${wire}: SDK type ${type} has no spec type`);
  }

  fields(sdk: SdkClass, modelName: string, role: Role, skip: ReadonlySet<string> = new Set()): SpecField[] {
    const out: SpecField[] = [];
    for (const [attr, type] of sdk.types) {
      if (skip.has(attr)) continue;
      const wire = sdk.wire.get(attr) ?? attr;
      const field: SpecField = { name: wire, type: this.fieldType(sdk.name, wire, type, role), facts: {} };
      if (sdk.required.has(attr)) field.required = true;
      out.push(field);
      void modelName;
    }
    return out;
  }

  /** The nested models a model refers to, depth first, each once. */
  nested(name: string, role: Role, out: Map<string, SpecModel>): void {
    const specName = this.nameOf(name, role);
    if (out.has(specName)) return;
    const page = this.pages.get(specName);
    if (page) {
      const copy = JSON.parse(JSON.stringify(page.model)) as SpecModel;
      delete copy.page;
      delete copy.table;
      out.set(specName, copy);
      for (const field of copy.fields) {
        const ref = /^(?:Array of )?([A-Z]\w*) objects?$/.exec(field.type)?.[1];
        if (ref) this.nestedAsIs(ref, out);
      }
      return;
    }
    const sdk = this.sdkClass(name);
    const model: SpecModel = { name: specName, kind: 'model', source: `sdk: ${sdk.file}`, fields: [] };
    out.set(specName, model);
    model.fields = this.fields(sdk, specName, role);
    for (const type of sdk.types.values()) {
      const ref = /^(?:list\[)?([A-Z]\w*)\]?$/.exec(type)?.[1];
      if (ref) this.nested(ref, role, out);
    }
  }

  /** A page model named in a page model: already under its final name. */
  nestedAsIs(name: string, out: Map<string, SpecModel>): void {
    if (out.has(name)) return;
    const page = this.pages.get(name);
    if (!page) throw new Error(`page model ${name} not found`);
    const copy = JSON.parse(JSON.stringify(page.model)) as SpecModel;
    delete copy.page;
    delete copy.table;
    out.set(name, copy);
    for (const field of copy.fields) {
      const ref = /^(?:Array of )?([A-Z]\w*) objects?$/.exec(field.type)?.[1];
      if (ref) this.nestedAsIs(ref, out);
    }
  }

  operation(operationId: string, op: SdkOperation): SpecOperation {
    const request = this.sdkClass(op.request);
    const response = this.sdkClass(op.response);
    const models: SpecModel[] = [];
    const nested = new Map<string, SpecModel>();
    const byWire = (names: readonly string[]) =>
      names.map((name) => {
        const attr = [...request.wire].find(([, wire]) => wire === name)?.[0] ?? name;
        const type = request.types.get(attr);
        if (!type) throw new Error(`${operationId}: request has no parameter ${name}`);
        return { name, type: this.fieldType(request.name, name, type, 'request'), facts: {} } as SpecField;
      });
    if (op.pathParams.length > 0) {
      models.push({ name: `${operationId}Params`, kind: 'params', fields: byWire(op.pathParams) });
    }
    if (op.queryParams.length > 0) {
      models.push({ name: `${operationId}Query`, kind: 'query', fields: byWire(op.queryParams) });
    }
    models.push({
      name: `${operationId}Headers`,
      kind: 'headers',
      fields: [{ name: 'X-Auth-Token', type: 'String', facts: {} }],
    });
    if (op.body) {
      const bodyType = request.types.get('body');
      if (!bodyType) throw new Error(`${operationId}: the request sends a body but has no body attribute`);
      const sdk = this.sdkClass(bodyType);
      models.push({
        name: `${operationId}Body`,
        kind: 'body',
        source: `sdk: ${sdk.file}`,
        fields: this.fields(sdk, `${operationId}Body`, 'request'),
      });
      for (const type of sdk.types.values()) {
        const ref = /^(?:list\[)?([A-Z]\w*)\]?$/.exec(type)?.[1];
        if (ref) this.nested(ref, 'request', nested);
      }
    }
    // A response whose only attribute is `body: str` answers a bare string: no model fields.
    const stringBody = response.types.size === 1 && response.types.get('body') === 'str';
    const skip = new Set([...response.types.keys()].filter((attr) => /^x_/.test(attr)));
    models.push({
      name: `${operationId}Response`,
      kind: 'response',
      status: 200,
      source: `sdk: ${response.file}`,
      fields: stringBody ? [] : this.fields(response, `${operationId}Response`, 'response', skip),
    });
    if (!stringBody) {
      for (const [attr, type] of response.types) {
        if (skip.has(attr)) continue;
        const ref = /^(?:list\[)?([A-Z]\w*)\]?$/.exec(type)?.[1];
        if (ref) this.nested(ref, 'response', nested);
      }
    }
    return {
      method: op.method,
      path: op.path,
      source: `sdk: ${SDK_V3}/sms_client.py ${snake(operationId)}`,
      models: [...models, ...nested.values()],
    };
  }
}

/** Facts and required flags written by hand into a previous version of the file, kept by model and field. */
function keepHandFacts(previous: SpecFile | undefined, next: SpecOperation, operationId: string): void {
  const before = previous?.operations[operationId];
  if (!before) return;
  for (const model of next.models) {
    const old = before.models.find((m) => m.name === model.name);
    if (!old) continue;
    for (const field of model.fields) {
      const was = old.fields.find((f) => f.name === field.name);
      if (was && Object.keys(was.facts).length > 0) field.facts = was.facts;
    }
  }
}

export function main(argv: readonly string[]): number {
  const sdkDir = resolve(argv.find((a) => !a.startsWith('--')) ?? DEFAULT_SDK_DIR);
  const check = argv.includes('--check');
  let stale = 0;
  if (!existsSync(sdkDir)) {
    console.error(`spec:sdk: the Python SDK was not found at ${sdkDir}`);
    return 1;
  }
  const classes = readClasses(join(sdkDir, SDK_V3, 'model'));
  const client = readFileSync(join(sdkDir, SDK_V3, 'sms_client.py'), 'utf8');
  const entries = (
    JSON.parse(readFileSync(join(SPEC_DIR, 'operations.json'), 'utf8')) as {
      operations: Array<{ operationId: string; schemas: string }>;
    }
  ).operations.filter((e) => e.schemas.startsWith('handwritten/'));
  const converter = new Converter(classes, pageModels());
  const sdkOps = entries.map((e) => [e, readOperation(client, e.operationId)] as const);
  // First pass: the role of every nested model across all operations, so a name is split the same way everywhere.
  for (const [, op] of sdkOps) {
    const request = converter.sdkClass(op.request);
    const body = request.types.get('body');
    if (op.body && body) for (const t of converter.sdkClass(body).types.values()) visitType(converter, t, 'request');
    for (const t of converter.sdkClass(op.response).types.values()) visitType(converter, t, 'response');
  }
  for (const [entry, op] of sdkOps) {
    const file = join(SPEC_DIR, entry.schemas);
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SpecFile) : undefined;
    const spec = converter.operation(entry.operationId, op);
    keepHandFacts(previous, spec, entry.operationId);
    const text = formatJson({ operations: { [entry.operationId]: spec } });
    if (check) {
      if (previous === undefined || readFileSync(file, 'utf8') !== text) {
        console.error(`spec:sdk: ${entry.schemas} differs from what the SDK's models give`);
        stale++;
      }
      continue;
    }
    writeFileSync(file, text);
    console.log(`spec:sdk: wrote ${entry.schemas}`);
  }
  if (check) {
    if (stale > 0) console.error('spec:sdk: run npm run spec:sdk and review the changes');
    else console.log(`spec:sdk: ${sdkOps.length} hand specs match the SDK's models`);
    return stale > 0 ? 1 : 0;
  }
  return 0;
}

function visitType(converter: Converter, type: string, role: Role): void {
  const ref = /^(?:list\[)?([A-Z]\w*)\]?$/.exec(type)?.[1];
  if (ref) converter.visit(ref, role);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`spec:sdk: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
