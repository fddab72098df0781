// Runs sms-mock as a server: opens the database (held by this process alone) and migrates it, loads the seed, builds
// the app and listens.
// A start that fails says why in one line and leaves no file behind; a close waits a grace period for open requests.
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type Config, DEFAULTS } from './config.js';
import type { TaskDocument } from './control/admin.js';
import { checkFaultRule, type FaultRuleInput } from './control/faults.js';
import { readSeed, type Seed, SeedError } from './control/seed.js';
import { StartRuleError, type StartState } from './control/start.js';
import { type Core, createCore } from './core.js';
import { type Db, openDatabase } from './db/database.js';
import type { Clock } from './lib/clock.js';
import { parseJson } from './lib/json.js';
import { credentialsProblem, generateServerCredentials, type ServerCredentials } from './lib/tls.js';
import type { ProfileInput } from './sms/simulation/profiles.js';
import type { SourceDocument } from './sms/sources/service.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** The object graph the app serves: services, journal, fault rules, clock (usable without HTTP). */
  readonly core: Core;
  readonly db: Db;
  /** `http://host:port`, or `https://host:port` when serving TLS, with the port actually bound. */
  readonly url: string;
  /** When serving TLS: the CA (PEM) that issued the certificate made at start, and the file it was written to. */
  readonly tls: { readonly ca: string | undefined; readonly caFile: string | undefined } | undefined;
  /**
   * Stops accepting connections, lets in-flight requests finish (cutting the connections still open after the grace
   * period), then closes the database and removes the port file and the CA file.
   */
  close(): Promise<void>;
}

export interface StartOptions extends Partial<Config> {
  readonly logger?: FastifyBaseLogger;
  readonly clock?: Clock;
  /** Tasks to start with (after those of the `seed` file, if any); put back by every reset. */
  readonly seedTasks?: readonly TaskDocument[];
  /** Source servers to start with (after those of the `seed` file, if any); put back by every reset. */
  readonly seedSources?: readonly SourceDocument[];
  /** Serve HTTPS with this PEM certificate (or chain) and key, rather than HTTP or what `tls` and `tlsCert` give. */
  readonly tlsCredentials?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

/** A start that cannot go on. The message is the line to show: it starts `sms-mock: ` and says what to do. */
export class StartError extends Error {
  override name = 'StartError';
}

/** Fault rules from a file: a JSON array of rules, or `{"faults": [...]}`, each as POST /_mock/faults takes it. */
export function readFaultsFile(path: string): FaultRuleInput[] {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartError(`sms-mock: cannot read fault file ${file}: ${fsReason(error, file)}; check --faults`);
  }
  let document: unknown;
  try {
    document = parseJson(text);
  } catch (error) {
    throw new StartError(`sms-mock: fault file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(document)
    ? document
    : document !== null && typeof document === 'object' && Array.isArray((document as { faults?: unknown }).faults)
      ? (document as { faults: unknown[] }).faults
      : undefined;
  if (!list) {
    throw new StartError(`sms-mock: fault file ${file} must hold an array of fault rules, or {"faults": [...]}`);
  }
  return list.map((rule, index) => {
    const problem = checkFaultRule(rule);
    if (problem !== undefined) throw new StartError(`sms-mock: fault file ${file}: rule ${index}: ${problem}`);
    return rule as FaultRuleInput;
  });
}

function fsReason(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return existsSync(dirname(file)) ? 'no such file' : `folder ${dirname(file)} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Refuses a path SQLite would fail on with a message naming neither the cause nor the remedy: a directory, or a file
 * that is not a database (read by its header, so the file is left exactly as it was).
 */
function checkDatabasePath(file: string): void {
  let size: number;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) {
      throw new StartError(`sms-mock: cannot open database ${file}: it is a directory; give a file path with --db`);
    }
    size = stats.size;
  } catch (error) {
    if (error instanceof StartError) throw error;
    return;
  }
  if (size === 0) return;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let read = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // unreadable: the database's own checks say so
  }
  if (read < head.length || !head.equals(SQLITE_HEADER)) {
    throw new StartError(
      `sms-mock: cannot open database ${file}: it is not a SQLite database; give a new file or an sms-mock database with --db`,
    );
  }
}

