// Random and malformed HTTP/1.1 on a real listening socket: request lines, headers, framing (Content-Length,
// chunked), truncated and overlong bodies. Each connection gets either no answer or well-formed answers in the
// vendor shape, and the server answers its health probe after every one.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDocument } from '../../src/control/admin.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { sampleTask } from '../helpers.js';
import { fuzzParameters, fuzzTimeout } from './harness.js';

let server: RunningServer;
let port: number;
beforeAll(async () => {
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    db: ':memory:',
    seedTasks: [sampleTask('task-1') as TaskDocument],
  });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

/** How long one connection may take before the test stops waiting for more bytes. */
const CONNECTION_MS = 2000;

interface ParsedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Splits what the server sent into responses. Throws on anything that is not HTTP/1.1 framing: a bad status line,
 * a header without a colon, a body shorter than its Content-Length or a broken chunk.
 */
function parseResponses(raw: Buffer, firstIsHead: boolean): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end === -1)
      throw new Error(`an answer cut inside its head: ${JSON.stringify(raw.subarray(at).toString('latin1'))}`);
    // Node writes header values as UTF-8: read them so, to compare them with the body's.
    const [statusLine = '', ...lines] = raw.subarray(at, end).toString('utf8').split('\r\n');
    const match = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [^\r\n]*)?$/.exec(statusLine);
    if (!match) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`not a header line: ${JSON.stringify(line)}`);
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    at = end + 4;
    // A HEAD gets no body, unless the request could not be read as one (a 400 from the parser may carry one).
    const rest = raw.subarray(at);
    const headAnswer =
      firstIsHead &&
      status >= 200 &&
      responses.every((r) => r.status < 200) &&
      (rest.length === 0 || rest.toString('latin1').startsWith('HTTP/1.'));
    const bodiless = status < 200 || status === 204 || status === 304 || headAnswer;
    let body: Buffer = Buffer.alloc(0);
    if (!bodiless && headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', at);
        if (lineEnd === -1) throw new Error('a chunked answer cut short');
        const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
        if (!Number.isInteger(size) || size < 0) throw new Error('a bad chunk size in an answer');
        at = lineEnd + 2;
        if (size === 0) {
          const trailerEnd = raw.indexOf('\r\n', at);
          if (trailerEnd === -1) throw new Error('a chunked answer without its last line');
          at = trailerEnd + 2;
          break;
        }
        if (at + size + 2 > raw.length) throw new Error('a chunk cut short');
        parts.push(raw.subarray(at, at + size));
        at += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (!bodiless) {
      const length = Number(headers['content-length'] ?? Number.NaN);
      if (Number.isNaN(length)) {
        body = raw.subarray(at);
        at = raw.length;
      } else {
        if (at + length > raw.length) throw new Error(`an answer shorter than its Content-Length ${length}`);
        body = raw.subarray(at, at + length);
        at += length;
      }
    }
    responses.push({ status, headers, body: body.toString('utf8') });
  }
  return responses;
}

/** Writes the bytes, half-closes, and collects whatever comes back until the server closes or time runs out. */
function sendRaw(parts: readonly Buffer[]): Promise<{ raw: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let settled = false;
    const socket = connect(port, '127.0.0.1');
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ raw: Buffer.concat(received), closed });
    };
    const timer = setTimeout(() => finish(false), CONNECTION_MS);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      for (const part of parts) if (!socket.destroyed) socket.write(part);
      if (!socket.destroyed) socket.end();
    });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

const CRLF = fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r', '\r\r\n');

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'PUT', 'PUT', 'POST', 'DELETE', 'HEAD') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'OPTIONS',
      'TRACE',
      'CONNECT',
      'PATCH',
      'get',
      'PUT ',
      ' PUT',
      'P\u0000T',
      'PRI',
      '',
      'ÄÖÜ',
      'X'.repeat(300),
    ),
  },
);

