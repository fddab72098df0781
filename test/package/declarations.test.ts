// What a TypeScript project gets with sms-mock: the declarations the build emits may import only modules whose types
// come with sms-mock's runtime dependencies (or Node's own, which such a project has), so that they type-check with
// skipLibCheck off. `npm run test:pack` checks the same end to end, from an installed tarball.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'sms-mock-declarations-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface PackageJson {
  dependencies?: Record<string, string>;
  types?: string;
  typings?: string;
  exports?: unknown;
}

const readJson = (file: string): PackageJson => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

/** Whether installing `name` as a dependency of sms-mock brings its types along. */
function typesCome(name: string, dependencies: Record<string, string>): boolean {
  if (name.startsWith('node:') || builtinModules.includes(name)) return true;
  if (dependencies[`@types/${name.replace(/^@([^/]+)\//, '$1__')}`] !== undefined) return true;
  if (dependencies[name] === undefined) return false;
  const dir = join(root, 'node_modules', name);
  const manifest = readJson(join(dir, 'package.json'));
  return (
    manifest.types !== undefined ||
    manifest.typings !== undefined ||
    JSON.stringify(manifest.exports ?? null).includes('"types"') ||
    existsSync(join(dir, 'index.d.ts'))
  );
}

it('every module the emitted declarations import brings its types with a runtime dependency', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--sourceMap', 'false', '--outDir', out];
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8', timeout: 150_000 });
  expect(existsSync(join(out, 'src', 'index.d.ts')), result.stdout + result.stderr).toBe(true);

  const imported = new Set<string>();
  for (const file of readdirSync(out, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(join(out, file), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from |import\(|require\(|reference types=)["']([^"']+)["']/g)) {
      if (spec === undefined || spec.startsWith('.')) continue;
      const parts = spec.split('/');
      imported.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec));
    }
  }
  const { dependencies = {} } = readJson(join(root, 'package.json'));
  expect([...imported].filter((name) => !typesCome(name, dependencies))).toEqual([]);
  // The check above looked at something: the entry's declarations reach Fastify's types.
  expect(imported.has('fastify')).toBe(true);
}, 180_000);
