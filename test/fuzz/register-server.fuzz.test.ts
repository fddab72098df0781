// Property tests of RegisterServer with bodies written from its own schema: addresses and MACs valid and not, every
// field at and past its bounds, text no JavaScript value gives. Never a 5xx; a refusal stores nothing; an accepted
// registration is stored under the id answered and shows as ShowServer answers it, waiting unless a check failed.
import fc from 'fast-check';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/lib/json.js';
import { RegisterServerBody } from '../../src/schemas/index.js';
import { rowCount } from '../helpers.js';
import {
  buildFuzzApp,
  describeResponse,
  type FuzzApp,
  fuzzParameters,
  fuzzTimeout,
  injectChecked,
  JSON_HEADERS,
  SOURCE_IDS,
} from './harness.js';
import { bodyText, hostileBodyText, type SchemaNode } from './json-text.js';

const RUNS = 150;
const schema = RegisterServerBody as unknown as SchemaNode;

let t: FuzzApp;
beforeAll(async () => {
  t = await buildFuzzApp();
});
afterAll(() => t.close());

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const notAnAddress = fc.constantFrom('', '999.1.1.1', '1.2.3', 'fd00::g', 'localhost', ' 10.0.0.1');
const mac = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 })
  .map((bytes) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'));

/**
 * Bodies within the schema whose addresses and first MAC the service judges: set on most bodies (the schema leaves
 * them optional, so few bodies would hold them), valid mostly, wrong now and then. Numbers keep their text.
 */
const registrations = fc
  .tuple(
    bodyText(schema, { hostile: false, maxKeys: 6, maxItems: 2 }),
    fc.option(fc.oneof({ weight: 6, arbitrary: ipv4 }, { weight: 1, arbitrary: notAnAddress }), { freq: 4 }),
    fc.option(fc.oneof({ weight: 3, arbitrary: ipv6 }, { weight: 1, arbitrary: notAnAddress }), { freq: 2 }),
    fc.option(fc.oneof({ weight: 8, arbitrary: mac }, { weight: 1, arbitrary: fc.constant('') }), { freq: 4 }),
  )
  .map(([text, ip, v6, firstMac]) => {
    const body = parseLossless(text) as { ip?: string; ipv6?: string; networks: { mac: string }[] };
    if (ip !== null) body.ip = ip;
    if (v6 !== null) body.ipv6 = v6;
    const [first] = body.networks;
    if (firstMac !== null && first !== undefined) first.mac = firstMac;
    return stringifyLossless(body) as string;
  });

function post(body: string) {
  return injectChecked(t, { method: 'POST', url: '/v3/sources', headers: JSON_HEADERS, body });
}

describe('RegisterServer, fuzzed from its schema', () => {
  it(
    'valid bodies: 200 with the id stored, or 400 storing nothing; shown waiting unless a check failed',
    async () => {
      await fc.assert(
        fc.asyncProperty(registrations, async (body) => {
          await t.restore();
          const response = await post(body);
          const what = `${body}\n→ ${describeResponse(response)}`;
          if (response.statusCode !== 200) {
            expect(response.statusCode, what).toBe(400);
            expect(rowCount(t.db, 'sources'), what).toBe(SOURCE_IDS.length);
            return;
          }
          const { id } = response.json() as { id: string };
          // A new server, or one of the seeded ones registering again (same name and first MAC).
          expect(rowCount(t.db, 'sources'), what).toBe(SOURCE_IDS.length + (SOURCE_IDS.includes(id as never) ? 0 : 1));
          const shown = await t.app.inject({
            method: 'GET',
            url: `/v3/sources/${encodeURIComponent(id)}`,
            headers: JSON_HEADERS,
          });
          expect(shown.statusCode, what).toBe(200);
          const server = parseJson(shown.body) as { id: string; state: string; checks: { result: string }[] };
          expect(server.id, what).toBe(id);
          const failed = server.checks.some((check) => check.result === 'ERROR');
          expect(server.state, what).toBe(failed ? 'unavailable' : 'waiting');
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeout(RUNS, 100),
  );

  it(
    'hostile bodies: never a 5xx, and a refusal stores nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(hostileBodyText(schema, { maxKeys: 4, maxItems: 2 }), async (body) => {
          await t.restore();
          const response = await post(body);
          if (response.statusCode >= 400) expect(rowCount(t.db, 'sources'), body).toBe(SOURCE_IDS.length);
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeout(RUNS, 100),
  );
});
