// Starting sms-mock inside a test process: an ephemeral port on 127.0.0.1, an in-memory database, no logs, and
// helpers that drive the mock-only features directly (the same objects the /_mock routes use, without HTTP).
import type { FastifyInstance } from 'fastify';
import { checkFaultRule, type FaultRule, type FaultRuleInput } from './control/faults.js';
import type { JournalEntry, JournalFilter } from './control/journal.js';
import { seedDocument, seedSources, seedTasks } from './control/seed.js';
import type { Core } from './core.js';
import type { Clock } from './lib/clock.js';
import { ApiError, ERRORS } from './lib/errors.js';
import { parseJson } from './lib/json.js';
import { startServer } from './server.js';
import type { Profile, ProfileInput } from './sms/simulation/profiles.js';
import { checkProfileInput } from './sms/simulation/schemas.js';
import type { SimulationStatus } from './sms/simulation/service.js';
import type { ProgressSample } from './sms/tasks/repository.js';

export interface MockOptions {
  /**
   * Tasks in the ShowTask shape, each with an id, or `{ tasks, sources }` with source servers in the ShowServer shape
   * too; put back by every reset.
   */
  readonly seed?:
    | readonly Record<string, unknown>[]
    | {
        readonly tasks?: readonly Record<string, unknown>[];
        readonly sources?: readonly Record<string, unknown>[];
        readonly simulation?: ProfileInput;
      };
  /** Unknown task ids on UpdateTask and progress reports create a READY task. */
  readonly autoCreate?: boolean;
  /** Access key → secret key: when given, SDK-HMAC-SHA256 signatures are verified. */
  readonly credentials?: Readonly<Record<string, string>>;
  readonly journalSize?: number;
  /** Bytes the journal may keep (bodies, urls and headers); the oldest entries leave past it. */
  readonly journalBytes?: number;
  readonly bodyLimit?: number;
  /** SQLite file; in memory when omitted. */
  readonly db?: string;
  /** 0 (any free port) when omitted. */
  readonly port?: number;
  /** Where the mock clock takes its time while running; the system clock when omitted. */
  readonly clock?: Clock;
  /** How many times as fast as its source the mock clock runs (60: a minute a second); 1 when omitted. */
  readonly clockRate?: number;
  /**
   * How the simulated agent migrates started tasks that no real agent serves: a preset's name (lan, wan, flaky,
   * fail, manual) or a profile as PUT /_mock/simulation takes it; lan when omitted.
   */
  readonly simulation?: ProfileInput | ProfileInput['profile'];
  /**
   * How long (ms of mock time) a source server not heard from by its agent stays connected, and an agent that stopped
   * polling for its commands stays live; 5 minutes when omitted.
   */
  readonly agentTimeoutMs?: number;
  /**
   * Serve HTTPS: `true` with a certificate for localhost, 127.0.0.1 and ::1 made at start by a CA made at start
   * (`mock.tls.ca`, for the client to trust), or with the PEM certificate (or chain) and key given.
   */
  readonly tls?: true | { readonly cert: string | Buffer; readonly key: string | Buffer };
}

/** The journal's filters, as `GET /_mock/requests` takes them but camelCase, with times as Date, epoch ms or ISO text. */
export interface RequestFilter {
  readonly method?: string;
  readonly operation?: string;
  /** The value of the operation's resource path parameter (`task_id`, `source_id`, ...). */
  readonly resourceId?: string;
  /** Matches only operations whose resource parameter is `task_id`. */
  readonly taskId?: string;
  /** Exact (404) or a class ('4xx'). */
  readonly status?: number | string;
  readonly since?: Date | number | string;
  /** Only entries with a larger seq. */
  readonly after?: number;
}

