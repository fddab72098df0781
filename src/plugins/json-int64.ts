// JSON bodies with int64 kept exact. The body is parsed with JSON.parse unless it has a run of 16+ digits; then it is
// re-parsed losslessly and every integer beyond 2^53 becomes a bigint. Ajv knows no bigint, so validation runs on
// stand-ins (2^53 for an in-range value, 1e300 for one beyond int64) and the bigints are put back before the handler.
// The stand-ins are sound because any bound below 2^53 rejects an in-range bigint, which is right: a field with such
// a bound cannot hold it; and 1e300 fails every bound an int64 has.
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../lib/errors.js';
import { JsonRefusedError, mayHoldInt64, parseJson, restoreInt64, standInInt64 } from '../lib/json.js';
import { stateOf } from './request-state.js';

/** Methods Fastify never reads a body for. */
const BODYLESS = new Set(['GET', 'HEAD']);

export interface JsonInt64Options {
  /** Keep the raw body on the request (signature verification hashes it). */
  readonly keepRawBody: boolean;
}

async function jsonInt64(app: FastifyInstance, { keepRawBody }: JsonInt64Options): Promise<void> {
  app.removeAllContentTypeParsers();
  const parse = (request: FastifyRequest, text: string, done: (error: Error | null, body?: unknown) => void) => {
    if (text.length === 0) return done(null, undefined);
    const state = stateOf(request);
    state.bodyText = text;
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
      if (fixups.length > 0) state.int64Fixups = fixups;
    }
    done(null, value);
  };
  // Fastify hands a body of one chunk over as text without copying it first; the bytes themselves are asked for
  // only when signatures are verified (they hash them).
  if (keepRawBody) {
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
      const buffer = raw as Buffer;
      stateOf(request).rawBody = buffer;
      parse(request, buffer.toString('utf8'), done);
    });
  } else {
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
      parse(request, text as string, done);
    });
  }
  const restore: preHandlerHookHandler = (request, _reply, done) => {
    const fixups = stateOf(request).int64Fixups;
    if (fixups !== null) restoreInt64(fixups);
    done();
  };
  // Only routes that can receive a body get the hook: Fastify reads none for GET and HEAD, and a route without
  // hooks of a kind skips that step of the request entirely.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((method) => BODYLESS.has(method))) return;
    const own =
      route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [restore, ...own];
  });
}

export default fp(jsonInt64, { name: 'json-int64', dependencies: ['request-state'] });
