// Raw bytes on a real listening socket: pipelined requests, requests Node's HTTP layer answers by itself, and the
// answers during shutdown. What a client reads must match what the server stored.
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, progressReport, sampleTask, type TestApp, useTestApp } from '../helpers.js';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Exchange {
  responses: RawResponse[];
  /** The server closed the connection (rather than the test giving up waiting). */
  closed: boolean;
}

/** Splits what arrived into responses: status line, headers, and a body of Content-Length bytes. */
function parseResponses(raw: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const [statusLine = '', ...lines] = raw.subarray(at, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const status = Number(statusLine.split(' ')[1]);
    responses.push({ status, headers, body: raw.subarray(end + 4, end + 4 + length).toString('utf8') });
    at = end + 4 + length;
  }
  return responses;
}

/**
 * Writes each chunk (waiting `gapMs` between them), then reads until the server closes the connection, `expect`
 * responses arrived, or `timeoutMs` passed.
 */
function exchange(
  url: string,
  chunks: readonly string[],
  { expect: expected = Number.POSITIVE_INFINITY, timeoutMs = 3000, gapMs = 0 } = {},
): Promise<Exchange> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(Buffer.concat(received)), closed });
    };
    const socket = connect(Number(port), '127.0.0.1', async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (!socket.destroyed) socket.write(chunk);
      }
    });
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk) => {
      received.push(chunk);
      const complete = parseResponses(Buffer.concat(received)).filter((r) => r.status !== 100);
      if (complete.length >= expected) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (error) => (done ? undefined : reject(error)));
  });
}

const HOST = 'Host: 127.0.0.1\r\n';
const TOKEN = 'X-Auth-Token: raw\r\n';

