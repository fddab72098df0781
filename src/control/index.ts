// The mock's own API under /_mock (moto's moto-api, WireMock's __admin): tasks, reset, the request journal, fault
// rules, the clock, the simulated agent and a health probe. Every route here is marked internal: never journaled,
// never faulted, not authenticated, not what the real service offers.
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.js';
import { markInternal } from '../plugins/request-state.js';
import { clockRoutes } from './clock.routes.js';
import { faultRoutes } from './faults.routes.js';
import { healthRoutes } from './health.routes.js';
import { journalRoutes } from './journal.routes.js';
import { simulationRoutes } from './simulation.routes.js';
import { sourceControlRoutes } from './sources.routes.js';
import { taskControlRoutes } from './tasks.routes.js';

export interface ControlOptions {
  readonly core: Core;
  /** Aborted when the server starts closing. */
  readonly closing: AbortSignal;
}

export async function control(app: FastifyInstance, { core, closing }: ControlOptions): Promise<void> {
  markInternal(app);
  await app.register(taskControlRoutes, { core });
  await app.register(sourceControlRoutes, { core });
  await app.register(journalRoutes, { core, closing });
  await app.register(faultRoutes, { core });
  await app.register(clockRoutes, { core });
  await app.register(simulationRoutes, { core });
  await app.register(healthRoutes, { core });
}
