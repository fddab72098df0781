// The generator's input, spec/: the operations list, the facts read from the doc pages, hand-written specs in the same
// format, reviewed patches and our own descriptions. Loading checks the shape, so a typo fails here and not as odd TS.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldFacts, TableKind } from './parse.js';
import type { Patch } from './patches.js';

/** One field of a model: its name as on the wire, the page's type cell, the required flag where stated, and facts. */
export interface SpecField {
  name: string;
  type: string;
  required?: boolean;
  facts: FieldFacts;
}

/** A model under its export name: a page table, or a hand-written one. */
export interface SpecModel {
  name: string;
  kind: TableKind;
  /** Response models: the HTTP status they describe. */
  status?: number;
  /** Page facts: the page file and the table title the model was read from. */
  page?: string;
  table?: string;
  /** Hand specs: where a model's facts come from, when not the operation's own source. */
  source?: string;
  fields: SpecField[];
}

/** The models of one operation, from pages (`pages`) or written by hand (`source`). */
export interface SpecOperation {
  method: string;
  path: string;
  /** Page facts: the pages read, with their update dates. */
  pages?: Array<{ file: string; updated: string }>;
  /** Hand specs: where the facts come from, e.g. `sdk: huaweicloudsdksms/v3/model/list_tasks_request.py`. */
  source?: string;
  models: SpecModel[];
}

/** spec/sms-v3.facts.json and every spec/handwritten/*.json. */
export interface SpecFile {
  operations: Record<string, SpecOperation>;
}

/** One entry of spec/operations.json. */
export interface OperationEntry {
  /** The vendor's operation name. */
  operationId: string;
  method: string;
  /** OpenAPI style: `/v3/tasks/{task_id}`. */
  path: string;
  /** The path parameter that names the resource acted on, or null when the path has none. */
  resource: string | null;
  tag: string;
  summary: string;
  /** `page` (spec/sms-v3.facts.json) or `handwritten/<file>.json`. */
  schemas: string;
}

export interface Descriptions {
  /** Keyed `Model.field`, or `Model` for a model's own description. */
  readonly [key: string]: string;
}

export interface Spec {
  readonly operations: readonly OperationEntry[];
  /** The models of every listed operation, by operationId, each with where it came from. */
  readonly models: ReadonlyMap<string, SpecOperation & { file: string }>;
  readonly patches: readonly Patch[];
  readonly descriptions: Descriptions;
}

export class SpecError extends Error {}

