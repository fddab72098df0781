// Request validation with Ajv: bodies strictly as sent (no coercion, no defaults filled in: UpdateTask changes only
// the fields present), path and header values as strings. Errors are turned into messages that name the field.
// Nothing is compiled when routes are registered: each validator is made on its first call, from its precompiled
// module when one matches (see precompiled.ts), else by Ajv, which is itself loaded only then.
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
import { INT64_MAX } from '../schemas/types.js';
import { type CompiledKind, lazily, publishSchemaEvent } from './precompiled.js';

/**
 * Whether a number is an int64 value: -2^63 and 2^63 are exact doubles; every double from the one up to (not
 * including) the other is one. The precompiled modules' formats.cjs holds the same test.
 */
export function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
}

const load = createRequire(import.meta.url);

/** Bodies are checked as sent: no coercion, no defaults filled in. */
export const BODY_OPTIONS: Options = { coerceTypes: false, useDefaults: false, removeAdditional: false };
/** Path, query and header values arrive as strings. */
export const OTHER_OPTIONS: Options = { coerceTypes: true, useDefaults: true, removeAdditional: false };

export function ajvOptions(kind: Exclude<CompiledKind, 'serializer'>): Options {
  return { allErrors: false, strict: true, strictTypes: false, ...(kind === 'body' ? BODY_OPTIONS : OTHER_OPTIONS) };
}

/** An Ajv instance with the formats the schemas use; `extra` adds options (the generator asks for source code). */
export function createAjv(kind: Exclude<CompiledKind, 'serializer'>, extra: Options = {}): Ajv {
  const { Ajv: AjvClass } = load('ajv') as typeof import('ajv');
  const addFormats = load('ajv-formats') as typeof import('ajv-formats').default;
  const ajv = new AjvClass({ ...ajvOptions(kind), ...extra });
  addFormats(ajv);
  // ajv-formats takes any integer as an int64, and 2^63 - 1 as a bound is 2^63 as a double: a literal that rounds to
  // 2^63 (9223372036854775807.0, 9.223372036854775807e18) would pass and then fail in SQLite. Exact integers beyond
  // 2^53 never get here as such: they arrive as stand-ins (standInInt64).
  ajv.addFormat('int64', { type: 'number', validate: isInt64 });
  return ajv;
}

/**
 * Ajv's own validators carry `schemaEnv`, and Fastify then passes the request as the parent of the validated value,
 * which is what lets a coerced root value be written back; the lazy validator keeps that, whichever code it runs.
 */
type LazyValidator = ((data: unknown, context?: object) => boolean) & {
  errors?: ErrorObject[] | null | undefined;
  schemaEnv?: unknown;
};

/**
 * Ajv's coercion turns a numeral past the doubles' range (`?limit=1e400`) into Infinity, which its integer check and
 * its bounds then let through: a query, path or header value coerced to a number that is not finite is refused as
 * not being one.
 */
function nonFiniteField(data: unknown): ErrorObject | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  for (const [name, value] of Object.entries(data)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return {
        keyword: 'type',
        instancePath: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        schemaPath: '#/type',
        params: { type: 'a finite number' },
        message: 'must be a finite number',
      };
    }
  }
  return undefined;
}

/**
 * One Ajv per kind, made when a schema without precompiled code first needs it: an instance compiles its own copy of
 * the meta-schema, which costs more than most schemas.
 */
const instances: Partial<Record<Exclude<CompiledKind, 'serializer'>, Ajv>> = {};

function lazyValidator(kind: Exclude<CompiledKind, 'serializer'>, schema: object, use: string): LazyValidator {
  const validator = lazily<ValidateFunction>(kind, schema, use, () => {
    instances[kind] ??= createAjv(kind);
    return instances[kind].compile(schema);
  });
  const validate: LazyValidator = (data, context) => {
    const compiled = validator();
    const valid = compiled(data, context as Parameters<ValidateFunction>[1]);
    validate.errors = compiled.errors;
    if (valid && kind === 'other') {
      const overflow = nonFiniteField(data);
      if (overflow !== undefined) {
        validate.errors = [overflow];
        return false;
      }
    }
    return valid;
  };
  validate.errors = null;
  validate.schemaEnv = true;
  return validate;
}

export interface Validators {
  readonly compiler: FastifySchemaCompiler<unknown>;
}

export function createValidators(): Validators {
  return {
    compiler: ({ schema, method, url, httpPart }) => {
      const kind = httpPart === 'body' ? 'body' : 'other';
      const use = `${method} ${url} ${httpPart ?? ''}`.trimEnd();
      publishSchemaEvent({ event: 'declared', kind, schema, use });
      return lazyValidator(kind, schema as object, use);
    },
  };
}

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * For Fastify's `schemaController.compilersFactory.buildValidator`: given there, Fastify does not load its own Ajv
 * compiler at all. Its type describes that default compiler; Fastify only calls it for the compiler it returns.
 */
export const buildValidator = (() => createValidators().compiler) as unknown as CompilersFactory['buildValidator'];

function formatLimit(limit: unknown): string {
  return limit === INT64_MAX ? '9223372036854775807' : String(limit);
}

/** `/target_server/disks/0/size` → `target_server.disks[0].size`. */
function fieldName(instancePath: string, child?: string): string {
  const segments = instancePath.split('/').slice(1);
  if (child !== undefined) segments.push(child);
  return segments
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment),
      '',
    );
}

/** One readable sentence for the first Ajv error, naming the offending field. */
export function describeValidationError(error: ErrorObject, context: string): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return `${fieldName(error.instancePath, String(params.missingProperty))} is required`;
  }
  const field = fieldName(error.instancePath) || context;
  switch (error.keyword) {
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return `${field} must be ${String(params.comparison)} ${formatLimit(params.limit)}`;
    case 'format':
      if (params.format === 'int64')
        return `${field} must be an integer from -9223372036854775808 to 9223372036854775807`;
      if (params.format === 'int32') return `${field} must be an integer from -2147483648 to 2147483647`;
      return `${field} must be a valid ${String(params.format)}`;
    case 'enum':
      return `${field} must be one of: ${(params.allowedValues as unknown[]).filter((v) => v !== null).join(', ')}`;
    case 'maxLength':
      return `${field} must be at most ${String(params.limit)} characters`;
    case 'minLength':
      return `${field} must be at least ${String(params.limit)} characters`;
    case 'maxItems':
      return `${field} must have at most ${String(params.limit)} items`;
    case 'minItems':
      return `${field} must have at least ${String(params.limit)} items`;
    case 'pattern':
      return `${field} has characters that are not allowed (must match ${String(params.pattern)})`;
    case 'type':
      return `${field} must be ${String(params.type).replace(',', ' or ')}`;
    case 'additionalProperties':
      return `${fieldName(error.instancePath, String(params.additionalProperty))} is not a known field`;
    default:
      return `${field} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Checks a value that arrives outside a request (a seed task, a fault rule given in-process) against a schema with
 * the body rules, compiled on first use. Answers the first error as a sentence naming the field, or undefined.
 */
export function createChecker(schema: object, context: string): (value: unknown) => string | undefined {
  const validate = lazyValidator('body', schema, `${context} check`);
  return (value) => {
    if (validate(value)) return undefined;
    const first = validate.errors?.[0];
    return first ? describeValidationError(first, context) : `${context} is invalid`;
  };
}
