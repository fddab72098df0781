// Authentication as the API gateway does it: an IAM token, or an SDK-HMAC-SHA256 signature (what every official SDK
// sends). Lenient by default (presence is enough); with credentials configured, signatures are verified.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';

const SCHEME = 'SDK-HMAC-SHA256';
const MAX_TOKEN_LENGTH = 16384;
/** The gateway accepts an X-Sdk-Date within 15 minutes of its own clock. */
const DATE_WINDOW_MS = 15 * 60 * 1000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const EMPTY = Buffer.alloc(0);

export interface SignatureHeader {
  readonly access: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export function parseAuthorization(value: string | undefined): SignatureHeader | undefined {
  if (value === undefined || !value.startsWith(`${SCHEME} `)) return undefined;
  const parts = new Map<string, string>();
  for (const part of value.slice(SCHEME.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const access = parts.get('Access');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!access || !signedHeaders || !signature) return undefined;
  return { access, signedHeaders: signedHeaders.split(';'), signature };
}

/**
 * Checks that a request to the emulated API carries credentials. Throws APIGW.0301 otherwise. Returns the parsed
 * signature, if the request is signed, for verifySignature.
 */
export function checkCredentials(headers: IncomingHttpHeaders): SignatureHeader | undefined {
  const token = headers['x-auth-token'];
  if (typeof token === 'string' && token.length > 0) {
    if (token.length > MAX_TOKEN_LENGTH) throw new ApiError('unauthorized', 'decrypt token fail');
    return undefined;
  }
  const signature = parseAuthorization(headers.authorization);
  if (signature && typeof headers['x-sdk-date'] === 'string') return signature;
  throw new ApiError('unauthorized', 'x-auth-token not found');
}

/** Percent-encodes all but A-Z a-z 0-9 - _ . ~, upper-case hex, as the SDKs do. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(text: string): string {
  return decodeURIComponent(text);
}

export interface SignedRequest {
  readonly method: string;
  /** The request target as received: raw path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
}

/**
 * The payload hash of the canonical request: the body's own SHA-256, unless the client signed an
 * `X-Sdk-Content-Sha256` header, which the SDKs then put in its place. A declared value counts only when it is signed
 * (otherwise anyone could pair a captured signature with another body) and only when it is the body's real hash or
 * `UNSIGNED-PAYLOAD` (what the SDKs declare for bodies they do not hash); any other value leaves the real hash, so
 * the signature fails.
 */
function payloadHashOf(request: SignedRequest, signedHeaders: readonly string[]): string {
  const actual = createHash('sha256')
    .update(request.body ?? EMPTY)
    .digest('hex');
  const declared = request.headers['x-sdk-content-sha256'];
  if (typeof declared !== 'string' || !signedHeaders.includes('x-sdk-content-sha256')) return actual;
  // The Python SDK hashes an empty body as such whatever the header says.
  if (request.body === undefined || request.body.length === 0) return actual;
  return declared === UNSIGNED_PAYLOAD || declared.toLowerCase() === actual ? declared : actual;
}

export function canonicalRequest(request: SignedRequest, signedHeaders: readonly string[]): string {
  const q = request.url.indexOf('?');
  const rawPath = q === -1 ? request.url : request.url.slice(0, q);
  const rawQuery = q === -1 ? '' : request.url.slice(q + 1);
  let uri = decode(rawPath).split('/').map(encode).join('/');
  if (!uri.endsWith('/')) uri += '/';
  const query = rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
    })
    .sort(([ak = '', av = ''], [bk = '', bv = '']) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([k = '', v = '']) => `${encode(k)}=${encode(v)}`)
    .join('&');
  const headerLines = signedHeaders
    .map((name) => {
      const value = request.headers[name];
      return `${name}:${(Array.isArray(value) ? value.join(',') : (value ?? '')).trim()}\n`;
    })
    .join('');
  const payloadHash = payloadHashOf(request, signedHeaders);
  return [request.method, uri, query, headerLines, signedHeaders.join(';'), payloadHash].join('\n');
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SCHEME}\n${sdkDate}\n${createHash('sha256').update(canonical).digest('hex')}`;
}

export function sign(secretKey: string, sdkDate: string, canonical: string): string {
  return createHmac('sha256', secretKey).update(stringToSign(sdkDate, canonical)).digest('hex');
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, or NaN. */
export function parseSdkDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * Verifies a signed request against the configured secret keys. Throws APIGW.0301 on any mismatch. The date must be
 * within the window of one of `clocks` (the mock's clock, which tests may move, and the wall clock real SDKs sign with).
 */
export function verifySignature(
  request: SignedRequest,
  signature: SignatureHeader,
  secretKeys: ReadonlyMap<string, string>,
  clocks: readonly Clock[],
): void {
  const secretKey = secretKeys.get(signature.access);
  if (secretKey === undefined) throw new ApiError('unauthorized', 'Get secretKey failed');
  const sdkDate = String(request.headers['x-sdk-date'] ?? '');
  const signedAt = parseSdkDate(sdkDate);
  // Clock skew gets its own message: otherwise it looks exactly like a wrong key or a tampered request.
  if (Number.isNaN(signedAt)) {
    const shown = sdkDate.length > 64 ? `${sdkDate.slice(0, 64)}...` : sdkDate;
    throw new ApiError('unauthorized', `X-Sdk-Date '${shown}' is not of the form YYYYMMDDTHHMMSSZ`);
  }
  if (!clocks.some((clock) => Math.abs(clock.now() - signedAt) <= DATE_WINDOW_MS)) {
    const times = [...new Set(clocks.map((clock) => new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')))];
    throw new ApiError(
      'unauthorized',
      `X-Sdk-Date ${sdkDate} is more than 15 minutes from the server's time (${times.join(' or ')})`,
    );
  }
  let expected: string;
  try {
    expected = sign(secretKey, sdkDate, canonicalRequest(request, signature.signedHeaders));
  } catch {
    // A path or query that does not decode cannot have been signed by an SDK.
    throw new ApiError('unauthorized', 'verify aksk signature fail');
  }
  const given = Buffer.from(signature.signature, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new ApiError('unauthorized', 'verify aksk signature fail');
  }
}
