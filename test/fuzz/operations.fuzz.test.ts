// One property per emulated operation, driven by the operation registry: every operation gets valid and hostile
// bodies, query strings and path ids built from its own schemas, and must answer soundly (below 500, errors in the
// vendor's shape) and change nothing when it refuses. An operation added to the registry is fuzzed from then on.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type OperationId, operations } from '../../src/schemas/generated/operations.js';
import {
  buildFuzzApp,
  type FuzzApp,
  fuzzParameters,
  fuzzTimeout,
  injectChecked,
  JSON_HEADERS,
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
  const stored = parameter === 'task_id' ? [...TASK_IDS] : storedSourceIds();
  const odd = fc.constantFrom('nope', 'a'.repeat(37), '%20', '..', 'a%2Fb');
  if (stored.length === 0) return fc.oneof(odd, fc.uuid());
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...stored) }, { weight: 1, arbitrary: odd });
}

function storedSourceIds(): string[] {
  const table = t.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'sources'").get();
  if (!table) return [];
  return t.db.prepare('SELECT id FROM sources ORDER BY id').pluck().all() as string[];
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
        let value: unknown = text;
        try {
          value = JSON.parse(text);
        } catch {
          // Mangled text goes as it is.
        }
        return `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`;
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
        { weight: 2, arbitrary: bodyText(schema.body as SchemaNode, { hostile: false, maxKeys: 4, maxItems: 3 }) },
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
        await fc.assert(
          fc.asyncProperty(calls(id), async ({ url, body }) => {
            await t.restore();
            await injectChecked(t, {
              method: method as 'GET',
              url,
              headers: body === undefined ? { 'x-auth-token': 'fuzz' } : JSON_HEADERS,
              ...(body === undefined ? {} : { body }),
            });
          }),
          fuzzParameters(RUNS),
        );
      },
      fuzzTimeout(RUNS, 100),
    );
  }
});
