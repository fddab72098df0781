// The OpenAPI document (built from the route schemas), served at /openapi.json, and Swagger UI at /docs with its
// assets served from the installed package: no network needed. The document collects the routes registered after
// this plugin; its own routes are the mock's (internal).
import { isIPv6 } from 'node:net';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PACKAGE } from '../version.js';
import { markInternal } from './request-state.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8080';

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * A Host header that is a host name, an IPv4 address or a bracketed IPv6 address, with an optional port: anything
 * else (user info, a path, markup) must not end up in a URL that Swagger UI sends requests to.
 */
export function isWellFormedHost(value: string): boolean {
  const match = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const [, name = '', port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  if (name.startsWith('[')) return isIPv6(name.slice(1, -1));
  // Underscores are not valid in DNS names, but container and compose service names have them.
  return name.length <= 253 && HOSTNAME.test(name);
}

/** Where this server is reached: the client's Host when it is well formed, else the address it listens on. */
function serverUrl(app: FastifyInstance, request: FastifyRequest): string {
  const host = request.host;
  if (isWellFormedHost(host)) return `${request.protocol}://${host}`;
  const address = app.server.address();
  if (address === null || typeof address === 'string') return DEFAULT_SERVER;
  // A wildcard address is not one to send requests to: its loopback is.
  const ip = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `${request.protocol}://${ip.includes(':') ? `[${ip}]` : ip}:${address.port}`;
}

async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'sms-mock',
        version: PACKAGE.version,
        description:
          'Local emulator of the Huawei Cloud SMS v3 task API (tag "SMS v3 tasks") and its own control API under /_mock (tag "mock").',
      },
      servers: [{ url: DEFAULT_SERVER, description: 'Default local address' }],
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
  await app.register(docsRoutes);
}

async function docsRoutes(app: FastifyInstance): Promise<void> {
  markInternal(app);
  // Served with this server's own address, so Swagger UI's "Try it out" reaches it whatever the port.
  app.get('/openapi.json', { schema: { hide: true } }, (request) => ({
    ...app.swagger(),
    servers: [{ url: serverUrl(app, request), description: 'This server' }],
  }));
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { url: '/openapi.json', deepLinking: true, validatorUrl: null },
  });
}

export default fp(openApi, { name: 'openapi' });
