// What a server starts with beside its tasks (`--faults`, `--clock`, `--clock-frozen`, `--clock-rate`), put back by every reset.
import type { FaultRuleInput } from './faults.js';

export interface StartState {
  readonly faults?: readonly FaultRuleInput[];
  /** Where the clock stands (epoch ms), running from there unless frozen; the source's time when omitted. */
  readonly clockAt?: number;
  readonly clockFrozen?: boolean;
  /** How many times as fast as its source the clock runs (1 when omitted). */
  readonly clockRate?: number;
}

/** A fault rule given at start that the rules refuse; `index` is its place in the list. */
export class StartRuleError extends Error {
  override name = 'StartRuleError';
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}
