// The HTTP server under Fastify. Requests of one connection run one after another, so that what a client reads on a
// connection matches what the server did; the answers Node's HTTP layer would give by itself (a refused Expect, a
// missing Host, bytes it cannot parse) come in the gateway's shape, after every answer still owed on the connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import { createServer as createSecureServer } from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { ERRORS, errorBody } from '../lib/errors.js';
import { JSON_UTF8 } from './reply.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** The last answer each connection owes or owed: every earlier one goes out before it. */
const lastAnswer = new WeakMap<Socket, ServerResponse>();
/** Connections whose unreadable bytes have been answered (Node reports them again with every later chunk). */
const refused = new WeakSet<Socket>();

function gatewayBody(status: number, message: string, requestId: string): string {
  return JSON.stringify(errorBody({ ...ERRORS.badRequest, status }, message, requestId));
}

/** The client's own request id when it sent one, as Fastify does for the requests it handles. */
function requestIdOf(request: IncomingMessage, newRequestId: () => string): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && given !== '' ? given : newRequestId();
}

/** Answers a request the mock refuses before Fastify sees it; the connection closes, as nothing else of it is read. */
function refuse(response: ServerResponse, status: number, message: string, requestId: string): void {
  const body = gatewayBody(status, message, requestId);
  response.writeHead(status, {
    'content-type': JSON_UTF8,
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    connection: 'close',
  });
  response.end(body);
}

/**
 * Runs `run` once the request may start. Node parses pipelined requests as they arrive and hands each to the server
 * at once, queueing only their answers: an answer still waiting for the connection means an earlier request on it is
 * unanswered. Node gives the connection to the next answer once the earlier one went out, and never when that one
 * closed the connection: so a request behind an answer that closes is never executed. The common case (no request
 * waiting) costs one check.
 */
function inTurn(request: IncomingMessage, response: ServerResponse, run: () => void): void {
  lastAnswer.set(request.socket, response);
  // Node hands the connection over from within the earlier answer's 'finish': let its other listeners run first.
  if (response.socket === null) response.once('socket', () => process.nextTick(run));
  else run();
}

export interface HttpServerOptions {
  readonly newRequestId: () => string;
  /** Fastify's own settings for the server it would have created itself. */
  readonly fastify: Readonly<Record<string, unknown>>;
  /** Serve HTTPS with this certificate and key instead of HTTP. */
  readonly tls?: Pick<SecureContextOptions, 'cert' | 'key'> | undefined;
}

/** Fastify's `serverFactory`: the server Fastify would create, with requests of a connection run in turn. */
export function createHttpServer(handler: Handler, { newRequestId, fastify, tls }: HttpServerOptions): Server {
  // Host is checked below, to answer its absence in the gateway's shape rather than with Node's empty 400.
  const listener = (request: IncomingMessage, response: ServerResponse) =>
    inTurn(request, response, () => {
      if (request.headers.host === undefined && request.httpVersionMajor === 1 && request.httpVersionMinor === 1) {
        refuse(
          response,
          400,
          `${ERRORS.badRequest.message}: the Host header is missing`,
          requestIdOf(request, newRequestId),
        );
        return;
      }
      handler(request, response);
    });
  // An HTTPS server hands requests over as the HTTP one does (Fastify types its raw server as the latter).
  const server =
    tls === undefined
      ? createServer({ requireHostHeader: false }, listener)
      : (createSecureServer({ ...tls, requireHostHeader: false }, listener) as unknown as Server);
  // Node answers an Expect other than 100-continue with an empty 417 unless someone listens here.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) =>
    inTurn(request, response, () => {
      const expectation = String(request.headers.expect).slice(0, 100);
      refuse(response, 417, `Expectation failed: Expect: ${expectation}`, requestIdOf(request, newRequestId));
    }),
  );
  // Node hands a CONNECT over as a bare socket and, without a listener, closes it unanswered. No API is there.
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    // Node's own error listener left with the socket: without one, a reset by the client would end the process.
    socket.on('error', () => {});
    const requestId = requestIdOf(request, newRequestId);
    const message = `${ERRORS.routeNotFound.message}: CONNECT ${request.url ?? ''}`.slice(0, 1024);
    answerRaw(socket, 404, JSON.stringify(errorBody(ERRORS.routeNotFound, message, requestId)), requestId);
  });
  if (typeof fastify.keepAliveTimeout === 'number') server.keepAliveTimeout = fastify.keepAliveTimeout;
  if (typeof fastify.requestTimeout === 'number') server.requestTimeout = fastify.requestTimeout;
  if (typeof fastify.connectionTimeout === 'number') server.setTimeout(fastify.connectionTimeout);
  if (typeof fastify.maxRequestsPerSocket === 'number' && fastify.maxRequestsPerSocket > 0) {
    server.maxRequestsPerSocket = fastify.maxRequestsPerSocket;
  }
  return server;
}

/** Calls `then` once every answer the connection owes has gone out, or the connection closed. */
function afterOwedAnswers(socket: Socket, then: () => void): void {
  const last = lastAnswer.get(socket);
  if (last === undefined || last.writableFinished || socket.destroyed) {
    then();
    return;
  }
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    last.off('finish', once);
    socket.off('close', once);
    then();
  };
  last.once('finish', once);
  socket.once('close', once);
}

/**
 * Writes an answer straight to the socket, once the answers to the requests before it went out (otherwise the client
 * would read it as theirs), then closes the connection whatever the client still sends. An earlier answer may have
 * closed the connection already: then there is no one left to tell.
 */
function answerRaw(socket: Socket, status: number, body: string, requestId: string): void {
  afterOwedAnswers(socket, () => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_UTF8}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroySoon();
  });
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses (a body longer than its Content-Length, headers
 * too large, ...) never reach Fastify's routing. They are answered in the gateway's shape too.
 */
export function refuseUnreadable(requestId: string, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || refused.has(socket)) return;
  refused.add(socket);
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? 413
          : 400;
  answerRaw(socket, status, gatewayBody(status, ERRORS.badRequest.message, requestId), requestId);
}
