// What every request gets on arrival: its gateway-shaped id (echoed in X-Request-Id), its arrival time, its state
// fields, and a refusal in the gateway's shape once the server is shutting down. One onRequest hook for all of it.
import { randomBytes } from 'node:crypto';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import fp from 'fastify-plugin';
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
 * about a third of the throughput.
 */
export class RequestLog extends LogController {
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
