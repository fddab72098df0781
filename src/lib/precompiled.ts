// Validators and serializers compiled ahead of time: the code Ajv and fast-json-stringify generate for a schema, kept
// as modules in src/schemas/generated/compiled/ (npm run gen:compiled) and loaded when first needed, so that start-up
// compiles nothing however many operations there are. A module is found by a hash of the schema it was generated
// from: a schema changed since is never checked by stale code, it is compiled at run time like any schema without
// a module. Everything that asks for, compiles or loads one is published on a diagnostics channel (tests count them;
// the generator collects the schemas from it).
import { createHash } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the code is for: a body validator (no coercion), another request part's (coercion), or a serializer. */
export type CompiledKind = 'body' | 'other' | 'serializer';

export interface SchemaEvent {
  /** `declared`: a route or renderer will need it; `compiled`: compiled at run time; `loaded`: precompiled code used. */
  readonly event: 'declared' | 'compiled' | 'loaded';
  readonly kind: CompiledKind;
  readonly schema: unknown;
  /** Who needs it, for people: `GET /v3/tasks/:task_id params`, `ShowTask body`, ... */
  readonly use: string;
}

export const SCHEMA_CHANNEL = 'sms-mock:schemas';
const schemaChannel = channel(SCHEMA_CHANNEL);

export function publishSchemaEvent(event: SchemaEvent): void {
  if (schemaChannel.hasSubscribers) schemaChannel.publish(event);
}

/** The module name of a schema's code: the hash of its kind and its JSON. */
export function compiledKey(kind: CompiledKind, schema: unknown): string {
  return createHash('sha256')
    .update(`${kind}\0${JSON.stringify(schema)}`)
    .digest('hex')
    .slice(0, 32);
}

/** Where the precompiled modules live, under the package root (src/ is published too). */
const COMPILED_PATH = join('src', 'schemas', 'generated', 'compiled');

/**
 * The folder of the precompiled modules: found up from this module, which may run from src/lib, dist/src/lib or a
 * bundle in dist/src; undefined when the package has none.
 */
function findCompiledDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, COMPILED_PATH);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** The folder npm run gen:compiled writes, next to the sources. */
export const COMPILED_DIR = fileURLToPath(new URL('../schemas/generated/compiled/', import.meta.url));

let compiledDir: string | null | undefined;

// Loaded with require: a validator is asked for synchronously, and these modules are CommonJS, as Ajv writes them.
const load = createRequire(import.meta.url);

/** The precompiled code of a schema, or undefined when there is none for it as it is now. */
export function loadPrecompiled<T>(kind: CompiledKind, schema: unknown, use: string): T | undefined {
  if (compiledDir === undefined) compiledDir = findCompiledDir() ?? null;
  if (compiledDir === null) return undefined;
  const file = join(compiledDir, `${compiledKey(kind, schema)}.cjs`);
  if (!existsSync(file)) return undefined;
  const exported = load(file) as T;
  publishSchemaEvent({ event: 'loaded', kind, schema, use });
  return exported;
}

/** Compiles a schema when first needed, from its precompiled module if one matches it, else with `compile`. */
export function lazily<T>(kind: CompiledKind, schema: unknown, use: string, compile: () => T): () => T {
  let compiled: T | undefined;
  return () => {
    if (compiled === undefined) {
      compiled = loadPrecompiled<T>(kind, schema, use);
      if (compiled === undefined) {
        compiled = compile();
        publishSchemaEvent({ event: 'compiled', kind, schema, use });
      }
    }
    return compiled;
  };
}
