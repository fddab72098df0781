// Rules that hold for every operation, applied before the patches: what the pages get wrong the same way each time is
// a rule here, not one patch per operation.
import type { SpecModel } from './spec.js';

export interface PolicyRule {
  readonly name: string;
  readonly reason: string;
  /** Changes the model in place. */
  readonly apply: (model: SpecModel) => void;
}

export const POLICY: readonly PolicyRule[] = [
  {
    name: 'X-Auth-Token is optional',
    reason: 'The official SDKs never send X-Auth-Token: they sign with AK/SK, and authentication accepts either.',
    apply: (model) => {
      if (model.kind !== 'headers') return;
      for (const field of model.fields) if (field.name.toLowerCase() === 'x-auth-token') field.required = false;
    },
  },
  {
    name: 'path parameters are required',
    reason: 'A path parameter is always present; some pages lost the column that says so.',
    apply: (model) => {
      if (model.kind !== 'params') return;
      for (const field of model.fields) field.required = true;
    },
  },
];

export function applyPolicy(models: readonly SpecModel[]): void {
  for (const model of models) for (const rule of POLICY) rule.apply(model);
}