export const FACTS_FILE = 'sms-v3.facts.json';
const KINDS: readonly TableKind[] = ['params', 'query', 'headers', 'body', 'response', 'model'];
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new SpecError(`${file}: ${(error as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function need(condition: boolean, where: string, what: string): void {
  if (!condition) throw new SpecError(`${where}: ${what}`);
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

function checkField(value: unknown, where: string): asserts value is SpecField {
  need(isRecord(value), where, 'a field must be an object');
  const field = value as Record<string, unknown>;
  need(isString(field.name), where, 'a field needs a name');
  need(isString(field.type), `${where}.${field.name}`, 'needs a type');
  need(field.required === undefined || typeof field.required === 'boolean', `${where}.${field.name}`, 'required');
  need(isRecord(field.facts), `${where}.${field.name}`, 'needs facts (an object, maybe empty)');
}

function checkModel(value: unknown, where: string, hand: boolean): asserts value is SpecModel {
  need(isRecord(value), where, 'a model must be an object');
  const model = value as Record<string, unknown>;
  need(isString(model.name), where, 'a model needs a name');
  const at = `${where} ${model.name}`;
  need(KINDS.includes(model.kind as TableKind), at, `kind must be one of ${KINDS.join(', ')}`);
  need((model.kind === 'response') === (typeof model.status === 'number'), at, 'a response model (only) has a status');
  if (!hand) need(isString(model.page) && isString(model.table), at, 'page facts name their page and table');
  need(Array.isArray(model.fields), at, 'needs fields (an array)');
  for (const field of model.fields as unknown[]) checkField(field, at);
}

/** Checks a facts file (`hand` false) or a hand spec (`hand` true). */
export function checkSpecFile(value: unknown, where: string, hand: boolean): asserts value is SpecFile {
  need(isRecord(value) && isRecord(value.operations), where, 'needs an "operations" object');
  for (const [id, op] of Object.entries((value as { operations: Record<string, unknown> }).operations)) {
    const at = `${where} ${id}`;
    need(isRecord(op), at, 'an operation must be an object');
    const operation = op as Record<string, unknown>;
    need(METHODS.includes(operation.method as string), at, 'needs a method');
    need(isString(operation.path) && (operation.path as string).startsWith('/'), at, 'needs a path');
    if (hand) {
      need(isString(operation.source), at, 'a hand-written operation needs a source (sdk: … or facts-file: …)');
      need(operation.pages === undefined, at, 'a hand-written operation has no pages');
    } else {
      need(Array.isArray(operation.pages) && (operation.pages as unknown[]).length > 0, at, 'needs its pages');
    }
    need(Array.isArray(operation.models), at, 'needs models (an array)');
    for (const model of operation.models as unknown[]) checkModel(model, at, hand);
  }
}

function checkEntry(value: unknown, where: string): asserts value is OperationEntry {
  need(isRecord(value), where, 'an operation must be an object');
  const entry = value as Record<string, unknown>;
  const at = `${where} ${String(entry.operationId)}`;
  need(isString(entry.operationId) && /^[A-Z]\w*$/.test(entry.operationId as string), where, 'operationId');
  need(METHODS.includes(entry.method as string), at, 'needs a method');
  need(isString(entry.path) && (entry.path as string).startsWith('/'), at, 'needs a path');
  need(entry.resource === null || isString(entry.resource), at, 'resource must be a path parameter name or null');
  if (entry.resource !== null) {
    need((entry.path as string).includes(`{${entry.resource}}`), at, `resource ${entry.resource} is not in the path`);
  }
  need(isString(entry.tag) && isString(entry.summary), at, 'needs a tag and a summary');
  need(
    entry.schemas === 'page' || /^handwritten\/[\w.-]+\.json$/.test(String(entry.schemas)),
    at,
    'schemas must be "page" or "handwritten/<file>.json"',
  );
}

/** Reads spec/operations.json (or the same file in a directory laid out like spec/). */
export function loadOperations(dir: string): OperationEntry[] {
  const list = readJson(join(dir, 'operations.json'));
  need(isRecord(list) && Array.isArray(list.operations), 'operations.json', 'needs an "operations" array');
  const operations = (list as { operations: unknown[] }).operations;
  operations.forEach((entry) => {
    checkEntry(entry, 'operations.json');
  });
  const entries = operations as OperationEntry[];
  const ids = entries.map((e) => e.operationId);
  need(new Set(ids).size === ids.length, 'operations.json', 'an operationId is listed twice');
  return entries;
}

/** Reads spec/ (or a directory laid out the same way). */
export function loadSpec(dir: string, only?: (entry: OperationEntry) => boolean): Spec {
  const entries = only ? loadOperations(dir).filter(only) : loadOperations(dir);

  const files = new Map<string, SpecFile>();
  const load = (name: string): SpecFile => {
    const cached = files.get(name);
    if (cached) return cached;
    const path = join(dir, name);
    need(existsSync(path), name, 'not found');
    const value = readJson(path);
    checkSpecFile(value, name, name !== FACTS_FILE);
    files.set(name, value);
    return value;
  };
  const models = new Map<string, SpecOperation & { file: string }>();
  for (const entry of entries) {
    const file = entry.schemas === 'page' ? FACTS_FILE : entry.schemas;
    const operation = load(file).operations[entry.operationId];
    need(operation !== undefined, `operations.json ${entry.operationId}`, `${file} has no such operation`);
    const found = operation as SpecOperation;
    need(
      found.method === entry.method && found.path === entry.path,
      `operations.json ${entry.operationId}`,
      `${entry.method} ${entry.path}, but ${file} says ${found.method} ${found.path}`,
    );
    models.set(entry.operationId, { ...found, file });
  }
  // A hand spec nobody lists is dead weight that drifts unseen.
  const handDir = join(dir, 'handwritten');
  if (!only && existsSync(handDir)) {
    for (const name of readdirSync(handDir).filter((f) => f.endsWith('.json'))) {
      for (const id of Object.keys(load(`handwritten/${name}`).operations)) {
        need(models.get(id)?.file === `handwritten/${name}`, `handwritten/${name} ${id}`, 'not in operations.json');
      }
    }
  }

  const patchFile = readJson(join(dir, 'patches.json'));
  need(isRecord(patchFile) && Array.isArray(patchFile.patches), 'patches.json', 'needs a "patches" array');
  const descriptions = readJson(join(dir, 'descriptions.json'));
  need(isRecord(descriptions), 'descriptions.json', 'must be an object');
  for (const [key, text] of Object.entries(descriptions as Record<string, unknown>)) {
    need(isString(text), `descriptions.json ${key}`, 'must be a non-empty string');
  }
  return {
    operations: entries,
    models,
    patches: (patchFile as { patches: Patch[] }).patches,
    descriptions: descriptions as Descriptions,
  };
}
