// The emulated SMS v3 task operations. Handlers translate HTTP to the task service and back, nothing more.
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, systemClock } from '../../lib/clock.js';
import { errorBody } from '../../lib/errors.js';
import { checkCredentials, type SignatureHeader, verifySignature } from '../../gateway/auth.js';
import { sendJson } from '../../http/reply.js';
import { operationOf, taskIdOf } from '../../http/route.js';
import type { FaultAction, FaultRules } from '../../control/faults.js';
import type { ProgressReport } from './repository.js';
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
} from '../../schemas/index.js';
import type { TaskService } from './service.js';

export interface ApiRoutesOptions {
  readonly tasks: TaskService;
  /** Access key → secret key; signatures are verified only when non-empty. */
  readonly credentials: ReadonlyMap<string, string>;
  readonly clock: Clock;
  readonly faults: FaultRules;
  /** Aborted when the server starts closing. */
  readonly closing: AbortSignal;
  /** Called for a request a fault left without an answer (dropped or closed connection). */
  readonly onUnanswered: (request: FastifyRequest) => void;
}

/** How the emulated operations appear in the OpenAPI document. */
const docs: { tags: string[]; security: Record<string, string[]>[] } = {
  tags: ['SMS v3 tasks'],
  security: [{ token: [] }, { signature: [] }],
};

/** Error statuses every emulated operation can answer with. */
const errorResponses = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse };

/** Answers a request as the fault's action says; returns false when the request should go on (latency only). */
function applyFault(
  action: FaultAction,
  request: FastifyRequest,
  reply: FastifyReply,
  onUnanswered: ApiRoutesOptions['onUnanswered'],
): boolean {
  const { effect } = action.rule;
  if (action.error) {
    const { definition, message, retryAfter } = action.error;
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    sendJson(reply, JSON.stringify(errorBody(definition, message, request.id)), definition.status);
    return true;
  }
  if (effect.type === 'drop' || effect.type === 'empty') {
    reply.hijack();
    const socket = request.raw.socket as Partial<Socket> | undefined;
    // drop: a TCP reset; empty: an orderly close before a single byte of answer. Injected requests (no socket)
    // fail the injection instead.
    if (effect.type === 'drop' && typeof socket?.resetAndDestroy === 'function') socket.resetAndDestroy();
    else if (effect.type === 'empty' && typeof socket?.end === 'function') socket.end();
    else reply.raw.destroy();
    onUnanswered(request);
    return true;
  }
  return false;
}

export const apiRoutes: FastifyPluginAsyncTypebox<ApiRoutesOptions> = async (
  app,
  { tasks, credentials, clock, faults, closing, onUnanswered },
) => {
  // Fault rules apply once the body is read (so the journal shows it) and before signatures and schemas are checked:
  // a faulted request reaches no handler and stores nothing. Delays end early when the server closes.
  app.addHook('preValidation', (request, reply, done) => {
    if (faults.size === 0) return done();
    const action = faults.pick({
      operation: operationOf(request),
      method: request.method,
      path: request.url.split('?', 1)[0] as string,
      taskId: taskIdOf(request),
    });
    if (!action) return done();
    request.fault = { rule: action.rule.id, effect: action.rule.effect.type };
    request.log.debug({ fault: request.fault, delayMs: action.delayMs }, 'fault rule fired');
    const go = () => {
      try {
        if (closing.aborted) reply.header('connection', 'close');
        if (!applyFault(action, request, reply, onUnanswered)) done();
      } catch (error) {
        done(error as Error);
      }
    };
    if (action.delayMs <= 0) return go();
    sleep(action.delayMs, undefined, { signal: closing }).then(go, go);
  });

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
          [clock, systemClock],
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
        ...docs,
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
        ...docs,
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
        ...docs,
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