export interface SmsMock {
  /** `http://127.0.0.1:<port>` (`https://` with `tls`): point the code under test here. */
  readonly url: string;
  /** With `tls`: the CA certificate (PEM) that issued the certificate made at start; undefined for one given. */
  readonly tls: { readonly ca: string | undefined } | undefined;
  readonly app: FastifyInstance;
  /** The objects behind these helpers (services, journal, fault rules, clock), for what they do not cover. */
  readonly core: Core;
  /** Inserts or replaces tasks (ShowTask shape with ids). Throws on a task the schema refuses. */
  seed(tasks: readonly Record<string, unknown>[]): Promise<void>;
  /** Back to the state at start: tasks (seed put back), journal, fault rules and clock. */
  reset(): Promise<void>;
  /** The task as ShowTask answers it (integers beyond 2^53 as bigint), or undefined. */
  task(id: string): Record<string, unknown> | undefined;
  /** Progress reports stored for a task, oldest first. */
  progress(id: string): ProgressSample[];
  readonly sources: {
    /**
     * Inserts or replaces a source server given in the ShowServer shape with its id; resolves with its ShowServer
     * body. Throws on a source the schema refuses.
     */
    put(source: Record<string, unknown>): Promise<Record<string, unknown>>;
    /** The source as ShowServer answers it (integers beyond 2^53 as bigint), or undefined. */
    get(id: string): Record<string, unknown> | undefined;
    /** Deletes a source whatever task names it; false when there was none. */
    delete(id: string): Promise<boolean>;
  };
  readonly journal: {
    list(filter?: RequestFilter): JournalEntry[];
    count(filter?: RequestFilter): number;
    /**
     * Resolves with the matching entries once `count` (default 1) are there; rejects after `timeoutMs` (5000), or
     * when the server closes first.
     */
    wait(filter?: RequestFilter & { count?: number; timeoutMs?: number }): Promise<JournalEntry[]>;
    clear(): void;
  };
  readonly faults: {
    /** Adds a rule (same fields as POST /_mock/faults); throws on an invalid one. */
    add(rule: FaultRuleInput): FaultRule;
    list(): FaultRule[];
    remove(id: string): boolean;
    clear(): void;
  };
  readonly clock: {
    now(): Date;
    set(at: Date | number | string): void;
    /** Stops the clock, at `at` or where it stands. */
    freeze(at?: Date | number | string): void;
    run(): void;
    advance(ms: number): void;
    /** Runs `rate` times as fast as its source from now on. */
    setRate(rate: number): void;
  };
  /** The simulated agent (what /_mock/simulation and /_mock/tasks/{id}/simulation do). */
  readonly simulation: {
    /** The default profile. */
    get(): Profile;
    /**
     * Sets the default profile (a preset's name or a profile; throws on an invalid one); tasks migrating under the
     * default take it from their next sample.
     */
    set(profile: ProfileInput | ProfileInput['profile']): Promise<Profile>;
    /** A task's simulation, or undefined when the task does not exist. */
    task(id: string): SimulationStatus | undefined;
    /** Gives a task a profile of its own (null: the default again); false when the task does not exist. */
    setTask(id: string, profile: ProfileInput | ProfileInput['profile'] | null): Promise<boolean>;
    /** Writes every sample due by the mock clock's time (requests do this by themselves). */
    catchUp(): Promise<void>;
  };
  close(): Promise<void>;
}

function toMs(at: Date | number | string): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new TypeError(`not a time: ${String(at)}`);
  return ms;
}

const FILTER_KEYS = ['method', 'operation', 'resourceId', 'taskId', 'status', 'since', 'after'];
const WAIT_KEYS = [...FILTER_KEYS, 'count', 'timeoutMs'];

/** A misspelt key would otherwise widen the filter to every request, silently. */
function checkKeys(given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new TypeError(`unknown filter key '${key}'; known: ${known.join(', ')}`);
  }
}

function toFilter(filter: RequestFilter = {}): JournalFilter {
  checkKeys(filter, FILTER_KEYS);
  return {
    method: filter.method,
    operation: filter.operation,
    resourceId: filter.resourceId,
    taskId: filter.taskId,
    status: filter.status === undefined ? undefined : String(filter.status),
    since: filter.since === undefined ? undefined : toMs(filter.since),
    after: filter.after,
  };
}

/** A profile from a preset's name or a profile; throws TypeError on an invalid one. */
function profileInput(given: ProfileInput | ProfileInput['profile']): ProfileInput {
  const checked = checkProfileInput(typeof given === 'string' ? { profile: given } : given);
  if ('error' in checked) throw new TypeError(`invalid simulation profile: ${checked.error}`);
  return checked.input;
}

