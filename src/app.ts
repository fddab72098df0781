// Builds the Fastify application: the emulated SMS API, the mock's control API, the OpenAPI document, and the
// plumbing they share (JSON parsing that keeps int64 exact, validation, vendor-shaped errors, request ids, the request
// journal). Never listens by itself.
import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { type Clock, MockClock } from './lib/clock.js';
import { type Config, DEFAULTS, MAX_BODY_LIMIT } from './config.js';
import type { Db } from './db/database.js';
import { createWriteQueue, type WriteQueue } from './db/write-queue.js';
import { ApiError, ERRORS, type ErrorDefinition, errorBody } from './lib/errors.js';
import { createHttpServer, refuseUnreadable } from './http/connection.js';
import { type Int64Fixup, JsonRefusedError, mayHoldInt64, parseJson, restoreInt64, standInInt64 } from './lib/json.js';
import { sendJson } from './http/reply.js';
import { operationOf, taskIdOf } from './http/route.js';
import { createValidators, describeValidationError } from './lib/validation.js';
import { createMockControl, type MockControl, type StartState } from './control/admin.js';
import { FaultRules } from './control/faults.js';
import { type FaultMark, Journal, type JournalRecord } from './control/journal.js';
import { createTaskRepository } from './sms/tasks/repository.js';
import { apiRoutes } from './sms/tasks/routes.js';
import { docsRoutes, registerOpenApi } from './plugins/openapi.js';
import { mockRoutes } from './control/routes.js';
import { createTaskRenderer } from './schemas/index.js';
import { createTaskService, type TaskDocument, type TaskService } from './sms/tasks/service.js';
import { PACKAGE } from './version.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Where the body held integers beyond 2^53; put back once validation passed. */
    int64Fixups: Int64Fixup[] | null;
    /** The body as received, kept only when signatures are verified. */
    rawBody: Buffer | null;
    /** The body's text, for the journal. */
    bodyText: string | null;
    /** The fault rule that fired on this request, if any. */
    fault: FaultMark | null;
    /** performance.now() when the request arrived (reply.elapsedTime needs a logger). */
    startedAt: number;
  }
  interface FastifyInstance {
    tasks: TaskService;
    /** Every write goes through it; its health() is the store's. */
    store: WriteQueue;
    mock: MockControl;
  }
}

export type AppConfig = Pick<Config, 'autoCreate' | 'bodyLimit' | 'credentials'> &
  Partial<Pick<Config, 'journalSize' | 'journalBytes'>>;

export interface AppOptions {
  readonly config: AppConfig;
  readonly db: Db;
  /** Where the mock clock takes its time from while running; the system clock when omitted. */
  readonly clock?: Clock;
  /** Tasks put in at start and put back by every reset. */
  readonly seed?: readonly TaskDocument[];
  /** A pino logger; none (silent) when omitted. */
  readonly logger?: FastifyBaseLogger;
  /** Fault rules and clock in force at start and put back by every reset. */
  readonly start?: StartState;
}

function classify(
  error: FastifyError,
  request: FastifyRequest,
): { definition: ErrorDefinition; message: string; extra?: Readonly<Record<string, unknown>> | undefined } {
  if (error instanceof ApiError) return { definition: error.definition, message: error.message, extra: error.extra };
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0];
    const detail = first ? describeValidationError(first as never, error.validationContext ?? 'request') : '';
    return { definition: ERRORS.invalidParameter, message: `${ERRORS.invalidParameter.message}: ${detail}` };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { definition: ERRORS.bodyTooLarge, message: ERRORS.bodyTooLarge.message };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const missing = request.headers['content-type'] === undefined;
      const definition = missing ? ERRORS.contentTypeMissing : ERRORS.contentTypeInvalid;
      return { definition, message: definition.message };
    }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { definition: ERRORS.malformedBody, message: ERRORS.malformedBody.message };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { definition: { ...ERRORS.badRequest, status }, message: `${ERRORS.badRequest.message}: ${error.message}` };
  }
  return { definition: ERRORS.internal, message: ERRORS.internal.message };
}