/** The database's files that do not exist yet, so that a failed start removes exactly what it created. */
function filesNotThere(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`].filter((f) => !existsSync(f));
}

function listenError(error: unknown, host: string, port: number): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartError(
        `sms-mock: port ${port} on ${host} is already in use: stop what listens there, or choose another with --port (0 picks a free one)`,
      );
    case 'EACCES':
      return new StartError(
        `sms-mock: no permission to listen on port ${port} of ${host} (ports below 1024 need privileges): choose another with --port`,
      );
    case 'EADDRNOTAVAIL':
      return new StartError(
        `sms-mock: cannot listen on ${host}: no network interface here has that address; choose another --host (127.0.0.1, or 0.0.0.0 for all)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartError(
        `sms-mock: cannot listen on ${host}: the name does not resolve; give an address with --host`,
      );
    default:
      return error;
  }
}

/** Written under another name, then renamed: a script polling for the file never reads half of it. */
function writeWhole(file: string, text: string, what: string, flag: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new StartError(`sms-mock: cannot write ${what} ${file}: ${fsReason(error, file)}; choose another ${flag}`);
  }
}

function readTlsFile(path: string, flag: string): Buffer {
  const file = resolve(path);
  try {
    return readFileSync(file);
  } catch (error) {
    throw new StartError(`sms-mock: cannot read ${file}: ${fsReason(error, file)}; check ${flag}`);
  }
}

/**
 * What the server serves HTTPS with, undefined for HTTP: the pair given, the files named, or a certificate made now by
 * a CA made now. A pair that cannot serve TLS (not PEM, a key that is not the certificate's) stops the start.
 */
async function serverCredentials(
  config: Config,
  given: StartOptions['tlsCredentials'],
): Promise<ServerCredentials | undefined> {
  if (given === undefined && !config.tls) return undefined;
  if (given === undefined && (config.tlsCert === undefined || config.tlsKey === undefined)) {
    return generateServerCredentials(config.host);
  }
  const cert = given?.cert ?? readTlsFile(config.tlsCert as string, '--tls-cert');
  const key = given?.key ?? readTlsFile(config.tlsKey as string, '--tls-key');
  const problem = credentialsProblem(cert, key);
  if (problem !== undefined) {
    const what = given
      ? 'the certificate and key given'
      : `${resolve(config.tlsCert ?? '')} and ${resolve(config.tlsKey ?? '')}`;
    throw new StartError(`sms-mock: cannot serve TLS with ${what}: ${problem}; check --tls-cert and --tls-key`);
  }
  return { cert, key, ca: undefined };
}

/** Requests still being answered, per connection: what a close waits for. */
function trackRequests(server: Server): () => { connections: number; requests: number } {
  const busy = new Map<Socket, number>();
  // A request queued behind an answer that closed its connection never gets an answer of its own to close: the
  // connection's close forgets it. Watched once per connection, not once per request.
  const watched = new WeakSet<Socket>();
  server.on('request', (request, response) => {
    const socket = request.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    if (!watched.has(socket)) {
      watched.add(socket);
      socket.once('close', () => busy.delete(socket));
    }
    response.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) busy.set(socket, left);
      else busy.delete(socket);
    });
  });
  return () => {
    let requests = 0;
    for (const count of busy.values()) requests += count;
    return { connections: busy.size, requests };
  };
}

