// The mock's own control API under /_mock: tasks, reset, the request journal, fault rules, the clock and a health
// probe. Kept apart from the emulated API: no authentication, never journaled or faulted, not what the real service
// offers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { CLOCK_MAX, CLOCK_MIN } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { stringifyJson } from '../lib/json.js';
import { sendJson } from '../http/reply.js';
import type { MockControl } from './admin.js';
import type { FaultRuleInput as FaultRuleInputType } from './faults.js';
import type { JournalFilter } from './journal.js';
import { ErrorResponse, ProgressSamplesResponse, ShowTaskResponse, TaskDocument } from '../schemas/index.js';
import {
  ClockState,
  ClockUpdate,
  FaultIdParams,
  FaultList,
  FaultRule,
  FaultRuleInput,
  HealthResponse,
  JournalQuery,
  JournalResponse,
  UnhealthyResponse,
  WaitQuery,
  WaitTimeoutResponse,
} from './schemas.js';
import { PACKAGE } from '../version.js';

export interface MockRoutesOptions {
  readonly mock: MockControl;
  /** Aborted when the server starts closing (pending waits are then answered 408, saying so). */
  readonly closing: AbortSignal;
}

const TaskIdParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 255 }) });
const tags = ['mock'];

function filterOf(query: {
  method?: string;
  operation?: string;
  task_id?: string;
  status?: string;
  since?: string;
  after?: number;
}): JournalFilter {
  return {
    method: query.method,
    operation: query.operation,
    taskId: query.task_id,
    status: query.status,
    since: query.since === undefined ? undefined : Date.parse(query.since),
    after: query.after,
  };
}

export const mockRoutes: FastifyPluginAsyncTypebox<MockRoutesOptions> = async (app, { mock, closing }) => {
  const { tasks, journal, faults, clock } = mock;
  const startedAt = performance.now();

  app.put(
    '/tasks/:task_id',
    {
      schema: {
        operationId: 'MockPutTask',
        summary: 'Insert or replace a task, given in the ShowTask shape',
        tags,
        params: TaskIdParams,
        body: TaskDocument,
        response: { 200: ShowTaskResponse, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { task_id } = request.params;
      const document = request.body as Record<string, unknown>;
      if (document.id !== undefined && document.id !== null && document.id !== task_id) {
        throw new ApiError('invalidParameter', `id '${String(document.id)}' differs from the path's '${task_id}'`);
      }
      await tasks.putTasks([{ ...document, id: task_id }]);
      return sendJson(reply as FastifyReply, tasks.showTask(task_id));
    },
  );

  app.delete(
    '/tasks/:task_id',
    {
      schema: {
        operationId: 'MockDeleteTask',
        summary: 'Delete a task with its subtasks and progress reports',
        tags,
        params: TaskIdParams,
        response: { 204: Type.Null(), 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!(await tasks.deleteTask(request.params.task_id))) {
        throw new ApiError('taskNotFound', request.params.task_id);
      }
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/tasks/:task_id/progress',
    {
      schema: {
        operationId: 'MockListProgress',
        summary: 'Every progress report stored for a task, oldest first',
        tags,
        params: TaskIdParams,
        response: { 200: ProgressSamplesResponse, 404: ErrorResponse },
      },
    },
    (request, reply) => {
      const samples = tasks.listSamples(request.params.task_id);
      // Sizes may exceed 2^53: serialized here with bigint support.
      sendJson(reply as FastifyReply, stringifyJson({ samples }));
    },
  );

  app.post(
    '/reset',
    {
      schema: {
        operationId: 'MockReset',
        summary: 'Back to the state at start: tasks (seed put back), journal, fault rules and clock',
        tags,
        response: { 204: Type.Null() },
      },
    },
    async (_request, reply) => {
      await mock.reset();
      return reply.code(204).send(null);
    },
  );

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
        sendJson(reply as FastifyReply, JSON.stringify({ count: journal.count(filter) }));
        return;
      }
      sendJson(reply as FastifyReply, journal.listJson(filter));
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
      if (result.outcome === 'satisfied') return sendJson(reply as FastifyReply, result.answer.json());
      if (closing.aborted) reply.header('connection', 'close');
      if (result.outcome === 'closing') {
        throw new ApiError('waitClosing', `${result.count} of ${count} arrived`, { count: result.count });
      }
      throw new ApiError('waitTimeout', `${result.count} of ${count} arrived within ${timeout_ms} ms`, {
        count: result.count,
      });
    },
  );

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
      reply.code(201).send(faults.add(request.body as FaultRuleInputType));
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

  app.get(
    '/clock',
    {
      schema: {
        operationId: 'MockShowClock',
        summary: 'The time every date the server writes comes from',
        tags,
        response: { 200: ClockState },
      },
    },
    () => clock.state(),
  );

  app.put(
    '/clock',
    {
      schema: {
        operationId: 'MockUpdateClock',
        summary: 'Set, advance, freeze or run the clock (applied in that order)',
        tags,
        body: ClockUpdate,
        response: { 200: ClockState, 400: ErrorResponse },
      },
    },
    (request) => {
      const { time, advance_ms, frozen } = request.body;
      const target = (time === undefined ? clock.now() : Date.parse(time)) + (advance_ms ?? 0);
      if (!(target >= CLOCK_MIN && target <= CLOCK_MAX)) {
        throw new ApiError('invalidParameter', 'the clock must stay between 1970-01-01 and 9999-12-31');
      }
      if (time !== undefined || advance_ms !== undefined) clock.set(target);
      if (frozen === true) clock.freeze();
      if (frozen === false) clock.run();
      return clock.state();
    },
  );

  app.get(
    '/health',
    {
      schema: {
        operationId: 'MockHealth',
        summary: 'Readiness probe: 200 once the server answers requests, 503 while its database cannot be written',
        tags,
        response: { 200: HealthResponse, 503: UnhealthyResponse },
      },
    },
    () => {
      const about = { version: PACKAGE.version, uptime_ms: Math.round(performance.now() - startedAt) };
      const store = app.store.health();
      if (store.ok) return { status: 'ok' as const, ...about, store };
      throw new ApiError('storeUnavailable', store.error, { status: 'unhealthy', ...about, store });
    },
  );
};