/**
 * One debug line per finished request instead of Fastify's two info lines: logging every request at info would cost
 * about a third of the throughput.
 */
class RequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: reply.elapsedTime,
        err: error ?? undefined,
      },
      'request',
    );
  }
}

/**
 * Request ids shaped like the gateway's (32 hex digits): a random prefix per app and a counter, unique without
 * drawing random bytes on every request.
 */
function requestIds(): () => string {
  const prefix = randomBytes(8).toString('hex');
  let next = 0;
  return () => prefix + (next++).toString(16).padStart(16, '0');
}

/** Paths of the mock's own API and documentation (the root, a browser's icon request): never journaled. */
function isControlUrl(url: string): boolean {
  return (
    url.startsWith('/_mock') ||
    url.startsWith('/docs') ||
    url.startsWith('/openapi.json') ||
    url === '/favicon.ico' ||
    url === '/' ||
    url.startsWith('/?')
  );
}

function journalRecord(request: FastifyRequest, status: number | null, time: number): JournalRecord {
  return {
    time,
    method: request.method,
    url: request.url,
    operation: operationOf(request),
    taskId: taskIdOf(request),
    status,
    requestId: request.id,
    durationMs: performance.now() - request.startedAt,
    headers: request.headers,
    body: request.bodyText,
    fault: request.fault,
  };
}

