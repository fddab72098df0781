// What stands in front of the emulated API, as the API gateway does: authentication (a token, or an SDK-HMAC-SHA256
// signature verified when credentials are configured) and the fault rules. Registered inside the emulated API's
// scope only: the mock's own routes are neither authenticated nor faulted.
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { FaultAction, FaultRules } from '../control/faults.js';
import type { Journal } from '../control/journal.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { resourceIdOf, routeFacts, stateOf } from '../plugins/request-state.js';
import { checkCredentials, verifySignature } from './auth.js';
import { journalRecord } from './journal.js';

export interface GatewayOptions {
  /** Access key → secret key; signatures are verified only when non-empty. */
  readonly credentials: ReadonlyMap<string, string>;
  readonly clock: Clock;
  readonly faults: FaultRules;
  /** Where a request a fault left without an answer is journaled (no answer goes out to journal it on the way). */
  readonly journal: Journal;
  /** Aborted when the server starts closing: fault delays end early. */
  readonly closing: AbortSignal;
}

/** Cuts the connection as the rule says; injected requests (no socket) fail the injection instead. */
function cutConnection(action: FaultAction, request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  const socket = request.raw.socket as Partial<Socket> | undefined;
  // drop: a TCP reset; empty: an orderly close before a single byte of answer.
  if (action.rule.effect.type === 'drop' && typeof socket?.resetAndDestroy === 'function') socket.resetAndDestroy();
  else if (action.rule.effect.type === 'empty' && typeof socket?.end === 'function') socket.end();
  else reply.raw.destroy();
}

async function gateway(
  app: FastifyInstance,
  { credentials, clock, faults, journal, closing }: GatewayOptions,
): Promise<void> {
  // Authentication happens before the body is read, as at the gateway; verifying a signature needs the body, so
  // that part waits until it has been parsed. Without credentials there is no signature to keep for it.
  if (credentials.size === 0) {
    app.addHook('onRequest', (request, _reply, done) => {
      checkCredentials(request.headers);
      done();
    });
  } else {
    app.addHook('onRequest', (request, _reply, done) => {
      stateOf(request).signature = checkCredentials(request.headers) ?? null;
      done();
    });
  }

  // Fault rules apply once the body is read (so the journal shows it) and before signatures and schemas are checked:
  // a faulted request reaches no handler and stores nothing. Delays end early when the server closes.
  app.addHook('preValidation', (request, reply, done) => {
    if (faults.size === 0) return done();
    const facts = routeFacts(request);
    const action = faults.pick({
      operation: facts.operation ?? null,
      method: request.method,
      path: request.url.split('?', 1)[0] as string,
      resource: facts.resource ?? null,
      resourceId: resourceIdOf(request),
    });
    if (!action) return done();
    const state = stateOf(request);
    state.fault = { rule: action.rule.id, effect: action.rule.effect.type };
    request.log.debug({ fault: state.fault, delayMs: action.delayMs }, 'fault rule fired');
    const go = () => {
      if (closing.aborted) reply.header('connection', 'close');
      const { error } = action;
      if (error) {
        const { definition, message, retryAfter } = error;
        return done(
          ApiError.of(
            definition,
            message,
            retryAfter === undefined ? undefined : { 'retry-after': String(retryAfter) },
          ),
        );
      }
      const { type } = action.rule.effect;
      if (type !== 'drop' && type !== 'empty') return done();
      cutConnection(action, request, reply);
      journal.record(journalRecord(request, null, clock.now()));
    };
    if (action.delayMs <= 0) return go();
    sleep(action.delayMs, undefined, { signal: closing }).then(go, go);
  });

  if (credentials.size > 0) {
    app.addHook('preValidation', (request, _reply, done) => {
      const { signature, rawBody } = stateOf(request);
      if (signature !== null) {
        const { method, headers } = request;
        const body = rawBody ?? undefined;
        verifySignature({ method, url: request.raw.url ?? '/', headers, body }, signature, credentials, [
          clock,
          systemClock,
        ]);
      }
      done();
    });
  }
}

export default fp(gateway, { name: 'gateway', dependencies: ['request-state'] });
