// Request validation with Ajv: bodies strictly as sent (no coercion, no defaults filled in: UpdateTask changes only
// the fields present), path and header values as strings. Errors are turned into messages that name the field.
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { INT64_MAX } from '../schemas/types.js';

/** -2^63 and 2^63 are exact doubles; every double from the one up to (not including) the other is an int64 value. */
const INT64_LOW = -(2 ** 63);
const INT64_HIGH = 2 ** 63;

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, ...options });
  addFormats.default(ajv);
  // ajv-formats takes any integer as an int64, and 2^63 - 1 as a bound is 2^63 as a double: a literal that rounds to
  // 2^63 (9223372036854775807.0, 9.223372036854775807e18) would pass and then fail in SQLite. Exact integers beyond
  // 2^53 never get here as such: they arrive as stand-ins (standInInt64).
  ajv.addFormat('int64', {
    type: 'number',
    validate: (value: number) => Number.isInteger(value) && value >= INT64_LOW && value < INT64_HIGH,
  });
  return ajv;
}

export interface Validators {
  readonly body: Ajv;
  readonly other: Ajv;
  readonly compiler: FastifySchemaCompiler<unknown>;
}

/** Bodies are checked as sent: no coercion, no defaults filled in. */
const BODY_OPTIONS: Options = { coerceTypes: false, useDefaults: false, removeAdditional: false };

export function createValidators(): Validators {
  const body = createAjv(BODY_OPTIONS);
  const other = createAjv({ coerceTypes: true, useDefaults: true, removeAdditional: false });
  return {
    body,
    other,
    compiler: ({ schema, httpPart }) =>
      (httpPart === 'body' ? body : other).compile(schema as object) as ValidateFunction,
  };
}

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

let checkerAjv: Ajv | undefined;

/**
 * Checks a value that arrives outside a request (a seed task, a fault rule given in-process) against a schema with
 * the body rules, compiled on first use. Answers the first error as a sentence naming the field, or undefined.
 */
export function createChecker(schema: object, context: string): (value: unknown) => string | undefined {
  let validate: ValidateFunction | undefined;
  return (value) => {
    checkerAjv ??= createAjv(BODY_OPTIONS);
    validate ??= checkerAjv.compile(schema);
    if (validate(value)) return undefined;
    const first = validate.errors?.[0];
    return first ? describeValidationError(first, context) : `${context} is invalid`;
  };
}
