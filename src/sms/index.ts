// The emulated SMS v3 API: the gateway's behaviour in front (authentication, fault rules), then each resource's
// routes. A new resource is one register() line here.
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.js';
import gateway, { type GatewayOptions } from '../gateway/index.js';
import { createCertKeyService } from './agent/certkey.js';
import { certKeyRoutes } from './agent/certkey.routes.js';
import { agentRoutes } from './agent/routes.js';
import { sourceRoutes } from './sources/routes.js';
import { taskRoutes } from './tasks/routes.js';
import { createTaskSettingsService } from './tasks/settings.js';
import { taskSettingsRoutes } from './tasks/settings.routes.js';

export interface SmsOptions extends Omit<GatewayOptions, 'clock' | 'faults' | 'journal'> {
  readonly core: Core;
}

export async function sms(app: FastifyInstance, { core, credentials, closing }: SmsOptions): Promise<void> {
  const { clock, faults, journal, tasks } = core;
  await app.register(gateway, { credentials, clock, faults, journal, closing });
  await app.register(taskRoutes, { tasks });
  await app.register(sourceRoutes, { sources: core.sources });
  await app.register(taskSettingsRoutes, { settings: createTaskSettingsService(core) });
  await app.register(agentRoutes, { agent: core.agent });
  await app.register(certKeyRoutes, { certKeys: createCertKeyService(core) });
}
