// The app under test: built on an in-memory database with a clock the test moves, either once per test file and put
// back by a reset before each test (useTestApp), or on its own (buildTestApp) for a test that needs another one.
import { Writable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type AppConfig, buildApp } from '../../src/app.js';
import { DEFAULTS } from '../../src/config.js';
import { type Core, createCore } from '../../src/core.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import type { Clock } from '../../src/lib/clock.js';
import type { TaskFixture } from './fixtures.js';

/** The source the mock clock reads: stands still until a test moves it. */
export class TestClock implements Clock {
  constructor(public current = Date.UTC(2026, 10, 23, 5, 20, 57)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  /** The services, journal, fault rules and clock behind the app. */
  core: Core;
  db: Db;
  clock: TestClock;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Tasks put in at start and put back by every reset. */
  readonly seed?: readonly TaskFixture[];
  /** Source servers put in at start (before the tasks) and put back by every reset, in the ShowServer shape. */
  readonly seedSources?: readonly ({ id: string } & Record<string, unknown>)[];
  readonly logger?: FastifyBaseLogger;
}

export async function buildTestApp(
  config: Partial<AppConfig> = {},
  clock = new TestClock(),
  { seed = [], seedSources = [], logger }: TestAppOptions = {},
): Promise<TestApp> {
  const db = openDatabase({ path: ':memory:' });
  const full = { autoCreate: false, bodyLimit: 1024 * 1024, credentials: new Map(), ...config };
  const core = createCore({
    config: {
      autoCreate: full.autoCreate,
      journalSize: full.journalSize ?? DEFAULTS.journalSize,
      journalBytes: full.journalBytes ?? DEFAULTS.journalBytes,
    },
    db,
    clock,
    seed,
    seedSources,
  });
  const app = await buildApp({ config: full, core, ...(logger ? { logger } : {}) });
  await core.start();
  await app.ready();
  return {
    app,
    core,
    db,
    clock,
    async close() {
      await app.close();
      db.close();
    },
  };
}

/**
 * One app for the tests of the enclosing file or describe block: built before the first, closed after the last,
 * and before each test put back as it started (tasks and seed, journal, fault rules, clock) through POST /_mock/reset,
 * with the test clock back at its start. The handle's fields are there once the tests run.
 */
export function useTestApp(config: Partial<AppConfig> = {}, options: TestAppOptions = {}): TestApp {
  const clock = new TestClock();
  const startedAt = clock.current;
  const handle = { clock } as TestApp;
  beforeAll(async () => {
    Object.assign(handle, await buildTestApp(config, clock, options));
  });
  beforeEach(async () => {
    // The clock first: the seed put back by the reset takes its default dates from it.
    clock.current = startedAt;
    const response = await handle.app.inject({ method: 'POST', url: '/_mock/reset' });
    if (response.statusCode !== 204) throw new Error(`reset answered ${response.statusCode}: ${response.body}`);
  });
  afterAll(() => handle.close());
  return handle;
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A JSON logger whose lines the test reads back, parsed. */
export function logCapture(level = 'info'): { logger: FastifyBaseLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
