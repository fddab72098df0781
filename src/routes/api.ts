// The emulated SMS v3 task operations. Handlers translate HTTP to the task service and back, nothing more.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Clock } from '../clock.js';
import { checkCredentials, type SignatureHeader, verifySignature } from '../http/auth.js';
import { sendJson } from '../http/reply.js';
import type { ProgressReport } from '../repositories/tasks.js';
import {
  ErrorResponse,
  ShowTaskHeaders,
  ShowTaskParams,
  ShowTaskResponse,
  UpdateTaskBody,
  UpdateTaskHeaders,
  UpdateTaskParams,
  UpdateTaskResponse,
  UpdateTaskResponse403,
  UpdateTaskSpeedBody,
  UpdateTaskSpeedHeaders,
  UpdateTaskSpeedParams,
  UpdateTaskSpeedResponse,
  UpdateTaskSpeedResponse403,
} from '../schemas/index.js';
import type { TaskService } from '../services/tasks.js';

export interface ApiRoutesOptions {
  readonly tasks: TaskService;
  /** Access key → secret key; signatures are verified only when non-empty. */
  readonly credentials: ReadonlyMap<string, string>;
  readonly clock: Clock;
}

/** Error statuses every emulated operation can answer with. */
const errorResponses = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse };

export const apiRoutes: FastifyPluginAsyncTypebox<ApiRoutesOptions> = async (app, { tasks, credentials, clock }) => {
  // Authentication happens before the body is read, as at the gateway; verifying a signature needs the body, so
  // that part waits until it has been parsed.
  const signatures = new WeakMap<object, SignatureHeader>();
  app.addHook('onRequest', (request, _reply, done) => {
    const signature = checkCredentials(request.headers);
    if (signature && credentials.size > 0) signatures.set(request, signature);
    done();
  });
  if (credentials.size > 0) {
    app.addHook('preValidation', (request, _reply, done) => {
      const signature = signatures.get(request);
      if (signature) {
        const { method, headers, rawBody } = request;
        verifySignature(
          { method, url: request.raw.url ?? '/', headers, body: rawBody ?? undefined },
          signature,
          credentials,
          clock,
        );
      }
      done();
    });
  }

  app.get(
    '/v3/tasks/:task_id',
    {
      schema: {
        operationId: 'ShowTask',
        summary: 'Show a migration task',
        params: ShowTaskParams,
        headers: ShowTaskHeaders,
        response: { 200: ShowTaskResponse, ...errorResponses },
      },
    },
    (request, reply) => {
      // The body is kept serialized between writes; sending the string skips serialization entirely.
      sendJson(reply as FastifyReply, tasks.showTask(request.params.task_id));
    },
  );

  app.put(
    '/v3/tasks/:task_id',
    {
      schema: {
        operationId: 'UpdateTask',
        summary: 'Update a migration task',
        params: UpdateTaskParams,
        headers: UpdateTaskHeaders,
        body: UpdateTaskBody,
        response: { 200: UpdateTaskResponse, 403: UpdateTaskResponse403, ...errorResponses },
      },
      // The body is optional for UpdateTask: none at all changes nothing.
      preValidation: (request, _reply, done) => {
        if (request.body === undefined) request.body = {};
        done();
      },
    },
    async (request) => {
      await tasks.updateTask(request.params.task_id, request.body as Record<string, unknown>);
      return { id: request.params.task_id };
    },
  );

  app.put(
    '/v3/tasks/:task_id/progress',
    {
      schema: {
        operationId: 'UpdateTaskSpeed',
        summary: 'Report migration progress and speed (called by the agent)',
        params: UpdateTaskSpeedParams,
        headers: UpdateTaskSpeedHeaders,
        body: UpdateTaskSpeedBody,
        response: { 200: UpdateTaskSpeedResponse, 403: UpdateTaskSpeedResponse403, ...errorResponses },
      },
    },
    async (request) => {
      await tasks.reportProgress(request.params.task_id, request.body as ProgressReport);
      return {};
    },
  );
};
