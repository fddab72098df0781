// Every error the server answers, in the vendor's shape: thrown ApiErrors as their table says, Fastify's own errors
// (validation, body limit, content type, malformed JSON) mapped to the vendor's codes, anything else a 500 that hides
// its internals. Also the answers Fastify gives before routing (a path that does not decode) and unknown routes.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sendJson } from '../http/reply.js';
import { ApiError, ERRORS, type ErrorDefinition, errorBody } from '../lib/errors.js';
import { describeValidationError } from '../lib/validation.js';

interface Classified {
  readonly definition: ErrorDefinition;
  readonly message: string;
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

export function classify(error: FastifyError, request: FastifyRequest): Classified {
  if (error instanceof ApiError) return { definition: error.definition, message: error.message, extra: error.extra };
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0];
    const detail = first
      ? describeValidationError(
          first as Parameters<typeof describeValidationError>[0],
          error.validationContext ?? 'request',
        )
      : '';
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

/** Fastify's `frameworkErrors`: a path that does not decode (`/v3/tasks/%`) is refused before routing. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  const body = errorBody(ERRORS.badRequest, `${ERRORS.badRequest.message}: ${error.message}`, request.id);
  sendJson(reply, JSON.stringify(body), 400);
}

async function errorHandler(app: FastifyInstance): Promise<void> {
  app.setNotFoundHandler((request) => {
    throw new ApiError('routeNotFound', `${request.method} ${request.url.split('?')[0]}`);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { definition, message, extra } = classify(error, request);
    if (error instanceof ApiError && error.headers !== undefined) reply.headers(error.headers);
    // A store that cannot be written was logged once, loudly, when it turned so: not again for every refused request.
    if (definition.status >= 500 && definition !== ERRORS.storeUnavailable) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.debug({ code: definition.code, message }, 'request rejected');
    }
    return sendJson(reply, JSON.stringify(errorBody(definition, message, request.id, extra)), definition.status);
  });
}

export default fp(errorHandler, { name: 'error-handler' });
