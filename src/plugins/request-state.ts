// What the plugins note on a request as it goes through, without a module augmentation of Fastify's types: those
// would ship in the package's declarations and add properties to every consumer's own FastifyRequest.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FaultMark } from '../control/journal.js';
import type { SignatureHeader } from '../gateway/auth.js';
import type { Int64Fixup } from '../lib/json.js';

export interface RequestState {
  /** performance.now() when the request arrived (reply.elapsedTime needs a logger). */
  startedAt: number;
  /** Where the body held integers beyond 2^53; put back once validation passed. */
  int64Fixups: Int64Fixup[] | null;
  /** The body as received, kept only when signatures are verified. */
  rawBody: Buffer | null;
  /** The body's text, for the journal. */
  bodyText: string | null;
  /** The fault rule that fired on this request, if any. */
  fault: FaultMark | null;
  /** The SDK signature to verify once the body is read (only when signatures are verified). */
  signature: SignatureHeader | null;
  /** The route's facts, once asked for (routeFacts). */
  facts: RouteFacts | null;
}

/** Declared on every request with these starting values (decorateRequest), so requests keep one shape. */
export const REQUEST_STATE: Readonly<RequestState> = {
  startedAt: 0,
  int64Fixups: null,
  rawBody: null,
  bodyText: null,
  fault: null,
  signature: null,
  facts: null,
};

/** The request's state fields: the same object, seen through its decorated type. */
export function stateOf(request: FastifyRequest): RequestState {
  return request as FastifyRequest & RequestState;
}

/** What a route declares about itself in its config, read by the journal and the fault rules. */
export interface RouteFacts {
  /** The mock's own routes (control API, documentation): never journaled, never faulted. */
  readonly internal?: boolean;
  /** The vendor's operationId of an emulated route. */
  readonly operation?: string;
  /** The path parameter that names the operation's resource (`task_id`, ...). */
  readonly resource?: string;
}

/**
 * The facts of the route a request reached. Kept on the request at the first call: Fastify builds a new routeOptions
 * object on every read, and the journal and the fault rules each ask.
 */
export function routeFacts(request: FastifyRequest): RouteFacts {
  const state = stateOf(request);
  state.facts ??= request.routeOptions.config as RouteFacts;
  return state.facts;
}

/** The value of the path parameter naming the request's resource, or null. */
export function resourceIdOf(request: FastifyRequest): string | null {
  const name = routeFacts(request).resource;
  if (name === undefined) return null;
  return (request.params as Record<string, string | undefined> | undefined)?.[name] ?? null;
}

/** Marks every route registered in the calling scope (and its children) as the mock's own. */
export function markInternal(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const facts: RouteFacts = { ...(route.config as RouteFacts | undefined), internal: true };
    route.config = facts as typeof route.config;
  });
}
