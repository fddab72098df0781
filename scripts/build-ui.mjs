#!/usr/bin/env node
// Builds the dashboard's page (src/dashboard/ui) into dist/ui: index.html, and assets/app.js and assets/app.css,
// each one file holding the page's TypeScript, uPlot and their styles, so the package serves it with no network.
// Part of `npm run build` and of npm's prepare step. Without esbuild (an install without dev dependencies) an
// existing dist/ui is kept.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = (path) => fileURLToPath(new URL(`../src/dashboard/ui/${path}`, import.meta.url));
const out = fileURLToPath(new URL('../dist/ui', import.meta.url));

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('sms-mock: esbuild is not installed; the dashboard (dist/ui) is not rebuilt\n');
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}/assets`, { recursive: true });
await esbuild.build({
  entryPoints: { app: from('main.ts') },
  outdir: `${out}/assets`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Current Chromium and Firefox.
  target: ['chrome120', 'firefox120'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(from('index.html'), `${out}/index.html`);
