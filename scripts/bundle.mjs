#!/usr/bin/env node
// The build's last step (npm run build, scripts/prepare.mjs): rewrites the two entry points tsc wrote,
// dist/src/index.js and dist/src/cli.js, each as one file holding the project's modules and the ES-module packages
// that load as hundreds of files (@sinclair/typebox alone is 200). Node resolves, reads and links an ES module per
// file, which made importing sms-mock cost several times what Fastify's own import does. Every other package stays
// an import: CommonJS packages load quickly, and some must stay where they are installed (better-sqlite3's addon,
// Swagger UI's assets). The source maps lead back to src/. Where esbuild is not installed, the entry points stay as
// tsc wrote them, which behave the same, only start slower.
import { fileURLToPath } from 'node:url';

/** Packages bundled into the entry points: ES modules spread over many files, with no files of their own to find. */
const INLINE = new Set(['@sinclair/typebox', 'lossless-json', 'pure-rand']);
const ENTRY_POINTS = ['index', 'cli'];

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every bare import stays one, except those of the packages bundled. */
const keepImports = {
  name: 'keep-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      INLINE.has(packageName(args.path)) ? undefined : { path: args.path, external: true },
    );
  },
};

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('sms-mock: esbuild is not installed; dist/src/index.js and cli.js stay unbundled\n');
  process.exit(0);
}

for (const entry of ENTRY_POINTS) {
  const file = fileURLToPath(new URL(`../dist/src/${entry}.js`, import.meta.url));
  await esbuild.build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [keepImports],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