function put(path: string, body: string, extra = ''): string {
  return (
    `PUT ${path} HTTP/1.1\r\n${HOST}${TOKEN}Content-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
  );
}

const report = (progress: number) => JSON.stringify(progressReport({ progress }));

const gatewayError = (status: number, message: string, requestId: string | undefined) => ({
  status,
  body: { error_code: 'APIGW.0201', error_msg: message, request_id: requestId },
});

// The app on a real port for the whole file, put back with its task before each test.
const t = useTestApp({}, { seed: [sampleTask('task-1')] });
let url: string;
beforeAll(async () => {
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});

const samples = (on: TestApp = t) =>
  on.db
    .prepare("SELECT progress FROM progress_samples WHERE task_id = 'task-1' ORDER BY seq")
    .pluck()
    .all() as number[];
const journal = (on: TestApp = t) => on.core.journal.list({}).map((e) => [e.method, e.path, e.status]);

describe('pipelined requests', () => {
  it('a malformed request behind a progress report: the report is answered first, then the 400', async () => {
    const { responses, closed } = await exchange(url, [
      `${put('/v3/tasks/task-1/progress', report(40))}NONSENSE \u0001\r\n\r\n`,
    ]);
    expect(closed).toBe(true);
    expect(responses.map((r) => [r.status, r.body])).toEqual([
      [200, '{}'],
      [400, expect.any(String)],
    ]);
    const refused = responses[1] as RawResponse;
    expect(JSON.parse(refused.body)).toEqual({
      error_code: 'APIGW.0201',
      error_msg: 'Bad request',
      request_id: refused.headers['x-request-id'],
    });
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(refused.headers.connection).toBe('close');
    expect(samples()).toEqual([40]);
    expect(journal()).toEqual([['PUT', '/v3/tasks/task-1/progress', 200]]);
  });

  it('the 400 waits for every answer still owed on the connection', async () => {
    // A slow report, a fast one, then garbage: the answers come in order and the 400 last.
    t.core.faults.add({
      operation: 'UpdateTaskSpeed',
      first: 1,
      effect: { type: 'latency', latency_ms: 200 },
    });
    const { responses } = await exchange(url, [
      `${put('/v3/tasks/task-1/progress', report(10))}${put('/v3/tasks/task-1/progress', report(20))}\u0000\r\n\r\n`,
    ]);
    expect(responses.map((r) => [r.status, r.body])).toEqual([
      [200, '{}'],
      [200, '{}'],
      [400, expect.stringContaining('"APIGW.0201"')],
    ]);
    expect(samples()).toEqual([10, 20]);
  });

  it('a request behind an answer that closes the connection is never executed', async () => {
    // A body that is not JSON is answered with Connection: close (the client may still be sending it).
    const broken = put('/v3/tasks/task-1/progress', '{"progress": ');
    const { responses, closed } = await exchange(url, [`${broken}${put('/v3/tasks/task-1/progress', report(7))}`]);
    expect(closed).toBe(true);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.headers.connection).toBe('close');
    expect([responses[0]?.status, JSON.parse(responses[0]?.body ?? '')]).toEqual([
      400,
      { error_code: 'SMS.2001', error_msg: 'Request body is not valid JSON' },
    ]);
    expect(samples()).toEqual([]);
    expect(journal()).toEqual([['PUT', '/v3/tasks/task-1/progress', 400]]);
  });

  it('a request behind one that asked for Connection: close gets no answer of its own', async () => {
    const last = put('/v3/tasks/task-1/progress', report(8), 'Connection: close\r\n');
    const { responses, closed } = await exchange(url, [`${last}${put('/v3/tasks/task-1/progress', report(9))}`]);
    expect(closed).toBe(true);
    expect(responses.map((r) => [r.status, r.body])).toEqual([[200, '{}']]);
    expect(samples()).toEqual([8]);
    expect(journal()).toEqual([['PUT', '/v3/tasks/task-1/progress', 200]]);
  });

  it('a request behind one whose connection a fault dropped is never executed', async () => {
    t.core.faults.add({ operation: 'UpdateTaskSpeed', first: 1, effect: { type: 'empty' } });
    const { responses, closed } = await exchange(url, [
      `${put('/v3/tasks/task-1/progress', report(11))}${put('/v3/tasks/task-1/progress', report(12))}`,
    ]);
    expect([closed, responses]).toEqual([true, []]);
    expect(samples()).toEqual([]);
    expect(journal()).toEqual([['PUT', '/v3/tasks/task-1/progress', null]]);
  });

  it('runs the requests of one connection one after another', async () => {
    // The report is slowed down; the ShowTask behind it must still see what the report wrote.
    t.core.faults.add({
      operation: 'UpdateTaskSpeed',
      first: 1,
      effect: { type: 'latency', latency_ms: 150 },
    });
    const { responses } = await exchange(
      url,
      [`${put('/v3/tasks/task-1/progress', report(30))}GET /v3/tasks/task-1 HTTP/1.1\r\n${HOST}${TOKEN}\r\n`],
      { expect: 2 },
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const shown = JSON.parse(responses[1]?.body ?? '') as { state: string; sub_tasks: { progress: number }[] };
    expect([shown.state, shown.sub_tasks.map((s) => s.progress)]).toEqual(['RUNNING', [0, 30]]);
    expect(journal()).toEqual([
      ['PUT', '/v3/tasks/task-1/progress', 200],
      ['GET', '/v3/tasks/task-1', 200],
    ]);
  });
});

describe("answers Node's HTTP layer would give without a body", () => {
  it('417 for an Expect other than 100-continue, in the gateway shape, executing nothing', async () => {
    const request = put('/v3/tasks/task-1/progress', report(50), 'Expect: something-else\r\n');
    const { responses, closed } = await exchange(url, [request]);
    expect(closed).toBe(true);
    expect(responses).toHaveLength(1);
    const [answer] = responses as [RawResponse];
    expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual(
      gatewayError(417, 'Expectation failed: Expect: something-else', answer.headers['x-request-id']),
    );
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(samples()).toEqual([]);
    expect(journal()).toEqual([]);
  });

  it('100-continue still works', async () => {
    const body = report(60);
    const { responses } = await exchange(
      url,
      [
        `PUT /v3/tasks/task-1/progress HTTP/1.1\r\n${HOST}${TOKEN}Content-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
        body,
      ],
      { expect: 1, gapMs: 50 },
    );
    expect(responses.map((r) => [r.status, r.body])).toEqual([
      [100, ''],
      [200, '{}'],
    ]);
    expect(samples()).toEqual([60]);
  });

  it('400 for HTTP/1.1 without Host, in the gateway shape, keeping the client request id', async () => {
    const { responses, closed } = await exchange(url, [
      `GET /v3/tasks/task-1 HTTP/1.1\r\n${TOKEN}X-Request-Id: mine-1\r\n\r\n`,
    ]);
    expect(closed).toBe(true);
    expect(responses.map((r) => ({ status: r.status, body: JSON.parse(r.body) }))).toEqual([
      gatewayError(400, 'Bad request: the Host header is missing', 'mine-1'),
    ]);
    expect(responses[0]?.headers['x-request-id']).toBe('mine-1');
    expect(journal()).toEqual([]);
    // HTTP/1.0 has no such rule.
    const old = await exchange(url, [`GET /v3/tasks/task-1 HTTP/1.0\r\n${TOKEN}\r\n`]);
    expect(old.responses.map((r) => r.status)).toEqual([200]);
  });

  it('404 APIGW.0101 for CONNECT, which Node would answer by closing the connection', async () => {
    const { responses, closed } = await exchange(url, [
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nX-Request-Id: c-1\r\n\r\n',
    ]);
    expect(closed).toBe(true);
    expect(
      responses.map((r) => ({ status: r.status, id: r.headers['x-request-id'], body: JSON.parse(r.body) })),
    ).toEqual([
      {
        status: 404,
        id: 'c-1',
        body: {
          error_code: 'APIGW.0101',
          error_msg: 'The API does not exist or has not been published in the environment: CONNECT example.com:443',
          request_id: 'c-1',
        },
      },
    ]);
    expect(journal()).toEqual([]);
  });

  it('503 in the gateway shape for a request that arrives while the server shuts down', async () => {
    // An app of its own: this one closes.
    const own = await buildTestApp({}, undefined, { seed: [sampleTask('task-1')] });
    const { app } = own;
    const ownUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    // A report whose body is still on its way keeps the connection busy while close() starts; the rest of it and a
    // second report follow once the server is closing.
    const first = put('/v3/tasks/task-1/progress', report(70));
    const split = first.length - 10;
    const { port } = new URL(ownUrl);
    const arrived = new Promise<void>((resolve) => app.server.once('request', () => resolve()));
    const socket = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.write(first.slice(0, split), () => resolve()));
    // The head is read: the request is in flight when close() starts.
    await arrived;
    const closing = app.close();
    for (let i = 0; i < 100 && app.server.listening; i++) await new Promise((r) => setTimeout(r, 5));
    expect(app.server.listening).toBe(false);
    socket.write(`${first.slice(split)}${put('/v3/tasks/task-1/progress', report(71))}`);
    const timeout = setTimeout(() => socket.destroy(), 3000);
    await ended;
    clearTimeout(timeout);
    const responses = parseResponses(Buffer.concat(received));
    expect(responses.map((r) => r.status)).toEqual([200, 503]);
    const refused = responses[1] as RawResponse;
    expect(JSON.parse(refused.body)).toEqual({
      error_code: 'APIGW.0201',
      error_msg: 'Backend unavailable: the server is shutting down',
      request_id: refused.headers['x-request-id'],
    });
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(refused.headers.connection).toBe('close');
    await closing;
    expect(samples(own)).toEqual([70]);
    expect(journal(own)).toEqual([
      ['PUT', '/v3/tasks/task-1/progress', 200],
      ['PUT', '/v3/tasks/task-1/progress', 503],
    ]);
    own.db.close();
  });
});
