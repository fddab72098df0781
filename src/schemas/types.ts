// Schema builders shared by the generated modules: the vendor's scalar types expressed as JSON Schema that Ajv,
// fast-json-stringify and OpenAPI all read the same way.
import { type SchemaOptions, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/**
 * Largest value of a documented Long field, 2^63 - 1, as the nearest double (2^63): what JSON Schema bounds can hold.
 * Exact checks use INT64_MAX_BIG.
 */
export const INT64_MAX = 2 ** 63;
export const INT64_MAX_BIG = 9223372036854775807n;
export const INT64_MIN_BIG = -9223372036854775808n;

/** Long (int64). Values beyond 2^53 arrive as bigint from the lossless JSON path, so the static type admits both. */
export function Int64(options: SchemaOptions & { minimum?: number; maximum?: number } = {}): TUnsafe<number | bigint> {
  return Type.Unsafe<number | bigint>({ ...options, type: 'integer', format: 'int64' });
}

/** Integer (int32). */
export function Int32(options: SchemaOptions & { minimum?: number; maximum?: number } = {}): TUnsafe<number> {
  return Type.Unsafe<number>({ ...options, type: 'integer', format: 'int32' });
}

/** Double. */
export function Double(options: SchemaOptions & { minimum?: number; maximum?: number } = {}): TUnsafe<number> {
  return Type.Unsafe<number>({ ...options, type: 'number', format: 'double' });
}

/**
 * A string enum as a plain `enum` keyword: a union of literals would serialize at half the speed and reads worse
 * in OpenAPI.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions & { minLength?: number; maxLength?: number } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** An integer enum (the task priority). */
export function IntegerEnum<const T extends readonly number[]>(
  values: T,
  options: SchemaOptions & { minimum?: number; maximum?: number } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'integer', format: 'int32', enum: [...values] });
}

/**
 * Allows `null` besides the schema's own type, with the OpenAPI 3.0 `nullable` keyword that Ajv and
 * fast-json-stringify both understand. An enum gains `null` as a member, as Ajv requires.
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<T['static'] | null> {
  const copy: Record<string, unknown> = { ...schema, nullable: true };
  if (Array.isArray(copy.enum)) copy.enum = [...copy.enum, null];
  return Type.Unsafe<T['static'] | null>(copy);
}
