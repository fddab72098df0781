// The mock's object graph in plain TypeScript: the write queue, repositories and services, the journal, fault rules
// and the clock. No Fastify here: the HTTP layer is one user of the core; startMock()'s helpers (and anything that
// drives tasks without HTTP) use the same objects.

import { createTaskAdmin, type TaskAdmin, type TaskDocument } from './control/admin.js';
import { FaultRules } from './control/faults.js';
import { Journal } from './control/journal.js';
import { StartRuleError, type StartState } from './control/start.js';
import type { Db } from './db/sqlite.js';
import { createWriteQueue, type StoreLog, type WriteQueue } from './db/write-queue.js';
import { type Clock, MockClock } from './lib/clock.js';
import { ApiError } from './lib/errors.js';
import { operationIds } from './schemas/generated/operations.js';
import { createTaskRenderer } from './schemas/index.js';
import { createAgentRepository, DEFAULT_AGENT_TIMEOUT_MS } from './sms/agent/repository.js';
import { type AgentService, createAgentService } from './sms/agent/service.js';
import type { ProfileInput } from './sms/simulation/profiles.js';
import { createSimulationRepository } from './sms/simulation/repository.js';
import { createSimulator, type Simulator } from './sms/simulation/service.js';
import { createSourceRepository } from './sms/sources/repository.js';
import { createSourceService, type SourceDocument, type SourceService } from './sms/sources/service.js';
import { bothLive, createTaskBodies, type LiveFields } from './sms/tasks/render.js';
import { createTaskRepository } from './sms/tasks/repository.js';
import { createTaskService, type TaskReport, type TaskService } from './sms/tasks/service.js';

export interface CoreConfig {
  /** Create a READY task for an unknown id on UpdateTask and progress reports instead of answering 404. */
  readonly autoCreate: boolean;
  /** How many requests the journal keeps. */
  readonly journalSize: number;
  /** Bytes the journal's entries may take. */
  readonly journalBytes: number;
  /**
   * How long after its agent was last heard from a source server shows disconnected, and after its last command poll
   * its agent stops counting as live (ms of mock time); DEFAULT_AGENT_TIMEOUT_MS when omitted.
   */
  readonly agentTimeoutMs?: number | undefined;
}

export interface CoreOptions {
  readonly config: CoreConfig;
  readonly db: Db;
  /** Where the mock clock takes its time from while running; the system clock when omitted. */
  readonly clock?: Clock | undefined;
  /** Tasks put in at start and put back by every reset. */
  readonly seed?: readonly TaskDocument[] | undefined;
  /** Source servers put in at start and put back by every reset. */
  readonly seedSources?: readonly SourceDocument[] | undefined;
  /** Fault rules and clock in force at start and put back by every reset. */
  readonly start?: StartState | undefined;
  /** Where the store reports turning unhealthy and back. */
  readonly log?: StoreLog | undefined;
  /** Task fields computed when a task is read, from the clock. */
  readonly live?: LiveFields | undefined;
  /** The simulated agent's default profile at start and after every reset (lan when omitted). */
  readonly simulation?: ProfileInput | undefined;
  /** Whether a real agent that polled its commands at `polledAt` is still live at `now`. */
  readonly liveAgent?: ((polledAt: number | null, now: number) => boolean) | undefined;
}

export interface Core {
  readonly db: Db;
  readonly clock: MockClock;
  /** Every write goes through it; its health() is the store's. */
  readonly writes: WriteQueue;
  /** The emulated operations' rules. */
  readonly tasks: TaskService;
  /** The mock's own task administration (seeds, raw put and delete, samples). */
  readonly admin: TaskAdmin;
  /** The source server operations' rules, and the mock's own administration of sources. */
  readonly sources: SourceService;
  readonly journal: Journal;
  readonly faults: FaultRules;
  /** The agent's channel (configuration, commands, results) and the rules of connection and live agents. */
  readonly agent: AgentService;
  /** The simulated agent that migrates tasks no real agent serves, on the mock clock. */
  readonly simulation: Simulator;
  /**
   * Puts the start state in force (clock, fault rules) and the seed in; stored tasks stay. Throws StartRuleError
   * for a fault rule the rules refuse.
   */
  start(): Promise<void>;
  /**
   * Back to the state at start: every table emptied and the seed put back, journal emptied, fault rules and clock as
   * the start state gives them (no rules, the system's time, when it gives none).
   */
  reset(): Promise<void>;
}

