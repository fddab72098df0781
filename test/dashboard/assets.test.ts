// The dashboard's page and assets: served from the built dist/ui with content types and conditional requests; a
// path outside it, a dot file or a missing file is the gateway's 404 like any path no route serves; never journaled.
import { describe, expect, it } from 'vitest';
import { assetFolder } from '../../src/dashboard/index.js';
import { json, useTestApp } from '../helpers.js';

const t = useTestApp();

describe('the dashboard page', () => {
  it('is built (npm run build), and served at /_mock/ui/ with its assets', async () => {
    expect(assetFolder(), 'run npm run build').toBeDefined();
    const redirect = await t.app.inject({ url: '/_mock/ui' });
    expect([redirect.statusCode, redirect.headers.location]).toEqual([302, '/_mock/ui/']);
    const page = await t.app.inject({ url: '/_mock/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(page.body).toContain('<script type="module" src="assets/app.js"></script>');
    for (const [path, type] of [
      ['app.js', 'application/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
    ]) {
      const asset = await t.app.inject({ url: `/_mock/ui/assets/${path}` });
      expect([asset.statusCode, asset.headers['content-type']]).toEqual([200, type]);
      expect(asset.body.length).toBeGreaterThan(1000);
      // Nothing from elsewhere: no absolute URL the page would load.
      expect(asset.body).not.toMatch(/(src|href)=["']?https?:|url\(["']?https?:|import\(["']https?:/);
      const again = await t.app.inject({
        url: `/_mock/ui/assets/${path}`,
        headers: { 'if-none-match': String(asset.headers.etag) },
      });
      expect([again.statusCode, again.body]).toEqual([304, '']);
    }
    expect(t.core.journal.size).toBe(0);
  });

  it('answers a path outside its folder, a dot file, a folder or a missing file with the gateway 404', async () => {
    for (const url of [
      '/_mock/ui/assets/nope.js',
      '/_mock/ui/assets/.hidden',
      '/_mock/ui/assets/',
      '/_mock/ui/assets/%2e%2e/index.html',
      '/_mock/ui/assets/..%2f..%2fpackage.json',
      '/_mock/ui/index.html',
    ]) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(json<{ error_code: string }>(response).error_code, url).toBe('APIGW.0101');
    }
  });
});
