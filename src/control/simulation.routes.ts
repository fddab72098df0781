// /_mock/simulation and /_mock/tasks/{id}/simulation: the simulated agent's default profile, and a task's own profile
// and where its simulation stands.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Core } from '../core.js';
import { ApiError } from '../lib/errors.js';
import { ErrorResponse } from '../schemas/index.js';
import { PRESET_PROFILES, type ProfileInput } from '../sms/simulation/profiles.js';
import { SimulationDefault, SimulationProfileInput, SimulationStatus } from '../sms/simulation/schemas.js';

const TaskIdParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 255 }) });
const tags = ['mock'];

export const simulationRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const { simulation } = core;
  const shown = () => ({ default: simulation.defaultProfile(), presets: PRESET_PROFILES });

  function statusOf(taskId: string) {
    const status = simulation.status(taskId);
    if (status === undefined) throw new ApiError('taskNotFound', taskId);
    return status;
  }

  app.get(
    '/simulation',
    {
      schema: {
        operationId: 'MockShowSimulation',
        summary: "The simulated agent's default profile and the presets",
        tags,
        response: { 200: SimulationDefault },
      },
    },
    shown,
  );

  app.put(
    '/simulation',
    {
      schema: {
        operationId: 'MockUpdateSimulation',
        summary: 'Set the default profile: tasks without one of their own migrate under it from their next sample',
        tags,
        body: SimulationProfileInput,
        response: { 200: SimulationDefault, 400: ErrorResponse },
      },
    },
    async (request) => {
      await simulation.setDefaultProfile(request.body as ProfileInput);
      return shown();
    },
  );

  app.get(
    '/tasks/:task_id/simulation',
    {
      schema: {
        operationId: 'MockShowTaskSimulation',
        summary: "A task's simulation: its profile and where it stands",
        tags,
        params: TaskIdParams,
        response: { 200: SimulationStatus, 404: ErrorResponse },
      },
    },
    (request) => statusOf(request.params.task_id),
  );

  app.put(
    '/tasks/:task_id/simulation',
    {
      schema: {
        operationId: 'MockUpdateTaskSimulation',
        summary: 'Give a task a profile of its own',
        tags,
        params: TaskIdParams,
        body: SimulationProfileInput,
        response: { 200: SimulationStatus, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      if (!(await simulation.setTaskProfile(task_id, request.body as ProfileInput))) {
        throw new ApiError('taskNotFound', task_id);
      }
      return statusOf(task_id);
    },
  );

  app.delete(
    '/tasks/:task_id/simulation',
    {
      schema: {
        operationId: 'MockDeleteTaskSimulation',
        summary: "Take a task's own profile away: it migrates under the default again",
        tags,
        params: TaskIdParams,
        response: { 200: SimulationStatus, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      if (!(await simulation.setTaskProfile(task_id, null))) throw new ApiError('taskNotFound', task_id);
      return statusOf(task_id);
    },
  );
};
