// The emulated task operations. Handlers translate HTTP to the task service and back, nothing more.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendJson } from '../../http/reply.js';
import { operations } from '../../schemas/generated/operations.js';
import { route } from '../operations.js';
import type { TaskService } from './service.js';

export interface TaskRoutesOptions {
  readonly tasks: TaskService;
}

export const taskRoutes: FastifyPluginAsyncTypebox<TaskRoutesOptions> = async (app, { tasks }) => {
  app.route({
    ...route(operations.ShowTask),
    // The body is kept serialized between writes; sending the string skips serialization entirely.
    handler: (request, reply) => {
      sendJson(reply, tasks.showTask(request.params.task_id));
    },
  });

  app.route({
    ...route(operations.UpdateTask),
    // The body is optional for UpdateTask: none at all changes nothing.
    preValidation: (request, _reply, done) => {
      if (request.body === undefined) request.body = {};
      done();
    },
    handler: async (request) => {
      await tasks.updateTask(request.params.task_id, request.body);
      return { id: request.params.task_id };
    },
  });

  app.route({
    ...route(operations.UpdateTaskSpeed),
    handler: async (request) => {
      await tasks.reportProgress(request.params.task_id, request.body);
      return {};
    },
  });

  app.route({
    ...route(operations.CreateTask),
    handler: async (request) => ({ id: await tasks.createTask(request.body) }),
  });

  app.route({
    ...route(operations.ListTasks),
    // Items are kept serialized between writes (list.ts); the body goes out as the text it is.
    handler: (request, reply) => {
      sendJson(reply, tasks.listTasks(request.query));
    },
  });

  // The SDKs read these answers as a string body; {} parses as one (an empty model), as UpdateTaskSpeed's does.
  app.route({
    ...route(operations.UpdateTaskStatus),
    handler: async (request) => {
      await tasks.updateTaskStatus(request.params.task_id, request.body);
      return {};
    },
  });

  app.route({
    ...route(operations.DeleteTask),
    handler: async (request) => {
      await tasks.deleteTask(request.params.task_id);
      return {};
    },
  });

  app.route({
    ...route(operations.DeleteTasks),
    handler: async (request) => {
      await tasks.deleteTasks(request.body.ids);
      return {};
    },
  });
};
