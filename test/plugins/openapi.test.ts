import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/gen-openapi.js';
import { operations as registry } from '../../src/schemas/generated/operations.js';
import { type TestApp, useTestApp } from '../helpers.js';

const t = useTestApp();

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
    const emulated = Object.values(registry).map((op) => `${op.method} ${op.path} ${op.operationId}`);
    expect(operations).toEqual(
      [
        ...emulated,
        'DELETE /_mock/faults MockClearFaults',
        'DELETE /_mock/faults/{id} MockRemoveFault',
        'DELETE /_mock/requests MockClearRequests',
        'DELETE /_mock/tasks/{task_id} MockDeleteTask',
        'DELETE /_mock/sources/{source_id} MockDeleteSource',
        'GET /_mock/clock MockShowClock',
        'GET /_mock/faults MockListFaults',
        'GET /_mock/health MockHealth',
        'GET /_mock/requests MockListRequests',
        'GET /_mock/requests/wait MockWaitForRequests',
        'GET /_mock/tasks/{task_id}/progress MockListProgress',
        'POST /_mock/faults MockAddFault',
        'POST /_mock/reset MockReset',
        'PUT /_mock/clock MockUpdateClock',
        'GET /_mock/simulation MockShowSimulation',
        'PUT /_mock/simulation MockUpdateSimulation',
        'GET /_mock/tasks/{task_id}/simulation MockShowTaskSimulation',
        'PUT /_mock/tasks/{task_id}/simulation MockUpdateTaskSimulation',
        'DELETE /_mock/tasks/{task_id}/simulation MockDeleteTaskSimulation',
        'PUT /_mock/tasks/{task_id} MockPutTask',
        'PUT /_mock/sources/{source_id} MockPutSource',
        'POST /_mock/tasks/{task_id}/action MockTaskAction',
        'GET /_mock/ui/api/meta DashboardMeta',
        'GET /_mock/ui/api/board DashboardBoard',
        'GET /_mock/ui/api/tasks/{task_id} DashboardTask',
        'GET /_mock/ui/api/tasks/{task_id}/series DashboardSeries',
        'GET /_mock/ui/api/sources DashboardSources',
        'GET /_mock/ui/api/events DashboardEvents',
      ].sort(),
    );
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

describe('the server named in /openapi.json', () => {
  const servedUrl = async (app: TestApp['app'], host: string) => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json', headers: { host } });
    expect(response.statusCode).toBe(200);
    return (response.json() as { servers: { url: string; description: string }[] }).servers;
  };

  it('is the Host the client used when it is a host name or an IP literal, with an optional port', async () => {
    for (const host of ['localhost', 'sms-mock:8080', 'sms_mock.internal', '10.0.0.7:1', '[::1]:8080', '[fe80::1]']) {
      expect(await servedUrl(t.app, host)).toEqual([{ url: `http://${host}`, description: 'This server' }]);
    }
  });

  it('is the default address for any other Host when the app does not listen', async () => {
    const hostile = [
      'evil.example/"><script>alert(1)</script>',
      'user@evil.example',
      'evil.example/path',
      'evil.example:8080/x',
      'javascript:alert(1)',
      'a b',
      'host:',
      'host:99999',
      'host:0',
      '[::1',
      '[not-an-ip]:80',
      '-leading-dash',
      `${'a'.repeat(64)}.example`,
    ];
    for (const host of hostile) {
      expect(await servedUrl(t.app, host), host).toEqual([
        { url: 'http://127.0.0.1:8080', description: 'This server' },
      ]);
    }
  });

  it('is the address the server listens on for any other Host', async () => {
    // The file's app listens from here on; it closes with the file.
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      const request = get(
        { host: '127.0.0.1', port, path: '/openapi.json', headers: { host: 'evil.example/phish?' }, timeout: 5000 },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on('end', () => resolve(text));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', reject);
    });
    expect(JSON.parse(body).servers).toEqual([{ url: `http://127.0.0.1:${port}`, description: 'This server' }]);
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
