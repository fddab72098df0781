// The emulated source server operations. Handlers translate HTTP to the source service and back, nothing more.
// Success bodies the SDK types as a bare string (`body: str`) are `{}`: its client parses JSON and falls back to the
// text, and either leaves the response model empty without raising.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../schemas/generated/operations.js';
import { route } from '../operations.js';
import type { SourceService } from './service.js';

export interface SourceRoutesOptions {
  readonly sources: SourceService;
}

export const sourceRoutes: FastifyPluginAsyncTypebox<SourceRoutesOptions> = async (app, { sources }) => {
  app.route({
    ...route(operations.RegisterServer),
    handler: async (request) => ({ id: await sources.register(request.body) }),
  });

  app.route({
    ...route(operations.ListServers),
    handler: (request) => sources.list(request.query),
  });

  app.route({
    ...route(operations.ShowOverview),
    handler: () => sources.overview(),
  });

  app.route({
    ...route(operations.ShowServer),
    handler: (request) => sources.show(request.params.source_id),
  });

  app.route({
    ...route(operations.UpdateServerName),
    // The SDK's request model may leave the body out: none at all changes nothing.
    preValidation: (request, _reply, done) => {
      if (request.body === undefined) request.body = {};
      done();
    },
    handler: async (request) => {
      await sources.rename(request.params.source_id, request.body);
      return {};
    },
  });

  app.route({
    ...route(operations.UpdateCopyState),
    handler: async (request) => {
      await sources.changeState(request.params.source_id, request.body);
      return {};
    },
  });

  app.route({
    ...route(operations.UpdateDiskInfo),
    // The SDK's request model may leave the body out: none at all changes nothing.
    preValidation: (request, _reply, done) => {
      if (request.body === undefined) request.body = {};
      done();
    },
    handler: async (request) => {
      await sources.updateDiskInfo(request.params.source_id, request.body);
      return {};
    },
  });

  app.route({
    ...route(operations.DeleteServer),
    handler: async (request) => {
      await sources.delete(request.params.source_id);
      return {};
    },
  });

  app.route({
    ...route(operations.DeleteServers),
    handler: async (request) => {
      await sources.deleteMany(request.body.ids);
      return {};
    },
  });

  app.route({
    ...route(operations.ListErrorServers),
    handler: (request) => sources.listErrors(request.query),
  });
};
