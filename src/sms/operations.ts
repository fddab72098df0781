// Turns an entry of the operation registry (generated from spec/operations.json) into what Fastify needs for its
// route: method, URL, schema with the OpenAPI facts and the error statuses every operation may answer, and the route
// config the journal and the fault rules read (operation name, resource parameter).
import type { FastifySchema } from 'fastify';
import type { operations } from '../schemas/generated/operations.js';
import { ErrorResponse } from '../schemas/index.js';

type Operation = (typeof operations)[keyof typeof operations];

/** Error statuses every emulated operation can answer with. */
const errorResponses = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse };

/** How an emulated operation is authenticated, as the OpenAPI document says it. */
const security: Record<string, string[]>[] = [{ token: [] }, { signature: [] }];

export function route<O extends Operation>(
  operation: O,
): {
  method: O['method'];
  url: O['url'];
  schema: O['schema'];
  config: { operation: O['operationId']; resource: O['resource'] };
} {
  const { method, url, operationId, tag, summary, resource, schema, schemaSource } = operation;
  const full: FastifySchema = {
    ...schema,
    operationId,
    summary,
    description: `Schemas generated from ${schemaSource}.`,
    tags: [tag],
    security,
    response: { ...schema.response, ...errorResponses },
  };
  // The registry's schema types, so that handlers see typed params and bodies; the additions are OpenAPI facts.
  return { method, url, schema: full as O['schema'], config: { operation: operationId, resource } };
}
