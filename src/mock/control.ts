// The state the mock keeps beside the tasks (journal, fault rules, clock) and the reset that clears all of it.
import type { MockClock } from '../clock.js';
import type { TaskDocument, TaskService } from '../services/tasks.js';
import type { FaultRules } from './faults.js';
import type { Journal } from './journal.js';

export interface MockControl {
  readonly tasks: TaskService;
  readonly journal: Journal;
  readonly faults: FaultRules;
  readonly clock: MockClock;
  /**
   * Back to the state at start: tasks, subtasks and reports deleted and the seed (if any) put back, journal emptied,
   * fault rules removed, clock running on the system's time.
   */
  reset(): Promise<void>;
}

export function createMockControl(parts: {
  tasks: TaskService;
  journal: Journal;
  faults: FaultRules;
  clock: MockClock;
  seed: readonly TaskDocument[];
}): MockControl {
  const { tasks, journal, faults, clock, seed } = parts;
  return {
    tasks,
    journal,
    faults,
    clock,
    async reset() {
      faults.reset();
      clock.reset();
      await tasks.reset();
      if (seed.length > 0) await tasks.putTasks(seed);
      journal.reset();
    },
  };
}
