// npm run gen:schemas: writes src/schemas/generated/ from spec/.
// npm run gen:check [docs-dir]: regenerates in memory and fails on any difference from what is committed; where the
//   doc pages are present it also fails when the committed facts differ from what the pages give.
// npm run spec:refresh [docs-dir]: rebuilds spec/sms-v3.facts.json from the doc pages (default ../shared/docs/sms-v3/).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { factsDifferences, factsFromPages } from './schema-gen/facts.js';
import { generate } from './schema-gen/generate.js';
import { formatJson } from './schema-gen/json.js';
import { checkSpecFile, FACTS_FILE, loadOperations, loadSpec, type SpecFile } from './schema-gen/spec.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_DIR = join(root, 'spec');
export const GENERATED_DIR = join(root, 'src', 'schemas', 'generated');
export const DEFAULT_DOCS_DIR = resolve(root, '..', 'shared', 'docs', 'sms-v3');

/** The generated files by name, from a spec directory. */
export function generateFrom(specDir = SPEC_DIR): Map<string, string> {
  return generate(loadSpec(specDir));
}

/** The facts the pages give for the page-backed operations of a spec directory. */
export function factsFrom(docsDir: string, specDir = SPEC_DIR): SpecFile {
  return factsFromPages(docsDir, loadOperations(specDir));
}

export function readFacts(specDir = SPEC_DIR): SpecFile {
  const value = JSON.parse(readFileSync(join(specDir, FACTS_FILE), 'utf8')) as unknown;
  checkSpecFile(value, FACTS_FILE, false);
  return value;
}

interface Options {
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
  readonly specDir: string;
  readonly generatedDir: string;
}

function checkGenerated({ log, error, specDir, generatedDir }: Options): boolean {
  const files = generateFrom(specDir);
  const committed = existsSync(generatedDir) ? readdirSync(generatedDir).filter((f) => f.endsWith('.ts')) : [];
  const differing = [...files].filter(([file, text]) => {
    const path = join(generatedDir, file);
    return !existsSync(path) || readFileSync(path, 'utf8') !== text;
  });
  const stale = committed.filter((file) => !files.has(file));
  for (const [file] of differing) error(`gen:check: ${file} differs from what spec/ gives`);
  for (const file of stale) error(`gen:check: ${file} is not generated from spec/`);
  if (differing.length + stale.length > 0) {
    error('gen:check: run npm run gen:schemas and commit the result');
    return false;
  }
  log(`gen:check: ${files.size} generated modules match spec/`);
  return true;
}

function checkFacts(docsDir: string, { env, log, error, specDir }: Options): boolean {
  if (!existsSync(docsDir)) {
    if (env.SMS_MOCK_REQUIRE_DOCS === '1') {
      error(`gen:check: doc pages not found at ${docsDir}, and SMS_MOCK_REQUIRE_DOCS=1 requires them`);
      return false;
    }
    log(`gen:check: doc pages not found at ${docsDir}: the committed facts were not compared with them`);
    return true;
  }
  const differences = factsDifferences(readFacts(specDir), factsFrom(docsDir, specDir));
  for (const line of differences) error(`gen:check: ${FACTS_FILE}: ${line}`);
  if (differences.length > 0) {
    error('gen:check: the doc pages give other facts: run npm run spec:refresh, then npm run gen:schemas');
    return false;
  }
  log(`gen:check: ${FACTS_FILE} matches the doc pages in ${docsDir}`);
  return true;
}

export function main(argv: readonly string[], options: Partial<Options> = {}): number {
  const opts: Options = {
    env: process.env,
    log: (line) => console.log(line),
    error: (line) => console.error(line),
    specDir: SPEC_DIR,
    generatedDir: GENERATED_DIR,
    ...options,
  };
  const docsDir = resolve(argv.find((a) => !a.startsWith('--')) ?? DEFAULT_DOCS_DIR);
  if (argv.includes('--check')) {
    // Both checks run, so one run reports everything that is out of date.
    const generated = checkGenerated(opts);
    const facts = checkFacts(docsDir, opts);
    return generated && facts ? 0 : 1;
  }
  if (argv.includes('--refresh')) {
    if (!existsSync(docsDir)) {
      opts.error(`spec:refresh: doc pages not found at ${docsDir}`);
      return 1;
    }
    const file = join(opts.specDir, FACTS_FILE);
    writeFileSync(file, formatJson(factsFrom(docsDir, opts.specDir)));
    opts.log(`spec:refresh: wrote ${file}; now run npm run gen:schemas`);
    return 0;
  }
  const files = generateFrom(opts.specDir);
  mkdirSync(opts.generatedDir, { recursive: true });
  for (const [file, text] of files) writeFileSync(join(opts.generatedDir, file), text);
  // The directory holds generated modules only: one no longer generated would otherwise live on, unchecked.
  for (const file of readdirSync(opts.generatedDir).filter((f) => f.endsWith('.ts') && !files.has(f))) {
    rmSync(join(opts.generatedDir, file));
    opts.log(`gen:schemas: removed ${file}, which spec/ no longer gives`);
  }
  opts.log(`gen:schemas: wrote ${[...files.keys()].join(', ')} to ${opts.generatedDir}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const name = process.argv.includes('--refresh') ? 'spec:refresh' : 'gen:schemas';
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
