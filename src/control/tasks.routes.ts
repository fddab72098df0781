// /_mock/tasks and /_mock/reset: put, delete and inspect stored tasks as the mock's administrator (no vendor rules),
// and the reset back to the state at start.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Core } from '../core.js';
import { sendJson } from '../http/reply.js';
import { ApiError } from '../lib/errors.js';
import { stringifyJson } from '../lib/json.js';
import {
  ErrorResponse,
  ProgressSamplesResponse,
  ShowTaskResponse,
  TaskDocument,
  UpdateTaskStatusBody,
} from '../schemas/index.js';

const TaskIdParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 255 }) });
/** Samples a page holds unless told otherwise: a simulated migration of days writes hundreds of thousands. */
const SAMPLES_PAGE = 10_000;
const SamplesQuery = Type.Object(
  {
    offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Samples to skip from the oldest.' })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, description: `Samples in the page (default ${SAMPLES_PAGE}).` }),
    ),
  },
  { additionalProperties: false },
);
const tags = ['mock'];

export const taskControlRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const { tasks, admin } = core;

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
      await admin.putTasks([{ ...document, id: task_id }]);
      return sendJson(reply, tasks.showTask(task_id));
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
      if (!(await admin.deleteTask(request.params.task_id))) {
        throw new ApiError('taskNotFound', request.params.task_id);
      }
      return reply.code(204).send(null);
    },
  );

  // The dashboard's start and stop: the action of POST /v3/tasks/{task_id}/action with its rules, without the gateway
  // (no signature, not journaled, never faulted), answering the task as it stands after.
  app.post(
    '/tasks/:task_id/action',
    {
      schema: {
        operationId: 'MockTaskAction',
        summary: "Run a task action (start, stop, restart, ...) with UpdateTaskStatus's rules, outside the journal",
        tags,
        params: TaskIdParams,
        body: UpdateTaskStatusBody,
        response: { 200: ShowTaskResponse, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      await tasks.updateTaskStatus(request.params.task_id, request.body);
      return sendJson(reply, tasks.showTask(request.params.task_id));
    },
  );

  app.get(
    '/tasks/:task_id/progress',
    {
      schema: {
        operationId: 'MockListProgress',
        summary: 'The progress reports stored for a task, oldest first, a page at a time',
        tags,
        params: TaskIdParams,
        querystring: SamplesQuery,
        response: { 200: ProgressSamplesResponse, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    (request, reply) => {
      const { offset = 0, limit = SAMPLES_PAGE } = request.query;
      const samples = admin.listSamples(request.params.task_id, offset, limit);
      const page = samples.length === limit ? { samples, next_offset: offset + limit } : { samples };
      // Sizes may exceed 2^53: serialized here with bigint support.
      sendJson(reply, stringifyJson(page));
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
      await core.reset();
      return reply.code(204).send(null);
    },
  );
};
