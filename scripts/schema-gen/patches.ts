// spec/patches.json: reviewed corrections to the facts, addressed by operation and model, each with its reason.
// A patch that targets nothing, or contradicts a stated fact without saying so, fails: patches never go stale quietly.
import { modelRef } from './facts.js';
import type { FieldFacts } from './parse.js';
import type { SpecField, SpecModel } from './spec.js';

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
  | {
      op: 'setFacts';
      operation: string;
      model: string;
      field: string;
      facts: FieldFacts;
      /** Needed to change a fact the page states. */
      override?: boolean;
      reason: string;
    }
  | { op: 'setType'; operation: string; model: string; field: string; type: string; reason: string }
  | { op: 'addFields'; operation: string; model: string; fields: SpecField[]; reason: string }
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
  | { op: 'replaceFields'; operation: string; model: string; fields: SpecField[]; reason: string }
  /** Names a model apart within one operation (and its references there), e.g. a request-side variant. */
  | { op: 'renameModel'; operation: string; model: string; to: string; reason: string };

export class PatchError extends Error {}

/** The models of each operation, by operationId, in page order. */
export type WorkingModels = Map<string, SpecModel[]>;

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function findModel(operations: WorkingModels, operation: string, model: string, patch: Patch): SpecModel {
  const found = operations.get(operation)?.find((m) => m.name === model);
  if (!found) throw new PatchError(`patch '${patch.reason}': no model ${operation}.${model}`);
  return found;
}

function findField(model: SpecModel, name: string, patch: Patch): SpecField {
  const found = model.fields.find((f) => f.name === name);
  if (!found) throw new PatchError(`patch '${patch.reason}': no field ${model.name}.${name}`);
  return found;
}

export function applyPatches(operations: WorkingModels, patches: readonly Patch[]): void {
  for (const patch of patches) {
    if (typeof patch.reason !== 'string' || patch.reason.trim() === '') {
      throw new PatchError(`a ${patch.op} patch has no reason`);
    }
    switch (patch.op) {
      case 'setRequired': {
        const model = findModel(operations, patch.operation, patch.model, patch);
        for (const name of patch.fields) {
          const field = findField(model, name, patch);
          if (field.required !== undefined && field.required !== patch.required && !patch.override) {
            throw new PatchError(`patch '${patch.reason}': ${model.name}.${name} contradicts the page's required flag`);
          }
          field.required = patch.required;
        }
        break;
      }
      case 'setFacts': {
        const model = findModel(operations, patch.operation, patch.model, patch);
        const field = findField(model, patch.field, patch);
        for (const [key, value] of Object.entries(patch.facts)) {
          const stated = field.facts[key as keyof FieldFacts];
          if (stated !== undefined && JSON.stringify(stated) !== JSON.stringify(value) && !patch.override) {
            throw new PatchError(`patch '${patch.reason}': ${model.name}.${patch.field} contradicts the page's ${key}`);
          }
        }
        Object.assign(field.facts, clone(patch.facts));
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
            throw new PatchError(`patch '${patch.reason}': ${model.name}.${field.name} already exists`);
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
            throw new PatchError(`patch '${patch.reason}': ${to.name}.${name} already exists`);
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
        const models = operations.get(patch.operation);
        if (!models) throw new PatchError(`patch '${patch.reason}': no operation ${patch.operation}`);
        if (models.some((m) => m.name === patch.model)) {
          throw new PatchError(`patch '${patch.reason}': ${patch.operation}.${patch.model} exists`);
        }
        const fields = clone(from.fields);
        for (const field of fields) delete field.required;
        const copy: SpecModel = { name: patch.model, kind: 'model', fields };
        if (from.page !== undefined) copy.page = from.page;
        if (from.table !== undefined) copy.table = from.table;
        models.push(copy);
        break;
      }
      case 'renameModel': {
        const model = findModel(operations, patch.operation, patch.model, patch);
        const models = operations.get(patch.operation) ?? [];
        if (model.kind !== 'model') throw new PatchError(`patch '${patch.reason}': ${model.name} is not a model table`);
        if (models.some((m) => m.name === patch.to)) {
          throw new PatchError(`patch '${patch.reason}': ${patch.operation}.${patch.to} exists`);
        }
        for (const other of models) {
          for (const field of other.fields) {
            if (modelRef(field.type) === patch.model)
              field.type = field.type.replace(new RegExp(`\\b${patch.model}\\b`), patch.to);
          }
        }
        model.name = patch.to;
        break;
      }
      default:
        throw new PatchError(`unknown patch op '${(patch as { op: string }).op}'`);
    }
  }
}
