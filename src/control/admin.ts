// The state the mock keeps beside the tasks (journal, fault rules, clock) and the reset that clears all of it.
import type { MockClock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import type { TaskDocument, TaskService } from '../sms/tasks/service.js';
import type { FaultRuleInput, FaultRules } from './faults.js';
import type { Journal } from './journal.js';

/** Fault rules and clock given at start (`--faults`, `--clock`): in force from the start and after every reset. */
export interface StartState {
  readonly faults?: readonly FaultRuleInput[];
  /** Where the clock stands (epoch ms), running from there unless frozen; the source's time when omitted. */
  readonly clockAt?: number;
  readonly clockFrozen?: boolean;
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

export interface MockControl {
  readonly tasks: TaskService;
  readonly journal: Journal;
  readonly faults: FaultRules;
  readonly clock: MockClock;
  /**
   * Back to the state at start: tasks, subtasks and reports deleted and the seed (if any) put back, journal emptied,
   * fault rules and clock as the start state gives them (no rules, the system's time, when it gives none).
   */
  reset(): Promise<void>;
  /**
   * Puts the start state's fault rules and clock in force. Called once the emulated routes are registered (rules may
   * only name their operations) and before the seed goes in (its default dates come from the clock).
   */
  applyStart(): void;
}

export function createMockControl(parts: {
  tasks: TaskService;
  journal: Journal;
  faults: FaultRules;
  clock: MockClock;
  seed: readonly TaskDocument[];
  start?: StartState;
}): MockControl {
  const { tasks, journal, faults, clock, seed, start = {} } = parts;
  const applyStart = (): void => {
    if (start.clockAt !== undefined) clock.set(start.clockAt);
    if (start.clockFrozen) clock.freeze();
    (start.faults ?? []).forEach((rule, index) => {
      try {
        faults.add(rule);
      } catch (error) {
        throw new StartRuleError(index, error instanceof ApiError ? (error.detail ?? error.message) : String(error));
      }
    });
  };
  return {
    tasks,
    journal,
    faults,
    clock,
    applyStart,
    async reset() {
      faults.reset();
      clock.reset();
      applyStart();
      await tasks.reset();
      if (seed.length > 0) await tasks.putTasks(seed);
      journal.reset();
    },
  };
}
