// Response serializers (fast-json-stringify), made when first used rather than when routes are registered: from the
// precompiled module when one matches the schema (see precompiled.ts), else compiled then, with fast-json-stringify
// loaded only at that point.
import { createRequire } from 'node:module';
import type { FastifySerializerCompiler, FastifyServerOptions } from 'fastify';
import { lazily, publishSchemaEvent } from './precompiled.js';

export type Serialize = (value: unknown) => string;

const load = createRequire(import.meta.url);

/** The serializer of a schema, compiled (or loaded) on its first call. */
export function lazySerializer(schema: object, use: string): Serialize {
  const serializer = lazily<Serialize>('serializer', schema, use, () => {
    const fastJson = load('fast-json-stringify') as typeof import('fast-json-stringify').default;
    // What Fastify's default serializer compiler passes: no shared schemas are added to this app.
    return fastJson(schema, { schema: {} }) as Serialize;
  });
  return (value) => serializer()(value);
}

/** Fastify's serializer compiler, lazy. */
export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema, method, url, httpStatus }) => {
  const use = `${method} ${url} ${String(httpStatus)}`;
  publishSchemaEvent({ event: 'declared', kind: 'serializer', schema, use });
  return lazySerializer(schema as object, use);
};

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * For Fastify's `schemaController.compilersFactory.buildSerializer`: given there, Fastify does not load its own
 * fast-json-stringify compiler. Its type describes that default; Fastify only calls it for the compiler it returns.
 */
export const buildSerializer = (() => serializerCompiler) as unknown as CompilersFactory['buildSerializer'];
