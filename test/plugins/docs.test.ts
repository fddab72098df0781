import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE } from '../../scripts/gen-openapi.js';
import { createDocsApp, DOCS_ROUTES } from '../../src/plugins/openapi.js';
import { buildTestApp, useTestApp } from '../helpers.js';

/** The Fastify instances created while `run` runs. */
async function instancesMadeBy(run: () => Promise<unknown>): Promise<FastifyInstance[]> {
  const made: FastifyInstance[] = [];
  const listener = (message: unknown) => made.push((message as { fastify: FastifyInstance }).fastify);
  subscribe('fastify.initialization', listener);
  try {
    await run();
  } finally {
    unsubscribe('fastify.initialization', listener);
  }
  return made;
}

const t = useTestApp();
const committed = () => JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));

describe('Swagger UI, set up on first use', () => {
  it('is not set up with the app, but on the first request under /docs, once', async () => {
    let app: Awaited<ReturnType<typeof buildTestApp>> | undefined;
    expect(
      await instancesMadeBy(async () => {
        app = await buildTestApp();
      }),
    ).toHaveLength(1);
    try {
      const built = app as NonNullable<typeof app>;
      const first = await instancesMadeBy(() => built.app.inject({ url: '/docs' }));
      expect(first).toHaveLength(1);
      const again = await instancesMadeBy(() => built.app.inject({ url: '/docs/static/swagger-initializer.js' }));
      expect(again).toHaveLength(0);
    } finally {
      await app?.close();
    }
  });

  it('forwards exactly the routes Swagger UI declares', async () => {
    const routes: string[] = [];
    const listener = (message: unknown) => {
      (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route) => {
        if (route.method === 'GET') routes.push(route.url as string);
      });
    };
    subscribe('fastify.initialization', listener);
    let app: FastifyInstance | undefined;
    try {
      app = await createDocsApp(() => committed());
    } finally {
      unsubscribe('fastify.initialization', listener);
    }
    try {
      // Every route it has is one of those forwarded, or under the static files' wildcard.
      for (const url of DOCS_ROUTES) expect(app.hasRoute({ method: 'GET', url }), url).toBe(true);
      const covered = (url: string) => DOCS_ROUTES.includes(url) || url.startsWith('/docs/static/');
      expect(routes.length).toBeGreaterThan(3);
      expect(routes.filter((url) => !covered(url))).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('answers /docs/json and /docs/yaml with the document the server serves', async () => {
    const json = await t.app.inject({ url: '/docs/json' });
    expect([json.statusCode, json.json()]).toEqual([200, committed()]);
    const yaml = await t.app.inject({ url: '/docs/yaml' });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.headers['content-type']).toMatch(/^application\/x-yaml/);
    expect(yaml.body).toBe(t.app.swagger({ yaml: true }));
    expect(yaml.body).toMatch(/^openapi: 3\.0\.3\n/);
  });

  it('answers HEAD, conditional requests and redirects as Swagger UI does', async () => {
    const asset = await t.app.inject({ url: '/docs/static/swagger-ui.css' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/css/);
    expect(asset.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const head = await t.app.inject({ method: 'HEAD', url: '/docs/static/swagger-ui.css' });
    expect([head.statusCode, head.body, head.headers['content-length']]).toEqual([
      200,
      '',
      String(asset.rawPayload.length),
    ]);
    const etag = asset.headers.etag as string;
    expect(etag).toBeTruthy();
    const cached = await t.app.inject({ url: '/docs/static/swagger-ui.css', headers: { 'if-none-match': etag } });
    expect([cached.statusCode, cached.body]).toEqual([304, '']);
    const redirect = await t.app.inject({ url: '/docs/static/index.html' });
    expect([redirect.statusCode, redirect.headers.location]).toEqual([302, '/docs/']);
  });

  it('answers a file Swagger UI does not have as any unknown path, and journals it', async () => {
    const missing = await t.app.inject({ url: '/docs/static/missing.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error_code: 'APIGW.0101',
      error_msg: 'The API does not exist or has not been published in the environment: GET /docs/static/missing.js',
      request_id: missing.headers['x-request-id'],
    });
    expect(t.core.journal.count()).toBe(1);
    await t.app.inject({ url: '/docs' });
    expect(t.core.journal.count()).toBe(1);
  });
});
