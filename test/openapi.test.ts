import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApi } from '../scripts/gen-openapi.js';
import { buildTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const committed = () => readFileSync(OPENAPI_FILE, 'utf8');

describe('OpenAPI document', () => {
  it('openapi/openapi.json is what the route schemas produce (run `npm run gen:openapi` after changing routes)', async () => {
    expect(committed()).toBe(await renderOpenApi());
  });

  it('is a valid OpenAPI 3.0 document', async () => {
    const result = await new Validator().validate(JSON.parse(committed()));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes every operation, emulated and mock, and nothing else', () => {
    const document = JSON.parse(committed());
    const operations = Object.entries(document.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
      )
      .sort();
    expect(operations).toEqual([
      'DELETE /_mock/faults MockClearFaults',
      'DELETE /_mock/faults/{id} MockRemoveFault',
      'DELETE /_mock/requests MockClearRequests',
      'DELETE /_mock/tasks/{task_id} MockDeleteTask',
      'GET /_mock/clock MockShowClock',
      'GET /_mock/faults MockListFaults',
      'GET /_mock/health MockHealth',
      'GET /_mock/requests MockListRequests',
      'GET /_mock/requests/wait MockWaitForRequests',
      'GET /_mock/tasks/{task_id}/progress MockListProgress',
      'GET /v3/tasks/{task_id} ShowTask',
      'POST /_mock/faults MockAddFault',
      'POST /_mock/reset MockReset',
      'PUT /_mock/clock MockUpdateClock',
      'PUT /_mock/tasks/{task_id} MockPutTask',
      'PUT /v3/tasks/{task_id} UpdateTask',
      'PUT /v3/tasks/{task_id}/progress UpdateTaskSpeed',
    ]);
  });

  it('is served at /openapi.json, naming the server it came from', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json', headers: { host: '127.0.0.1:9123' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      ...JSON.parse(committed()),
      servers: [{ url: 'http://127.0.0.1:9123', description: 'This server' }],
    });
  });
});

describe('Swagger UI at /docs', () => {
  it('serves the page and its assets locally, pointing at /openapi.json', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // Every script and stylesheet comes from this server.
    expect(page.body).not.toMatch(/(src|href)="https?:/);
    const scripts = [...page.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1] as string);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const url = new URL(src, 'http://localhost/docs/').pathname;
      const asset = await t.app.inject({ method: 'GET', url });
      expect(asset.statusCode, url).toBe(200);
    }
    const init = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    expect(init.body).toContain('/openapi.json');
  });
});