const target = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '/v3/tasks/task-1',
      '/v3/tasks/task-1/progress',
      '/v3/tasks/nope',
      '/_mock/health',
      '/_mock/tasks/task-1',
      '/_mock/requests?count=true',
      '/_mock/clock',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '*',
      'http://127.0.0.1/v3/tasks/task-1',
      '127.0.0.1:80',
      '/v3/tasks/task 1',
      '/v3/tasks/%',
      '/v3/tasks/\u0000',
      '/v3/tasks/\u00ff\u00fe',
      '/v3/tasks/task-1#frag',
      '/v3/tasks/task-1?a=%zz',
      '//',
      '',
      `/${'a'.repeat(9000)}`,
      `/v3/tasks/${'b'.repeat(70_000)}`,
    ),
  },
);

const version = fc.oneof(
  { weight: 8, arbitrary: fc.constant('HTTP/1.1') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'HTTP/1.0',
      'HTTP/2.0',
      'HTTP/0.9',
      'HTTP/1.1x',
      'http/1.1',
      'HTTP/1.',
      '',
      'HTTP/1.1 extra',
    ),
  },
);

const REPORT = JSON.stringify({
  subtask_name: 'MIGRATE_LINUX_BLOCK',
  progress: 42,
  replicatesize: 9223372036854775807n.toString(),
  totalsize: 1,
  process_trace: 'raw',
}).replace('"9223372036854775807"', '9223372036854775807');

const body = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(REPORT, '{"name":"web-02"}', '{}') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', '{', '[]', 'null', '{"progress":101}', '\u00ff\u00fe', '\u0000'.repeat(8)),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 64 }) },
);

/** How the body is framed, and how that framing lies. */
const framing = fc.constantFrom(
  'length',
  'length',
  'length',
  'none',
  'short-length',
  'long-length',
  'two-lengths',
  'bad-length',
  'negative-length',
  'huge-length',
  'chunked',
  'chunked',
  'chunked-bad-size',
  'chunked-unterminated',
  'chunked-extension',
  'chunked-and-length',
  'chunked-then-gzip',
);

const extraHeader = fc.constantFrom(
  'X-Auth-Token: raw',
  'X-Auth-Token: raw',
  'Content-Type: application/json',
  'Content-Type: application/json',
  'Content-Type: text/plain',
  'Expect: 100-continue',
  'Expect: 200-ok',
  'Connection: close',
  'Connection: keep-alive',
  'Connection: Upgrade\r\nUpgrade: websocket',
  'X-Request-Id: fuzz-1',
  'X-Request-Id: \u00ff\u00fe',
  'X-Request-Id: ',
  'Host: other',
  'Bad Header: x',
  'NoColon',
  ': empty-name',
  'X-Folded: a\r\n b',
  'X-Ctl: a\u0001b',
  'X-Nul: a\u0000b',
  `X-Big: ${'h'.repeat(20_000)}`,
  'Authorization: SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, Signature=00',
  'X-Sdk-Date: 20261123T052057Z',
);

const request = fc.record({
  method,
  target,
  version,
  separator: fc.constantFrom(' ', ' ', ' ', '  ', '\t'),
  eol: CRLF,
  host: fc.constantFrom('present', 'present', 'present', 'missing', 'twice'),
  headers: fc.array(extraHeader, { maxLength: 4 }),
  body,
  framing,
  trailing: fc.constantFrom('', '', '', 'GARBAGE', 'GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n', '\r\n'),
  /** Bytes sent in pieces: parsers must not care where the packets end. */
  splitAt: fc.option(fc.nat(), { nil: undefined }),
});

type RawRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function chunked(text: string, how: string): string {
  const bytes = Buffer.byteLength(text, 'latin1');
  const size = bytes.toString(16);
  if (how === 'chunked-bad-size') return `zz\r\n${text}\r\n0\r\n\r\n`;
  if (how === 'chunked-unterminated') return `${size}\r\n${text}\r\n`;
  if (how === 'chunked-extension') return `${size};name=value\r\n${text}\r\n0\r\nX-Trailer: t\r\n\r\n`;
  return bytes === 0 ? '0\r\n\r\n' : `${size}\r\n${text}\r\n0\r\n\r\n`;
}

