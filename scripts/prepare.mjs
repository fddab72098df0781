#!/usr/bin/env node
// npm's `prepare` step: builds dist/ from a clean slate, so that a packed tarball never carries output of a source file
// that is gone. npm runs it on `npm ci`/`npm install` in a checkout, on `npm pack`, when installing from a git URL,
// and when linking a directory. Where TypeScript is not installed (a clone that never had `npm ci`, or
// `npm ci --omit=dev`), an existing dist/ is used as it is, and without one the message says what to do instead of
// npm's bare `tsc: not found`.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}

if (tsc === undefined) {
  if (existsSync(new URL('../dist/src/index.js', import.meta.url))) {
    process.stderr.write('sms-mock: TypeScript is not installed here; using the dist/ already built\n');
    process.exit(0);
  }
  process.stderr.write(
    [
      `sms-mock: cannot build ${root}dist: TypeScript is not installed in ${root}.`,
      'Run `npm ci` in that directory first (it installs the build tools and builds), or install sms-mock from a git',
      'URL or from a tarball made with `npm pack` (see "Adding sms-mock to your project" in README.md).',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// As npm run build does: the entry points bundled, for a fast start (scripts/bundle.mjs), and the dashboard's page.
for (const script of ['scripts/bundle.mjs', 'scripts/build-ui.mjs']) {
  const step = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  if (step.status !== 0) process.exit(step.status ?? 1);
}
