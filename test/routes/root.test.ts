import { describe, expect, it } from 'vitest';
import { PACKAGE } from '../../src/version.js';
import { useTestApp } from '../helpers.js';

const t = useTestApp();

describe('GET /', () => {
  it('points to the dashboard, the documentation, the OpenAPI document and the health probe, and is not journaled', async () => {
    for (const url of ['/', '/?from=browser']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(response.json()).toEqual({
        name: 'sms-mock',
        version: PACKAGE.version,
        dashboard: '/_mock/ui/',
        docs: '/docs',
        openapi: '/openapi.json',
        health: '/_mock/health',
      });
    }
    // A browser asks for HTML: it is sent on to the dashboard.
    const browser = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect([browser.statusCode, browser.headers.location, browser.body]).toEqual([302, '/_mock/ui/', '']);
    const head = await t.app.inject({ method: 'HEAD', url: '/' });
    expect([head.statusCode, head.body]).toEqual([200, '']);
    expect(t.core.journal.count()).toBe(0);
  });

  it('is left out of the OpenAPI document', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).not.toContain('/');
  });

  it('answers other methods as the gateway answers an unknown API', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error_code: 'APIGW.0101',
      error_msg: 'The API does not exist or has not been published in the environment: POST /',
      request_id: response.headers['x-request-id'],
    });
  });
});
