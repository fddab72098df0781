// /_mock/health: a readiness probe that also says whether the database takes writes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Core } from '../core.js';
import { ApiError } from '../lib/errors.js';
import { PACKAGE } from '../version.js';
import { HealthResponse, UnhealthyResponse } from './schemas.js';

const tags = ['mock'];

export const healthRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const startedAt = performance.now();

  app.get(
    '/health',
    {
      schema: {
        operationId: 'MockHealth',
        summary: 'Readiness probe: 200 once the server answers requests, 503 while its database cannot be written',
        tags,
        response: { 200: HealthResponse, 503: UnhealthyResponse },
      },
    },
    () => {
      const about = { version: PACKAGE.version, uptime_ms: Math.round(performance.now() - startedAt) };
      const store = core.writes.health();
      if (store.ok) return { status: 'ok' as const, ...about, store };
      throw new ApiError('storeUnavailable', store.error, { status: 'unhealthy', ...about, store });
    },
  );
};
