// The emulated operations the migration agent calls: its configuration, its commands and their results. Handlers
// translate HTTP to the agent service and back, nothing more. UpdateCommandResult's success body, which the SDK types
// as a bare string, is `{}` as the other string-bodied operations answer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../schemas/generated/operations.js';
import { route } from '../operations.js';
import type { AgentService } from './service.js';

export interface AgentRoutesOptions {
  readonly agent: AgentService;
}

export const agentRoutes: FastifyPluginAsyncTypebox<AgentRoutesOptions> = async (app, { agent }) => {
  app.route({
    ...route(operations.ShowConfig),
    handler: () => agent.config(),
  });

  app.route({
    ...route(operations.ShowCommand),
    handler: (request) => agent.command(request.params.server_id),
  });

  app.route({
    ...route(operations.UpdateCommandResult),
    handler: async (request) => {
      await agent.reportResult(request.params.server_id, request.body);
      return {};
    },
  });
};
