// The mock's own control API under /_mock: put and delete whole tasks, reset all state, read stored progress reports.
// Kept apart from the emulated API: no authentication, never part of what the real service offers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';
import { stringifyJson } from '../http/json.js';
import { sendJson } from '../http/reply.js';
import { ErrorResponse, ProgressSamplesResponse, ShowTaskResponse, TaskDocument } from '../schemas/index.js';
import type { TaskService } from '../services/tasks.js';

export interface MockRoutesOptions {
  readonly tasks: TaskService;
}

const TaskIdParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 255 }) });

export const mockRoutes: FastifyPluginAsyncTypebox<MockRoutesOptions> = async (app, { tasks }) => {
  app.put(
    '/tasks/:task_id',
    {
      schema: {
        operationId: 'MockPutTask',
        summary: 'Insert or replace a task, given in the ShowTask shape',
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

  app.post(
    '/reset',
    {
      schema: {
        operationId: 'MockReset',
        summary: 'Delete every task, subtask and progress report',
        response: { 204: Type.Null() },
      },
    },
    async (_request, reply) => {
      await tasks.reset();
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/tasks/:task_id/progress',
    {
      schema: {
        operationId: 'MockListProgress',
        summary: 'Every progress report stored for a task, oldest first',
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
};