function render(r: RawRequest): Buffer {
  const { eol } = r;
  const lines = [`${r.method}${r.separator}${r.target}${r.version === '' ? '' : r.separator}${r.version}`];
  if (r.host === 'present' || r.host === 'twice') lines.push('Host: 127.0.0.1');
  if (r.host === 'twice') lines.push('Host: 127.0.0.2');
  lines.push(...r.headers);
  const length = Buffer.byteLength(r.body, 'latin1');
  let payload = r.body;
  switch (r.framing) {
    case 'length':
      lines.push(`Content-Length: ${length}`);
      break;
    case 'none':
      payload = '';
      break;
    case 'short-length':
      lines.push(`Content-Length: ${Math.max(0, length - 3)}`);
      break;
    case 'long-length':
      lines.push(`Content-Length: ${length + 10}`);
      break;
    case 'two-lengths':
      lines.push(`Content-Length: ${length}`, `Content-Length: ${length + 1}`);
      break;
    case 'bad-length':
      lines.push('Content-Length: 1x');
      break;
    case 'negative-length':
      lines.push('Content-Length: -1');
      break;
    case 'huge-length':
      lines.push('Content-Length: 99999999999999999999');
      break;
    case 'chunked-and-length':
      lines.push(`Content-Length: ${length}`, 'Transfer-Encoding: chunked');
      payload = chunked(r.body, 'chunked');
      break;
    case 'chunked-then-gzip':
      lines.push('Transfer-Encoding: chunked, gzip');
      payload = chunked(r.body, 'chunked');
      break;
    default:
      lines.push('Transfer-Encoding: chunked');
      payload = chunked(r.body, r.framing);
  }
  return Buffer.from(`${lines.join(eol)}${eol}${eol}${payload}${r.trailing}`, 'latin1');
}

function split(bytes: Buffer, at: number | undefined): Buffer[] {
  if (at === undefined || bytes.length < 2) return [bytes];
  const cut = 1 + (at % (bytes.length - 1));
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

function expectVendorShaped(response: ParsedResponse, what: string): void {
  const requestId = response.headers['x-request-id'];
  expect(typeof requestId === 'string' && requestId.length > 0, `x-request-id missing: ${what}`).toBe(true);
  if (response.status < 400 || response.body === '') return;
  expect(response.headers['content-type'], what).toMatch(/^application\/json/);
  let parsed: Record<string, unknown> = {};
  expect(() => {
    parsed = JSON.parse(response.body);
  }, what).not.toThrow();
  expect(typeof parsed.error_code, what).toBe('string');
  expect(typeof parsed.error_msg, what).toBe('string');
  // A header value loses its surrounding blanks on the wire (a client's `X-Request-Id: a ` reads back as `a`).
  if (String(parsed.error_code).startsWith('APIGW.')) expect(String(parsed.request_id).trim(), what).toBe(requestId);
}

async function expectHealthy(what: string): Promise<void> {
  const response = await fetch(`${server.url}/_mock/health`, { signal: AbortSignal.timeout(5000) });
  expect(response.status, `health after ${what}`).toBe(200);
  expect(((await response.json()) as { status: string }).status).toBe('ok');
}

describe('raw HTTP/1.1 on a listening socket', () => {
  it(
    'answers any bytes with nothing or with well-formed, vendor-shaped answers, and stays healthy',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const bytes = render(r);
          const what = JSON.stringify(bytes.toString('latin1').slice(0, 500));
          const { raw } = await sendRaw(split(bytes, r.splitAt));
          let responses: ParsedResponse[] = [];
          expect(
            () => {
              responses = parseResponses(raw, r.method === 'HEAD');
            },
            `${what} → ${JSON.stringify(raw.toString('latin1').slice(0, 500))}`,
          ).not.toThrow();
          for (const response of responses) {
            const answer = `${what} → ${response.status} ${response.body.slice(0, 300)}`;
            expect(response.status, answer).toBeLessThan(500);
            if (response.status >= 200) expectVendorShaped(response, answer);
          }
          await expectHealthy(what);
        }),
        fuzzParameters(200),
      );
    },
    fuzzTimeout(200, CONNECTION_MS),
  );
});
