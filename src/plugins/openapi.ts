// The OpenAPI document, served at /openapi.json, and Swagger UI at /docs with its assets served from the installed
// package: no network needed. Neither costs start-up anything. The document is openapi/openapi.json, which
// `npm run gen:openapi` writes from the route schemas (documentFromRoutes; test/plugins/openapi.test.ts fails when
// the file differs from them), read on its first request. Swagger UI runs in an app of its own, built on the first
// request under /docs, to which those requests are handed; loading @fastify/swagger-ui and @fastify/static is most of
// what it costs. The routes of this plugin are the mock's (internal).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { buildSerializer } from '../lib/serialization.js';
import { buildValidator } from '../lib/validation.js';
import { PACKAGE } from '../version.js';
import { markInternal } from './request-state.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** What the document says about itself; the paths come from the routes. */
function swaggerOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'sms-mock',
        version: PACKAGE.version,
        description:
          'Local emulator of the Huawei Cloud SMS v3 API (tags "SMS v3 source servers" and "SMS v3 tasks"), its own control API under /_mock (tag "mock") and the read routes of its dashboard (tag "dashboard"). Each operation says where its schemas come from: the official doc pages, or a hand spec written from the official SDK\'s models.',
      },
      servers: [{ url: DEFAULT_SERVER, description: 'Default local address' }],
      tags: [
        {
          name: 'SMS v3 source servers',
          description: 'The emulated source server operations, as the real service offers them.',
        },
        { name: 'SMS v3 tasks', description: 'The emulated task operations, as the real service offers them.' },
        { name: 'mock', description: 'State, journal, fault rules and clock of the emulator itself.' },
        {
          name: 'dashboard',
          description: 'What the dashboard at /_mock/ui reads: views of the stored state and its change events.',
        },
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
  };
}

const UI_OPTIONS: FastifySwaggerUiOptions = {
  routePrefix: '/docs',
  uiConfig: { url: '/openapi.json', deepLinking: true, validatorUrl: null },
};

/** The GET routes @fastify/swagger-ui declares under UI_OPTIONS.routePrefix (a test compares them). */
export const DOCS_ROUTES: readonly string[] = ['/docs', '/docs/', '/docs/json', '/docs/yaml', '/docs/static/*'];

/** openapi/openapi.json at the package root, from src/plugins and from dist/src/plugins. */
const DOCUMENT_FILES = ['../../openapi/openapi.json', '../../../openapi/openapi.json'].map((relative) =>
  fileURLToPath(new URL(relative, import.meta.url)),
);

const load = createRequire(import.meta.url);

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

/**
 * The document as the route schemas describe it: @fastify/swagger registered first on the app `build` makes, so it
 * sees every route. What `npm run gen:openapi` writes.
 */
export async function documentFromRoutes(build: () => Promise<FastifyInstance>): Promise<unknown> {
  const { default: swagger } = await import('@fastify/swagger');
  // Fastify announces every instance it creates on this channel, before any plugin of the app is registered.
  const onCreate = (message: unknown) => {
    void (message as { fastify: FastifyInstance }).fastify.register(swagger, swaggerOptions());
  };
  subscribe('fastify.initialization', onCreate);
  let app: FastifyInstance;
  try {
    app = await build();
  } finally {
    unsubscribe('fastify.initialization', onCreate);
  }
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
  }
}

/** `app.swagger()` as @fastify/swagger would answer it, from the committed document, read on first use. */
function committedDocument(): FastifyInstance['swagger'] {
  let document: unknown;
  let yaml: string | undefined;
  const read = () => {
    if (document === undefined) {
      const file = DOCUMENT_FILES.find((candidate) => existsSync(candidate)) ?? (DOCUMENT_FILES[0] as string);
      document = JSON.parse(readFileSync(file, 'utf8'));
    }
    return document;
  };
  const swagger = (options?: { yaml?: boolean }) => {
    if (!options?.yaml) return read();
    // As @fastify/swagger renders it, with its own copy of the yaml package.
    const fromSwagger = createRequire(load.resolve('@fastify/swagger'));
    const { stringify } = fromSwagger('yaml') as { stringify(value: unknown, options: { strict: boolean }): string };
    yaml ??= stringify(read(), { strict: false });
    return yaml;
  };
  return swagger as FastifyInstance['swagger'];
}

/** Swagger UI in an app of its own, reading the document this server serves. */
export async function createDocsApp(document: () => unknown): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  // Its routes validate nothing; the lazy compilers spare it loading Fastify's own.
  const docs = Fastify({ schemaController: { compilersFactory: { buildValidator, buildSerializer } } });
  // The static mode hands Swagger UI's /docs/json and /docs/yaml this server's document.
  await docs.register(swagger, { mode: 'static', specification: { document: document() as never } });
  await docs.register(swaggerUi, UI_OPTIONS);
  await docs.ready();
  return docs;
}

/** Answers that are the connection's or the body's own, set again by this server's reply. */
const NOT_FORWARDED = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

async function openApi(app: FastifyInstance): Promise<void> {
  // Building the document from the routes (documentFromRoutes) registers @fastify/swagger before this plugin.
  if (!app.hasDecorator('swagger')) app.decorate('swagger', committedDocument());
  await app.register(docsRoutes);
}

async function docsRoutes(app: FastifyInstance): Promise<void> {
  markInternal(app);
  // Served with this server's own address, so Swagger UI's "Try it out" reaches it whatever the port.
  app.get('/openapi.json', { schema: { hide: true } }, (request) => ({
    ...app.swagger(),
    servers: [{ url: serverUrl(app, request), description: 'This server' }],
  }));
  let docs: Promise<FastifyInstance> | undefined;
  app.addHook('onClose', async () => {
    if (docs) await (await docs).close();
  });
  // HEAD is Fastify's own: it runs this GET handler and sends no body, as it would for Swagger UI's routes.
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    docs ??= createDocsApp(() => app.swagger()).catch((error: unknown) => {
      docs = undefined;
      throw error;
    });
    const answer = await (await docs).inject({ method: 'GET', url: request.url, headers: request.headers });
    // A file Swagger UI does not have is this server's 404, as @fastify/static would have it answered here.
    if (answer.statusCode === 404) {
      reply.callNotFound();
      return reply;
    }
    reply.code(answer.statusCode);
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !NOT_FORWARDED.has(name)) reply.header(name, value);
    }
    // No body at all rather than an empty one, which would be typed application/octet-stream (a redirect, a 304).
    return answer.rawPayload.length > 0 ? reply.send(answer.rawPayload) : reply.send();
  };
  for (const url of DOCS_ROUTES) app.get(url, { schema: { hide: true } }, forward);
}

export default fp(openApi, { name: 'openapi' });
