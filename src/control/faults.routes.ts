// /_mock/faults: the fault rules, listed, added and removed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Core } from '../core.js';
import { ApiError } from '../lib/errors.js';
import { ErrorResponse } from '../schemas/index.js';
import { FaultIdParams, FaultList, FaultRule, FaultRuleInput } from './schemas.js';

const tags = ['mock'];

export const faultRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const { faults } = core;

  app.get(
    '/faults',
    {
      schema: {
        operationId: 'MockListFaults',
        summary: 'Fault rules in force, in the order they are tried',
        tags,
        response: { 200: FaultList },
      },
    },
    () => ({ faults: faults.list() }),
  );

  app.post(
    '/faults',
    {
      schema: {
        operationId: 'MockAddFault',
        summary: 'Add a fault rule',
        tags,
        body: FaultRuleInput,
        response: { 201: FaultRule, 400: ErrorResponse },
      },
    },
    (request, reply) => {
      reply.code(201).send(faults.add(request.body));
    },
  );

  app.delete(
    '/faults',
    {
      schema: {
        operationId: 'MockClearFaults',
        summary: 'Remove every fault rule',
        tags,
        response: { 204: Type.Null() },
      },
    },
    (_request, reply) => {
      faults.clear();
      reply.code(204).send(null);
    },
  );

  app.delete(
    '/faults/:id',
    {
      schema: {
        operationId: 'MockRemoveFault',
        summary: 'Remove one fault rule',
        tags,
        params: FaultIdParams,
        response: { 204: Type.Null(), 404: ErrorResponse },
      },
    },
    (request, reply) => {
      if (!faults.remove(request.params.id)) throw new ApiError('faultNotFound', request.params.id);
      reply.code(204).send(null);
    },
  );
};
