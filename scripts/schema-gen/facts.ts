// Doc pages → spec/sms-v3.facts.json: the tables of every page-backed operation, merged across the zh and en pages,
// under their export names. Facts only: names, types, required flags, bounds, enums, defaults, and where each came from.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Page, parsePage, type Table } from './parse.js';
import type { OperationEntry, SpecFile, SpecModel, SpecOperation } from './spec.js';

export class FactsError extends Error {}

/** The export name of a page table: `ShowTaskParams`, `UpdateTaskResponse403`, or the model's own name. */
export function exportName(operation: string, table: Pick<Table, 'kind' | 'title' | 'status'>): string {
  switch (table.kind) {
    case 'params':
      return `${operation}Params`;
    case 'query':
      return `${operation}Query`;
    case 'headers':
      return `${operation}Headers`;
    case 'body':
      return `${operation}Body`;
    case 'response':
      return table.status === 200 ? `${operation}Response` : `${operation}Response${table.status}`;
    default:
      return capitalize(table.title);
  }
}

/** `X object` / `Array of X objects` name the model X; the type of a plain field names none. */
export function modelRef(type: string): string | undefined {
  return /^(?:Array of (\w+) objects|(\w+) object)$/.exec(type)?.slice(1).find(Boolean);
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

type Sourced = { page: Page; file: string };

/**
 * Merges the pages of one operation: tables and facts from the newest page, required flags from any page that
 * states them. Two pages stating different facts for the same field is an error.
 */
function mergePages(entry: OperationEntry, pages: Sourced[]): SpecOperation {
  const sorted = [...pages].sort(
    (a, b) => b.page.updated.localeCompare(a.page.updated) || a.file.localeCompare(b.file),
  );
  const [newest, ...older] = sorted;
  if (!newest) throw new FactsError(`${entry.operationId}: no doc page found for ${entry.method} ${entry.path}`);
  const models: SpecModel[] = [];
  for (const table of newest.page.tables) {
    const name = exportName(entry.operationId, table);
    if (models.some((m) => m.name === name)) throw new FactsError(`${newest.file}: two tables give ${name}`);
    const fields = table.fields.map((field) => {
      const copy = clone(field);
      const ref = modelRef(copy.type);
      if (ref) copy.type = copy.type.replace(ref, capitalize(ref));
      return copy;
    });
    const model: SpecModel = { name, kind: table.kind, page: newest.file, table: table.title, fields };
    if (table.status !== undefined) model.status = table.status;
    models.push(model);
  }
  for (const { page } of older) {
    for (const table of page.tables) {
      const model = models.find((m) => m.name === exportName(entry.operationId, table));
      if (!model) continue;
      for (const field of table.fields) {
        const target = model.fields.find((f) => f.name === field.name);
        if (!target) continue;
        if (field.required !== undefined) {
          if (target.required !== undefined && target.required !== field.required) {
            throw new FactsError(`${entry.operationId} ${model.name}.${field.name}: pages disagree on required`);
          }
          target.required = field.required;
        }
        for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems'] as const) {
          const a = field.facts[key];
          const b = target.facts[key];
          if (a !== undefined && b !== undefined && Number(a) !== Number(b)) {
            throw new FactsError(
              `${entry.operationId} ${model.name}.${field.name}: pages disagree on ${key} (${b} vs ${a})`,
            );
          }
        }
      }
    }
  }
  return {
    method: entry.method,
    path: entry.path,
    pages: sorted.map(({ page, file }) => ({ file, updated: page.updated })),
    models,
  };
}

/** Reads every page in the directory into the facts of the page-backed operations, in operations.json order. */
export function factsFromPages(docsDir: string, entries: readonly OperationEntry[]): SpecFile {
  const pages = readdirSync(docsDir)
    .filter((file) => file.endsWith('.txt'))
    .sort()
    .map((file) => ({ file, page: parsePage(readFileSync(join(docsDir, file), 'utf8'), file) }));
  const operations: Record<string, SpecOperation> = {};
  for (const entry of entries) {
    if (entry.schemas !== 'page') continue;
    const mine = pages.filter(({ page }) => page.method === entry.method && page.path === entry.path);
    operations[entry.operationId] = mergePages(entry, mine);
  }
  return clone({ operations });
}

/** Where two facts files differ, one line per operation or model; empty when they agree. */
export function factsDifferences(committed: SpecFile, fresh: SpecFile): string[] {
  const out: string[] = [];
  const ids = new Set([...Object.keys(committed.operations), ...Object.keys(fresh.operations)]);
  for (const id of ids) {
    const a = committed.operations[id];
    const b = fresh.operations[id];
    if (!a || !b) {
      out.push(`${id}: ${a ? 'no longer given by the pages' : 'not in the committed facts'}`);
      continue;
    }
    const { models: am, ...aRest } = a;
    const { models: bm, ...bRest } = b;
    const before = out.length;
    if (!isDeepStrictEqual(aRest, bRest)) out.push(`${id}: method, path or pages differ`);
    const names = new Set([...am.map((m) => m.name), ...bm.map((m) => m.name)]);
    for (const name of names) {
      const x = am.find((m) => m.name === name);
      const y = bm.find((m) => m.name === name);
      if (!isDeepStrictEqual(x, y)) out.push(`${id} ${name}: ${!x ? 'new' : !y ? 'gone' : 'facts differ'}`);
    }
    if (out.length === before && !isDeepStrictEqual(am, bm)) out.push(`${id}: models are in another order`);
  }
  return out;
}