export async function buildApp({
  config,
  db,
  clock: source,
  seed = [],
  logger,
  start,
}: AppOptions): Promise<FastifyInstance> {
  // startMock() and other embedders pass the limit without the command line's checks.
  if (!Number.isSafeInteger(config.bodyLimit) || config.bodyLimit < 1 || config.bodyLimit > MAX_BODY_LIMIT) {
    throw new RangeError(
      `bodyLimit must be an integer from 1 to ${MAX_BODY_LIMIT} (256 MiB), got ${String(config.bodyLimit)}`,
    );
  }
  const clock = new MockClock(source);
  const newRequestId = requestIds();
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : {}),
    bodyLimit: config.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: newRequestId,
    // Requests of one connection run in turn, and what Node's HTTP layer would answer by itself is in the gateway's
    // shape: see connection.ts.
    serverFactory: (handler, options) => createHttpServer(handler, { newRequestId, fastify: options }),
    clientErrorHandler: (error, socket) => refuseUnreadable(newRequestId(), error, socket),
    // Fastify's own 503 during shutdown is not in the gateway's shape: the onRequest hook below answers instead.
    return503OnClosing: false,
    // A path that does not decode (`/v3/tasks/%`) is refused before routing: in the gateway's shape as well.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      const body = errorBody(ERRORS.badRequest, `${ERRORS.badRequest.message}: ${error.message}`, request.id);
      sendJson(reply, JSON.stringify(body), 400);
    },
    logController: new RequestLog(),
    // Task ids may be up to 255 characters (ShowTask): longer ones are refused by the schema, not the router.
    routerOptions: { maxParamLength: 1024 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const validators = createValidators();
  app.setValidatorCompiler(validators.compiler);

  const writes = createWriteQueue(db, { log: app.log });
  const tasks = createTaskService({
    tasks: createTaskRepository(db),
    writes,
    clock,
    render: createTaskRenderer(),
    autoCreate: config.autoCreate,
  });
  // The operations the emulated routes serve, as their operationIds: what journal filters and fault rules may name.
  // Filled in as the routes are registered below, read only once requests arrive.
  const operations = new Set<string>();
  app.addHook('onRoute', (route) => {
    const operationId = route.schema?.operationId as string | undefined;
    if (operationId !== undefined && !isControlUrl(route.url)) operations.add(operationId);
  });
  const journal = new Journal(config.journalSize ?? DEFAULTS.journalSize, {
    maxBytes: config.journalBytes ?? DEFAULTS.journalBytes,
    operations,
  });
  const faults = new FaultRules(operations);
  const mock = createMockControl({ tasks, journal, faults, clock, seed, ...(start ? { start } : {}) });
  app.decorate('tasks', tasks);
  app.decorate('mock', mock);
  app.decorate('store', writes);
  app.decorateRequest('int64Fixups', null);
  app.decorateRequest('rawBody', null);
  app.decorateRequest('bodyText', null);
  app.decorateRequest('fault', null);
  app.decorateRequest('startedAt', 0);

  const keepRawBody = config.credentials.size > 0;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    const buffer = raw as Buffer;
    if (keepRawBody) request.rawBody = buffer;
    if (buffer.length === 0) return done(null, undefined);
    const text = buffer.toString('utf8');
    request.bodyText = text;
    const longDigits = mayHoldInt64(text);
    let value: unknown;
    try {
      value = parseJson(text, longDigits);
    } catch (error) {
      if (error instanceof JsonRefusedError) return done(new ApiError('invalidParameter', error.message), undefined);
      return done(new ApiError('malformedBody'), undefined);
    }
    if (longDigits) {
      const fixups = standInInt64(value);
      if (fixups.length > 0) request.int64Fixups = fixups;
    }
    done(null, value);
  });

  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = performance.now();
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.int64Fixups !== null) restoreInt64(request.int64Fixups);
    done();
  });
  // Journal every answered request to the emulated API, just before its answer goes out: once a client has its
  // answer, the journal already shows the request (and the database already holds what it wrote).
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!isControlUrl(request.url)) {
      journal.record(journalRecord(request, reply.statusCode, clock.now()));
    }
    done(null, payload);
  });

  // On close: fault delays end early and pending journal waits are answered, each on a connection that closes with
  // it (the server's close would otherwise wait for those keep-alive connections to time out).
  const closing = new AbortController();
  app.addHook('preClose', (done) => {
    closing.abort();
    journal.closeWaits();
    done();
  });
  // A request that still arrives on an open connection during shutdown is refused (Fastify already set
  // Connection: close on it), before anything else looks at it.
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing.signal.aborted) return done();
    const body = errorBody(
      ERRORS.shuttingDown,
      `${ERRORS.shuttingDown.message}: the server is shutting down`,
      request.id,
    );
    sendJson(reply, JSON.stringify(body), ERRORS.shuttingDown.status);
  });

  app.setNotFoundHandler((request) => {
    throw new ApiError('routeNotFound', `${request.method} ${request.url.split('?')[0]}`);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { definition, message, extra } = classify(error, request);
    // A store that cannot be written was logged once, loudly, when it turned so: not again for every refused request.
    if (definition.status >= 500 && definition !== ERRORS.storeUnavailable) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.debug({ code: definition.code, message }, 'request rejected');
    }
    return sendJson(reply, JSON.stringify(errorBody(definition, message, request.id, extra)), definition.status);
  });

  await registerOpenApi(app);
  await app.register(apiRoutes, {
    tasks,
    credentials: config.credentials,
    clock,
    faults,
    closing: closing.signal,
    // A connection dropped or closed by a fault has no answer to journal on the way out: journal it here.
    onUnanswered: (request) => journal.record(journalRecord(request, null, clock.now())),
  });
  await app.register(mockRoutes, { mock, closing: closing.signal, prefix: '/_mock' });
  await app.register(docsRoutes);
  // Someone opening the server's address in a browser wants the documentation, not a 404.
  app.get('/', { schema: { hide: true } }, () => ({
    name: PACKAGE.name,
    version: PACKAGE.version,
    docs: '/docs',
    openapi: '/openapi.json',
    health: '/_mock/health',
  }));
  mock.applyStart();
  if (seed.length > 0) await tasks.putTasks(seed);
  return app;
}
