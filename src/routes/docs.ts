// The OpenAPI document (built from the route schemas), served at /openapi.json, and Swagger UI at /docs with its
// assets served from the installed package: no network needed.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { PACKAGE } from '../version.js';

/** Collects the routes registered after it: call before any route. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'sms-mock',
        version: PACKAGE.version,
        description:
          'Local emulator of the Huawei Cloud SMS v3 task API (tag "SMS v3 tasks") and its own control API under /_mock (tag "mock").',
      },
      servers: [{ url: 'http://127.0.0.1:8080', description: 'Default local address' }],
      tags: [
        { name: 'SMS v3 tasks', description: 'The emulated operations, as the real service offers them.' },
        { name: 'mock', description: 'State, journal, fault rules and clock of the emulator itself.' },
      ],
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'Any non-empty IAM token.' },
          signature: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'SDK-HMAC-SHA256 signature with X-Sdk-Date, verified when the server has --credentials.',
          },
        },
      },
    },
  });
}

export async function docsRoutes(app: FastifyInstance): Promise<void> {
  // Served with this server's own address, so Swagger UI's "Try it out" reaches it whatever the port.
  app.get('/openapi.json', { schema: { hide: true } }, (request) => ({
    ...app.swagger(),
    servers: [{ url: `${request.protocol}://${request.host}`, description: 'This server' }],
  }));
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { url: '/openapi.json', deepLinking: true, validatorUrl: null },
  });
}
