// Runs sms-mock as a server: opens the database (held by this process alone) and migrates it, loads the seed, builds
// the app and listens.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Clock } from './clock.js';
import { type Config, DEFAULTS } from './config.js';
import { type Db, openDatabase } from './db/database.js';
import { readSeedFile } from './seed.js';
import type { TaskDocument } from './services/tasks.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly db: Db;
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions extends Partial<Config> {
  readonly logger?: FastifyBaseLogger;
  readonly clock?: Clock;
  /** Tasks to start with (after those of the `seed` file, if any); put back by every reset. */
  readonly seedTasks?: readonly TaskDocument[];
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...DEFAULTS, ...options };
  const seed = [...(config.seed ? readSeedFile(config.seed) : []), ...(options.seedTasks ?? [])];
  const db = openDatabase({ path: config.db });
  // A reset empties the whole store, tasks from earlier runs included: say so before anyone relies on them.
  const earlier = db.memory ? 0 : (db.prepare('SELECT COUNT(*) FROM tasks').pluck().get() as number);
  let app: FastifyInstance;
  try {
    app = await buildApp({
      config,
      db,
      seed,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    if (earlier > 0) {
      app.log.warn(
        { db: db.name, tasks: earlier },
        `${earlier} task${earlier === 1 ? '' : 's'} already in ${db.name}; a reset deletes them`,
      );
    }
    if (config.seed) app.log.info({ seed: config.seed, tasks: seed.length }, 'seed loaded');
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    db.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    app,
    db,
    url: `http://${host}:${port}`,
    close() {
      closing ??= app.close().then(() => {
        db.close();
      });
      return closing;
    },
  };
}