export { DEFAULT_AGENT_TIMEOUT_MS };

export function createCore({
  config,
  db,
  clock: source,
  seed = [],
  seedSources = [],
  start = {},
  log,
  live,
  simulation: simulationProfile,
  liveAgent,
}: CoreOptions): Core {
  const agentTimeoutMs = config.agentTimeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS;
  // startMock() and other embedders pass the timeout without the command line's checks.
  if (!Number.isSafeInteger(agentTimeoutMs) || agentTimeoutMs < 1) {
    throw new RangeError(`agentTimeoutMs must be a positive integer, got ${String(agentTimeoutMs)}`);
  }
  const clock = new MockClock(source);
  const writes = createWriteQueue(db, log ? { log } : {});
  const repository = createTaskRepository(db);
  const agents = createAgentRepository(db, { timeoutMs: agentTimeoutMs });
  const agent = createAgentService({ agents, tasks: repository, writes, clock, timeoutMs: agentTimeoutMs });
  const simulations = createSimulationRepository(db);
  // The simulator and the task service each use the other: actions schedule simulations, simulations write reports.
  let simulation: Simulator | undefined;
  const tasks = createTaskService({
    tasks: repository,
    writes,
    clock,
    body: createTaskBodies({
      tasks: repository,
      writes,
      clock,
      render: createTaskRenderer(),
      live: bothLive(agent.live, live),
    }),
    autoCreate: config.autoCreate,
    liveAgent: agent.hasLiveAgent,
    onAction: (id, now) => simulation?.afterAction(id, now),
    onReport: (id, at) => simulation?.handOver(id, at),
  });
  simulation = createSimulator({
    simulations,
    tasks: repository,
    writes,
    clock,
    // Samples name the subtasks as stored: a seeded task's may lie outside the request enum, and is reported as is.
    applyReports: (reports) => tasks.applySimulatedReports(reports as readonly TaskReport[]),
    liveAgent: liveAgent ?? agent.isLiveAgent,
    profile: simulationProfile,
  });
  const admin = createTaskAdmin({ db, tasks: repository, writes, clock });
  const sourceRepository = createSourceRepository(db);
  const sources = createSourceService({ sources: sourceRepository, writes, clock, agentTimeoutMs });
  // What journal filters and fault rules may name: the emulated operations, from the registry.
  const operations = new Set<string>(operationIds);
  const journal = new Journal(config.journalSize, { maxBytes: config.journalBytes, operations });
  const faults = new FaultRules(operations);

  const applyStart = (): void => {
    // Frozen at the very time given: setting a running clock and then freezing it would stand a moment later.
    if (start.clockFrozen) clock.freeze(start.clockAt);
    else if (start.clockAt !== undefined) clock.set(start.clockAt);
    if (start.clockRate !== undefined && start.clockRate !== 1) clock.setRate(start.clockRate);
    (start.faults ?? []).forEach((rule, index) => {
      try {
        faults.add(rule);
      } catch (error) {
        throw new StartRuleError(index, error instanceof ApiError ? (error.detail ?? error.message) : String(error));
      }
    });
  };
  // The seed goes in after the clock is set: its default dates come from the clock.
  const putSeed = async (): Promise<void> => {
    if (seedSources.length > 0) await sources.putDocuments(seedSources);
    if (seed.length > 0) await admin.putTasks(seed);
  };

  return {
    db,
    clock,
    writes,
    tasks,
    admin,
    sources,
    journal,
    faults,
    agent,
    simulation,
    async start() {
      applyStart();
      await putSeed();
    },
    async reset() {
      faults.reset();
      clock.reset();
      applyStart();
      await admin.emptyStore();
      simulation.reset();
      await putSeed();
      journal.reset();
    },
  };
}