/** How long a close waits before saying what it waits for: most closes are over by then, and need no log line. */
const QUIET_CLOSE_MS = 100;

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...DEFAULTS, ...options };
  // Every file is read and checked before the database is opened: a bad one stops the start with nothing created.
  let seed: TaskDocument[];
  let seedSources: SourceDocument[];
  let seedSimulation: ProfileInput | undefined;
  try {
    const file: Seed = config.seed ? readSeed(config.seed) : { tasks: [], sources: [] };
    seed = [...file.tasks, ...(options.seedTasks ?? [])];
    seedSources = [...file.sources, ...(options.seedSources ?? [])];
    seedSimulation = file.simulation;
  } catch (error) {
    throw error instanceof SeedError ? new StartError(`sms-mock: ${error.message}`, { cause: error }) : error;
  }
  const faultRules = config.faults ? readFaultsFile(config.faults) : [];
  const tls = await serverCredentials(config, options.tlsCredentials);
  const caFile = tls?.ca !== undefined && config.tlsCaOut !== undefined ? resolve(config.tlsCaOut) : undefined;
  let caWritten = false;
  const start: StartState = {
    faults: faultRules,
    ...(config.clockTime !== undefined ? { clockAt: config.clockTime } : {}),
    clockFrozen: config.clockFrozen,
    clockRate: config.clockRate,
  };
  const memory = config.db === ':memory:' || config.db === '';
  const dbFile = memory ? config.db : resolve(config.db);
  if (!memory) checkDatabasePath(dbFile);
  const created = memory ? [] : filesNotThere(dbFile);
  const portFile = config.portFile === undefined ? undefined : resolve(config.portFile);

  let db: Db;
  try {
    db = openDatabase({ path: config.db });
  } catch (error) {
    for (const file of created) rmSync(file, { force: true });
    const message = (error as Error).message;
    if (message.startsWith('sms-mock: ')) throw error;
    throw new StartError(`sms-mock: cannot open database ${dbFile}: ${message}; start with another --db`, {
      cause: error,
    });
  }
  // A reset empties the whole store, tasks from earlier runs included: say so before anyone relies on them.
  const earlier = db.memory ? 0 : (db.prepare('SELECT COUNT(*) FROM tasks').pluck().get() as number);
  let app: FastifyInstance | undefined;
  let core: Core | undefined;
  let inFlight: () => { connections: number; requests: number };
  let port: number;
  try {
    core = createCore({
      config,
      db,
      seed,
      seedSources,
      start,
      simulation: config.simulation ?? seedSimulation,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { log: options.logger } : {}),
    });
    // The certificate alone, not its CA: a client trusts the CA it was given, not one the server hands it.
    const https = tls && { cert: tls.cert, key: tls.key };
    app = await buildApp({ config, core, https, ...(options.logger ? { logger: options.logger } : {}) });
    try {
      await core.start();
    } catch (error) {
      if (!(error instanceof StartRuleError)) throw error;
      throw new StartError(
        `sms-mock: fault file ${resolve(config.faults ?? '')}: rule ${error.index}: ${error.message}`,
      );
    }
    if (earlier > 0) {
      app.log.warn(
        { db: db.name, tasks: earlier },
        `${earlier} task${earlier === 1 ? '' : 's'} already in ${db.name}; a reset deletes them`,
      );
    }
    if (config.seed)
      app.log.info({ seed: config.seed, tasks: seed.length, sources: seedSources.length }, 'seed loaded');
    if (faultRules.length > 0) app.log.info({ faults: config.faults, rules: faultRules.length }, 'fault rules loaded');
    inFlight = trackRequests(app.server);
    try {
      // Fastify's own "Server listening at" line is the logger's to drop: the command prints the one line it needs.
      await app.listen({ host: config.host, port: config.port });
    } catch (error) {
      throw listenError(error, config.host, config.port);
    }
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    // The CA before the port file: a script that waits for the port finds the CA there too.
    if (caFile !== undefined) {
      writeWhole(caFile, tls?.ca ?? '', 'the CA certificate file', '--tls-ca-out');
      caWritten = true;
    }
    if (portFile !== undefined) writeWhole(portFile, `${port}\n`, 'the port file', '--port-file');
  } catch (error) {
    await app?.close().catch(() => {});
    db.close();
    for (const file of created) rmSync(file, { force: true });
    if (caWritten && caFile !== undefined) rmSync(caFile, { force: true });
    throw error;
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const running = app;
  const started = core;
  let closing: Promise<void> | undefined;
  return {
    app: running,
    core: started,
    db,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    tls: tls === undefined ? undefined : { ca: tls.ca, caFile },
    close() {
      closing ??= (async () => {
        const closed = running.close();
        let cut: NodeJS.Timeout | undefined;
        try {
          const quietMs = Math.min(QUIET_CLOSE_MS, config.graceMs);
          const quiet = await Promise.race([
            closed.then(() => true),
            new Promise<false>((done) => setTimeout(() => done(false), quietMs)),
          ]);
          if (!quiet) {
            const waitMs = config.graceMs - quietMs;
            running.log.info({ ...inFlight(), grace_ms: config.graceMs }, 'waiting for open connections');
            cut = setTimeout(() => {
              running.log.warn({ ...inFlight() }, 'grace period over: cutting open connections');
              running.server.closeAllConnections();
            }, waitMs);
            await closed;
          }
        } finally {
          clearTimeout(cut);
          db.close();
          if (portFile !== undefined) rmSync(portFile, { force: true });
          if (caFile !== undefined) rmSync(caFile, { force: true });
        }
      })();
      return closing;
    },
  };
}
