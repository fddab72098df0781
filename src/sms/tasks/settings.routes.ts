// The emulated operations on a task's settings: speed-limit rules, configuration settings, network check results and
// passphrase. Handlers translate HTTP to the settings service and back, nothing more.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../schemas/generated/operations.js';
import { route } from '../operations.js';
import type { TaskSettingsService } from './settings.js';

export interface TaskSettingsRoutesOptions {
  readonly settings: TaskSettingsService;
}

export const taskSettingsRoutes: FastifyPluginAsyncTypebox<TaskSettingsRoutesOptions> = async (app, { settings }) => {
  app.route({
    ...route(operations.ShowsSpeedLimits),
    handler: (request) => settings.speedLimits(request.params.task_id),
  });

  app.route({
    ...route(operations.UpdateSpeed),
    handler: async (request) => {
      await settings.setSpeedLimits(request.params.task_id, request.body);
      return {};
    },
  });

  app.route({
    ...route(operations.ShowConfigSetting),
    handler: (request) => settings.configurations(request.params.task_id, request.query.config_key),
  });

  app.route({
    ...route(operations.UploadSpecialConfigurationSetting),
    handler: async (request) => {
      await settings.uploadConfigurations(request.params.task_id, request.body);
      return {};
    },
  });

  app.route({
    ...route(operations.UpdateNetworkCheckInfo),
    handler: async (request) => {
      await settings.reportNetworkCheck(request.params.task_id, request.body);
      return { task_id: request.params.task_id };
    },
  });

  app.route({
    ...route(operations.ShowPassphrase),
    handler: async (request) => ({
      task_id: request.params.task_id,
      passphrase: await settings.passphrase(request.params.task_id),
    }),
  });
};
