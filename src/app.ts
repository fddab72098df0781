// Builds the Fastify application from a core: the plugins every request goes through, the emulated SMS API, the
// mock's control API and the documentation, registered in this order. Never listens by itself.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type Config, DEFAULTS, MAX_BODY_LIMIT } from './config.js';
import type { TaskDocument } from './control/admin.js';
import { control } from './control/index.js';
import type { StartState } from './control/start.js';
import { type Core, createCore } from './core.js';
import { dashboard } from './dashboard/index.js';
import type { Db } from './db/database.js';
import journaling from './gateway/journal.js';
import { createHttpServer, refuseUnreadable } from './http/connection.js';
import type { Clock } from './lib/clock.js';
import { buildSerializer } from './lib/serialization.js';
import { buildValidator } from './lib/validation.js';
import errorHandler, { frameworkErrors } from './plugins/error-handler.js';
import jsonInt64 from './plugins/json-int64.js';
import openApi from './plugins/openapi.js';
import { markInternal } from './plugins/request-state.js';
import requests, { lazyChildren, RequestLog, requestIds } from './plugins/requests.js';
import { sms } from './sms/index.js';
import { PACKAGE } from './version.js';

export type AppConfig = Pick<Config, 'autoCreate' | 'bodyLimit' | 'credentials'> &
  Partial<Pick<Config, 'journalSize' | 'journalBytes'>>;

export interface AppOptions {
  readonly config: AppConfig;
  /** The core to serve; built from `db` (and `clock`, `seed`, `start`) when omitted. */
  readonly core?: Core;
  readonly db?: Db;
  /** Where the mock clock takes its time from while running; the system clock when omitted. */
  readonly clock?: Clock;
  /** Tasks put in at start and put back by every reset. */
  readonly seed?: readonly TaskDocument[];
  /** A pino logger; none (silent) when omitted. */
  readonly logger?: FastifyBaseLogger;
  /** Fault rules and clock in force at start and put back by every reset. */
  readonly start?: StartState;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP. */
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
}

export async function buildApp({
  config,
  core: given,
  db,
  clock,
  seed,
  logger,
  start,
  https,
}: AppOptions): Promise<FastifyInstance> {
  // startMock() and other embedders pass the limit without the command line's checks.
  if (!Number.isSafeInteger(config.bodyLimit) || config.bodyLimit < 1 || config.bodyLimit > MAX_BODY_LIMIT) {
    throw new RangeError(
      `bodyLimit must be an integer from 1 to ${MAX_BODY_LIMIT} (256 MiB), got ${String(config.bodyLimit)}`,
    );
  }
  const newRequestId = requestIds();
  const app = Fastify({
    // Each request's logger is made at its first line (lazyChildren): most requests write none.
    ...(logger ? { loggerInstance: lazyChildren(logger) } : {}),
    bodyLimit: config.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: newRequestId,
    // Requests of one connection run in turn, and what Node's HTTP layer would answer by itself is in the gateway's
    // shape: see connection.ts.
    serverFactory: (handler, options) => createHttpServer(handler, { newRequestId, fastify: options, tls: https }),
    clientErrorHandler: (error, socket) => refuseUnreadable(newRequestId(), error, socket),
    // Fastify's own 503 during shutdown is not in the gateway's shape: the requests plugin answers instead.
    return503OnClosing: false,
    frameworkErrors,
    logController: new RequestLog(),
    // Task ids may be up to 255 characters (ShowTask): longer ones are refused by the schema, not the router.
    routerOptions: { maxParamLength: 1024 },
    // Validators and serializers are made on a schema's first use, not at ready, so start-up stays the same however
    // many routes there are; given here, Fastify does not load its own Ajv and fast-json-stringify compilers either.
    schemaController: { compilersFactory: { buildValidator, buildSerializer } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (given === undefined && db === undefined) throw new TypeError('buildApp needs a core or a db');
  const core =
    given ??
    createCore({
      config: {
        autoCreate: config.autoCreate,
        journalSize: config.journalSize ?? DEFAULTS.journalSize,
        journalBytes: config.journalBytes ?? DEFAULTS.journalBytes,
      },
      db: db as Db,
      clock,
      seed,
      start,
      log: app.log,
    });

  // On close: fault delays end early and pending journal waits are answered, each on a connection that closes with
  // it (the server's close would otherwise wait for those keep-alive connections to time out).
  const closing = new AbortController();
  app.addHook('preClose', (done) => {
    closing.abort();
    core.journal.closeWaits();
    core.simulation.halt();
    done();
  });

  await app.register(requests, { closing: closing.signal });
  await app.register(errorHandler);
  await app.register(jsonInt64, { keepRawBody: config.credentials.size > 0 });
  await app.register(journaling, { journal: core.journal, clock: core.clock });
  await app.register(openApi);
  // The simulated agent's work is worked out from the clock when someone looks: before a handler reads or writes,
  // the samples due by now are written. When none is due that is one comparison.
  app.addHook('preHandler', (_request, _reply, done) => {
    if (!core.simulation.due(core.clock.now())) return done();
    core.simulation.catchUp().then(() => done(), done);
  });
  await app.register(sms, { core, credentials: config.credentials, closing: closing.signal });
  await app.register(control, { core, closing: closing.signal, prefix: '/_mock' });
  await app.register(dashboard, { core, closing: closing.signal, prefix: '/_mock' });
  await app.register(index);
  if (given === undefined) await core.start();
  return app;
}

/**
 * Someone opening the server's address in a browser wants to know where to go, not a 404: a browser (it asks for
 * HTML) is sent on to the dashboard; any other client gets the map of the server as JSON.
 */
async function index(app: FastifyInstance): Promise<void> {
  markInternal(app);
  app.get('/', { schema: { hide: true } }, (request, reply) => {
    if (request.headers.accept?.includes('text/html')) return reply.redirect('/_mock/ui/', 302);
    return {
      name: PACKAGE.name,
      version: PACKAGE.version,
      dashboard: '/_mock/ui/',
      docs: '/docs',
      openapi: '/openapi.json',
      health: '/_mock/health',
    };
  });
  // A browser asks for this beside every page: answered empty rather than journaled as a miss.
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => {
    reply.code(204).send();
  });
}
