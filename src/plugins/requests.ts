// What every request gets on arrival: its gateway-shaped id (echoed in X-Request-Id), its arrival time, its state
// fields, and a refusal in the gateway's shape once the server is shutting down. One onRequest hook for all of it.
// Also how requests log: a logger made at a request's first line, and one debug line per finished request.
import { randomBytes } from 'node:crypto';
import {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { sendJson } from '../http/reply.js';
import { ERRORS, errorBody } from '../lib/errors.js';
import { REQUEST_STATE, type RequestState, stateOf } from './request-state.js';

/**
 * Request ids shaped like the gateway's (32 hex digits): a random prefix per app and a counter, unique without
 * drawing random bytes on every request.
 */
export function requestIds(): () => string {
  const prefix = randomBytes(8).toString('hex');
  let next = 0;
  return () => prefix + (next++).toString(16).padStart(16, '0');
}

/**
 * One debug line per finished request instead of Fastify's two info lines: logging every request at info would cost
 * about a third of the throughput. The line is put together only when it will be written.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!logsAt(request.log, 'debug')) return;
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

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArgs = Parameters<FastifyBaseLogger['info']>;

/** Whether `logger` writes lines at `level`; loggers that cannot say (not pino) are taken to write everything. */
export function logsAt(logger: FastifyBaseLogger, level: LogLevel): boolean {
  const { isLevelEnabled } = logger as { isLevelEnabled?: (level: string) => boolean };
  return typeof isLevelEnabled === 'function' ? isLevelEnabled.call(logger, level) : true;
}

/**
 * A request's logger that makes its real child (the parent's, with the request id bound) at the first line written,
 * so every line about a request still names it. pino serializes a child's bindings when it is made, about a
 * microsecond: made for every request, it would be paid for lines that, at the usual levels, are never written.
 */
class RequestLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  #writes(level: LogLevel): FastifyBaseLogger | undefined {
    const logger = this.#child ?? this.#parent;
    return logsAt(logger, level) ? this.#real() : undefined;
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  isLevelEnabled(level: LogLevel): boolean {
    return logsAt(this.#child ?? this.#parent, level);
  }

  fatal(...args: LogArgs): void {
    this.#writes('fatal')?.fatal(...args);
  }

  error(...args: LogArgs): void {
    this.#writes('error')?.error(...args);
  }

  warn(...args: LogArgs): void {
    this.#writes('warn')?.warn(...args);
  }

  info(...args: LogArgs): void {
    this.#writes('info')?.info(...args);
  }

  debug(...args: LogArgs): void {
    this.#writes('debug')?.debug(...args);
  }

  trace(...args: LogArgs): void {
    this.#writes('trace')?.trace(...args);
  }

  silent(..._args: LogArgs): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

/**
 * The logger to hand Fastify: `logger` itself underneath (its methods, level and bindings, through the prototype, as
 * pino's own children have them), whose children are made lazily (RequestLogger): each request's, as Fastify makes
 * them from it. A child with a level or serializers of its own (Fastify's own logger, a route's) is made at once, as
 * those change what the child itself decides, and its children are lazy in turn. A childLoggerFactory would do the
 * same for requests, but then Fastify checks every request's logger for its methods.
 */
export function lazyChildren(logger: FastifyBaseLogger): FastifyBaseLogger {
  const lazy = Object.create(logger) as FastifyBaseLogger;
  lazy.child = (bindings: Bindings, options: ChildLoggerOptions = {}) =>
    options.level !== undefined || options.serializers !== undefined
      ? lazyChildren(logger.child(bindings, options))
      : (new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger);
  return lazy;
}

export interface RequestsOptions {
  /** Aborted when the server starts closing. */
  readonly closing: AbortSignal;
}

async function requests(app: FastifyInstance, { closing }: RequestsOptions): Promise<void> {
  for (const name of Object.keys(REQUEST_STATE) as (keyof RequestState)[]) {
    app.decorateRequest(name, REQUEST_STATE[name] as null);
  }
  app.addHook('onRequest', (request, reply, done) => {
    stateOf(request).startedAt = performance.now();
    reply.header('x-request-id', request.id);
    if (!closing.aborted) return done();
    // A request that still arrives on an open connection during shutdown is refused (Fastify already set
    // Connection: close on it), before anything else looks at it.
    const body = errorBody(
      ERRORS.shuttingDown,
      `${ERRORS.shuttingDown.message}: the server is shutting down`,
      request.id,
    );
    sendJson(reply, JSON.stringify(body), ERRORS.shuttingDown.status);
  });
}

export default fp(requests, { name: 'request-state' });
