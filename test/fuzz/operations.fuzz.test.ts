// One property per emulated operation, driven by the operation registry: every operation gets valid and hostile
// bodies, query strings and path ids built from its own schemas, and must answer soundly (below 500, errors in the
// vendor's shape) and change nothing when it refuses. An operation added to the registry is fuzzed from then on.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperationId, operations } from '../../src/schemas/generated/operations.js';
import {
  buildFuzzApp,
  type FuzzApp,
  fuzzParameters,
  fuzzTimeout,
  injectChecked,
  JSON_HEADERS,
  SOURCE_IDS,
  TASK_IDS,
} from './harness.js';
import { bodyText, hostileBodyText, type SchemaNode, valueText } from './json-text.js';

const RUNS = 40;

let t: FuzzApp;
beforeAll(async () => {
  t = await buildFuzzApp();
});
afterAll(() => t.close());

/** Ids a path parameter takes: stored ones most of the time, unknown and odd ones now and then. */
function idSegment(parameter: string): fc.Arbitrary<string> {
  const stored: string[] = parameter === 'task_id' ? [...TASK_IDS] : [...SOURCE_IDS];
  const odd = fc.constantFrom('nope', 'a'.repeat(37), '%20', '..', 'a%2Fb');
  if (stored.length === 0) return fc.oneof(odd, fc.uuid());
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...stored) }, { weight: 1, arbitrary: odd });
}

/** Text with each lone surrogate replaced by U+FFFD: encodeURIComponent refuses lone surrogates. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A query string from the operation's query schema: each parameter present or not, valid or not. */
function queryString(schema: SchemaNode | undefined): fc.Arbitrary<string> {
  const properties = Object.entries(schema?.properties ?? {});
  if (properties.length === 0) return fc.constant('');
  const parts = properties.map(([name, node]) =>
    fc
      .option(
        fc.oneof(
          { weight: 4, arbitrary: valueText(node, { hostile: false, maxStringLength: 40 }) },
          { weight: 1, arbitrary: valueText(node, { hostile: true, maxStringLength: 40 }) },
        ),
        { nil: undefined },
      )
      .map((text) => {
        if (text === undefined) return undefined;
        // A JSON string, number or boolean goes as its value; anything else (mangled text, objects, arrays, deep
        // nesting) as its text, cut short.
        let value = text;
        try {
          const parsed: unknown = JSON.parse(text);
          if (typeof parsed === 'string' || typeof parsed === 'number' || typeof parsed === 'boolean') {
            value = String(parsed);
          }
        } catch {
          // Mangled text goes as it is.
        }
        return `${encodeURIComponent(name)}=${encodeURIComponent(wellFormed(value.slice(0, 2048)))}`;
      }),
  );
  return fc.tuple(...parts).map((list) => {
    const present = list.filter((p): p is string => p !== undefined);
    return present.length === 0 ? '' : `?${present.join('&')}`;
  });
}

interface Call {
  url: string;
  body: string | undefined;
}

/** Valid bodies name what is stored where a field must, so that requests get past lookups and are carried out too. */
function overrides(id: OperationId): Record<string, fc.Arbitrary<string>> {
  const text = (values: readonly string[]) => fc.constantFrom(...values).map((v) => JSON.stringify(v));
  return {
    'source_server.id': text(SOURCE_IDS),
    'ids[]': text(id === 'DeleteServers' ? SOURCE_IDS : TASK_IDS),
    copystate: text(['waiting', 'INIT', 'initialize', 'Replicate', 'stopped', 'bogus']),
    migrationcycle: text(['checking', 'REPLICATING', 'cutovered', 'ready_for_test', 'bogus']),
    ip: text(['10.0.0.9', '192.168.1.20']),
    ipv6: text(['fe80::1', '2001:db8::5']),
    'networks[].mac': text(['fa:16:3e:00:00:09', 'fa:16:3e:00:00:01']),
  };
}

function calls(id: OperationId): fc.Arbitrary<Call> {
  const op = operations[id];
  const schema = op.schema as { body?: unknown; querystring?: unknown };
  const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const path = fc
    .tuple(...params.map((p) => idSegment(p)))
    .map((segments) => segments.reduce((url, segment, i) => url.replace(`{${params[i]}}`, segment), op.path));
  const query = queryString(schema.querystring as SchemaNode | undefined);
  const body: fc.Arbitrary<string | undefined> = schema.body
    ? fc.oneof(
        {
          weight: 2,
          arbitrary: bodyText(schema.body as SchemaNode, {
            hostile: false,
            maxKeys: 4,
            maxItems: 3,
            overrides: overrides(id),
          }),
        },
        { weight: 2, arbitrary: hostileBodyText(schema.body as SchemaNode, { maxKeys: 4, maxItems: 3 }) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
    : fc.constant(undefined);
  return fc.tuple(path, query, body).map(([p, q, b]) => ({ url: `${p}${q}`, body: b }));
}

describe('every emulated operation, fuzzed from its schemas', () => {
  for (const id of Object.keys(operations) as OperationId[]) {
    const { method, path } = operations[id];
    it(
      `${id} (${method} ${path}) answers soundly and a refusal changes nothing`,
      async () => {
        let carriedOut = 0;
        await fc.assert(
          fc.asyncProperty(calls(id), async ({ url, body }) => {
            await t.restore();
            const response = await injectChecked(t, {
              method: method as 'GET',
              url,
              headers: body === undefined ? { 'x-auth-token': 'fuzz' } : JSON_HEADERS,
              ...(body === undefined ? {} : { body }),
            });
            if (response.statusCode < 400) carriedOut++;
          }),
          fuzzParameters(RUNS),
        );
        // Not refused every time: the property also saw the operation carried out.
        expect(carriedOut).toBeGreaterThan(0);
      },
      fuzzTimeout(RUNS, 100),
    );
  }
});
