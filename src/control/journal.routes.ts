// /_mock/requests: the request journal, listed, counted, waited on and emptied.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Core } from '../core.js';
import { sendJson } from '../http/reply.js';
import { ApiError } from '../lib/errors.js';
import { ErrorResponse } from '../schemas/index.js';
import type { JournalFilter } from './journal.js';
import { JournalQuery, JournalResponse, WaitQuery, WaitTimeoutResponse } from './schemas.js';

const tags = ['mock'];

/** The filter both queries carry; `count` means something else in each, and the wait's own fields are not filters. */
function filterOf(query: Omit<JournalQuery, 'count'>): JournalFilter {
  return {
    method: query.method,
    operation: query.operation,
    resourceId: query.resource_id,
    taskId: query.task_id,
    status: query.status,
    since: query.since === undefined ? undefined : Date.parse(query.since),
    after: query.after,
    last: query.last,
  };
}

export interface JournalRoutesOptions {
  readonly core: Core;
  /** Aborted when the server starts closing (pending waits are then answered 408, saying so). */
  readonly closing: AbortSignal;
}

export const journalRoutes: FastifyPluginAsyncTypebox<JournalRoutesOptions> = async (app, { core, closing }) => {
  const { journal } = core;

  app.get(
    '/requests',
    {
      schema: {
        operationId: 'MockListRequests',
        summary: 'Requests to the emulated API, oldest first, filtered',
        tags,
        querystring: JournalQuery,
        response: { 200: JournalResponse, 400: ErrorResponse },
      },
    },
    (request, reply) => {
      const filter = filterOf(request.query);
      if (request.query.count === true) {
        sendJson(reply, JSON.stringify({ count: journal.count(filter) }));
        return;
      }
      sendJson(reply, journal.listJson(filter));
    },
  );

  app.delete(
    '/requests',
    {
      schema: {
        operationId: 'MockClearRequests',
        summary: 'Empty the request journal',
        tags,
        response: { 204: Type.Null() },
      },
    },
    (_request, reply) => {
      journal.clear();
      reply.code(204).send(null);
    },
  );

  app.get(
    '/requests/wait',
    {
      schema: {
        operationId: 'MockWaitForRequests',
        summary: 'Answer once `count` matching requests are in the journal, or 408 after `timeout_ms`',
        tags,
        querystring: WaitQuery,
        response: { 200: JournalResponse, 400: ErrorResponse, 408: WaitTimeoutResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { count, timeout_ms } = request.query;
      const result = await journal.wait(filterOf(request.query), count, timeout_ms);
      if (result.outcome === 'satisfied') return sendJson(reply, result.answer.json());
      if (closing.aborted) reply.header('connection', 'close');
      if (result.outcome === 'closing') {
        throw new ApiError('waitClosing', `${result.count} of ${count} arrived`, { count: result.count });
      }
      throw new ApiError('waitTimeout', `${result.count} of ${count} arrived within ${timeout_ms} ms`, {
        count: result.count,
      });
    },
  );
};
