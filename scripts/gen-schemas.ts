// npm run gen:schemas [docs-dir]: writes src/schemas/generated/ from the doc pages.
// npm run gen:check [docs-dir]: generates into memory and fails on any difference from what is committed.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descriptions } from './schema-descriptions.js';
import { generate, type Patch } from './schema-gen/generate.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const GENERATED_DIR = join(root, 'src', 'schemas', 'generated');
export const DEFAULT_DOCS_DIR = resolve(root, '..', 'shared', 'docs', 'sms-v3');
export const PATCH_FILE = join(root, 'scripts', 'schema-patches.json');

export function loadPatches(file = PATCH_FILE): Patch[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { patches: Patch[] }).patches;
}

export function generateFrom(docsDir: string): Map<string, string> {
  return generate({ docsDir, patches: loadPatches(), descriptions });
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const docsDir = resolve(argv.find((a) => !a.startsWith('--')) ?? DEFAULT_DOCS_DIR);
  if (!existsSync(docsDir)) {
    if (check) {
      console.log(`gen:check: doc pages not found at ${docsDir}, skipped`);
      return 0;
    }
    console.error(`gen:schemas: doc pages not found at ${docsDir}`);
    return 1;
  }
  const files = generateFrom(docsDir);
  if (check) {
    const committed = existsSync(GENERATED_DIR) ? readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.ts')) : [];
    const differing = [...files].filter(([file, text]) => {
      const path = join(GENERATED_DIR, file);
      return !existsSync(path) || readFileSync(path, 'utf8') !== text;
    });
    const stale = committed.filter((file) => !files.has(file));
    for (const [file] of differing) console.error(`gen:check: ${file} differs from what the doc pages give`);
    for (const file of stale) console.error(`gen:check: ${file} is not generated from any doc page`);
    if (differing.length + stale.length > 0) {
      console.error('gen:check: run npm run gen:schemas and commit the result');
      return 1;
    }
    console.log(`gen:check: ${files.size} generated modules match the doc pages`);
    return 0;
  }
  mkdirSync(GENERATED_DIR, { recursive: true });
  for (const [file, text] of files) writeFileSync(join(GENERATED_DIR, file), text);
  console.log(`gen:schemas: wrote ${[...files.keys()].join(', ')} to ${GENERATED_DIR}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`gen:schemas: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