/** Starts sms-mock in this process. Call `close()` when done (an `afterAll`/`after` hook). */
export async function startMock(options: MockOptions = {}): Promise<SmsMock> {
  const seed = seedDocument(options.seed ?? []);
  const simulation = options.simulation === undefined ? seed.simulation : profileInput(options.simulation);
  const server = await startServer({
    host: '127.0.0.1',
    port: options.port ?? 0,
    db: options.db ?? ':memory:',
    seed: undefined,
    seedTasks: seed.tasks,
    seedSources: seed.sources,
    ...(options.autoCreate !== undefined ? { autoCreate: options.autoCreate } : {}),
    ...(options.credentials ? { credentials: new Map(Object.entries(options.credentials)) } : {}),
    ...(options.journalSize !== undefined ? { journalSize: options.journalSize } : {}),
    ...(options.journalBytes !== undefined ? { journalBytes: options.journalBytes } : {}),
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tls === true ? { tls: true } : options.tls ? { tlsCredentials: options.tls } : {}),
    ...(options.agentTimeoutMs !== undefined ? { agentTimeoutMs: options.agentTimeoutMs } : {}),
    ...(options.clockRate !== undefined ? { clockRate: options.clockRate } : {}),
    ...(simulation !== undefined ? { simulation } : {}),
  });
  const { app, core } = server;
  const { tasks, admin, sources, journal, faults, clock } = core;

  return {
    url: server.url,
    tls: server.tls === undefined ? undefined : { ca: server.tls.ca },
    app,
    core,
    seed: async (list) => admin.putTasks(seedTasks(list)),
    reset: () => core.reset(),
    task(id) {
      try {
        return parseJson(tasks.showTask(id), true) as Record<string, unknown>;
      } catch (error) {
        if (error instanceof ApiError && error.definition === ERRORS.taskNotFound) return undefined;
        throw error;
      }
    },
    progress: (id) => admin.listSamples(id),
    sources: {
      async put(source) {
        await sources.putDocuments(seedSources([source]));
        return sources.show(String(source.id));
      },
      get: (id) => sources.find(id),
      delete: (id) => sources.remove(id),
    },
    journal: {
      list: (filter) => journal.list(toFilter(filter)),
      count: (filter) => journal.count(toFilter(filter)),
      async wait(given = {}) {
        checkKeys(given, WAIT_KEYS);
        const { count = 1, timeoutMs = 5000, ...filter } = given;
        const result = await journal.wait(toFilter(filter), count, timeoutMs);
        if (result.outcome === 'satisfied') return result.answer.entries();
        const arrived = `${result.count} of ${count} matching requests arrived`;
        if (result.outcome === 'closing') throw new Error(`the server is closing: ${arrived}`);
        throw new Error(`timed out after ${timeoutMs} ms: ${arrived}`);
      },
      clear: () => journal.clear(),
    },
    faults: {
      add(rule) {
        const problem = checkFaultRule(rule);
        if (problem !== undefined) throw new TypeError(`invalid fault rule: ${problem}`);
        return faults.add(rule);
      },
      list: () => faults.list(),
      remove: (id) => faults.remove(id),
      clear: () => faults.clear(),
    },
    clock: {
      now: () => new Date(clock.now()),
      set: (at) => clock.set(toMs(at)),
      freeze: (at) => clock.freeze(at === undefined ? undefined : toMs(at)),
      run: () => clock.run(),
      advance: (ms) => clock.advance(ms),
      setRate: (rate) => clock.setRate(rate),
    },
    simulation: {
      get: () => core.simulation.defaultProfile(),
      set: (profile) => core.simulation.setDefaultProfile(profileInput(profile)),
      task: (id) => core.simulation.status(id),
      setTask: (id, profile) => core.simulation.setTaskProfile(id, profile === null ? null : profileInput(profile)),
      catchUp: () => core.simulation.catchUp(),
    },
    close: () => server.close(),
  };
}
