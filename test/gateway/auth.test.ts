import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalRequest,
  checkCredentials,
  parseAuthorization,
  parseSdkDate,
  sign,
  stringToSign,
  verifySignature,
} from '../../src/gateway/auth.js';
import { ApiError } from '../../src/lib/errors.js';
import { CAPTURE_AK, CAPTURE_SK, captureTaskId, headerObject, loadCaptures } from '../helpers/captures.js';
import { rowCount, sampleTask, useTestApp } from '../helpers.js';

const captures = loadCaptures();

function signedRequest(capture: (typeof captures)[number]) {
  return {
    method: capture.method,
    url: capture.path,
    headers: headerObject(capture),
    body: Buffer.from(capture.body_b64, 'base64'),
  };
}

describe('SDK-HMAC-SHA256 against the recorded SDK requests', () => {
  it('has captures to check', () => {
    expect(captures.length).toBe(21);
  });

  for (const capture of captures) {
    it(`reproduces the canonical request and signature of ${capture.file}`, () => {
      const auth = parseAuthorization(headerObject(capture).authorization);
      expect(auth?.access).toBe(CAPTURE_AK);
      expect(auth?.signedHeaders).toEqual(capture.signature_check.signed_headers);
      const canonical = canonicalRequest(signedRequest(capture), auth?.signedHeaders ?? []);
      expect(canonical).toBe(capture.signature_check.canonical_request);
      const date = headerObject(capture)['x-sdk-date'] ?? '';
      expect(stringToSign(date, canonical)).toBe(capture.signature_check.string_to_sign);
      expect(sign(CAPTURE_SK, date, canonical)).toBe(capture.signature_check.signature);
    });
  }
});

describe('verifySignature', () => {
  const capture = captures[3];
  if (!capture) throw new Error('missing capture');
  const auth = parseAuthorization(headerObject(capture).authorization);
  if (!auth) throw new Error('capture is not signed');
  const at = parseSdkDate(headerObject(capture)['x-sdk-date'] ?? '');
  const keys = new Map([[CAPTURE_AK, CAPTURE_SK]]);

  const detail = (fn: () => void): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (error) {
      return (error as ApiError).detail;
    }
  };

  it('accepts the request as sent', () => {
    expect(() => verifySignature(signedRequest(capture), auth, keys, [{ now: () => at + 60_000 }])).not.toThrow();
  });
  it('refuses a changed body', () => {
    const request = { ...signedRequest(capture), body: Buffer.from('{"progress": 99}') };
    expect(detail(() => verifySignature(request, auth, keys, [{ now: () => at }]))).toBe('verify aksk signature fail');
  });
  it('refuses an unknown access key', () => {
    expect(detail(() => verifySignature(signedRequest(capture), auth, new Map(), [{ now: () => at }]))).toBe(
      'Get secretKey failed',
    );
  });
  it('accepts a date within 15 minutes of any of the clocks (mock clock moved, wall clock not)', () => {
    const far = { now: () => at + 365 * 86_400_000 };
    expect(() => verifySignature(signedRequest(capture), auth, keys, [far, { now: () => at }])).not.toThrow();
    expect(detail(() => verifySignature(signedRequest(capture), auth, keys, [far, far]))).toBe(
      "X-Sdk-Date 20261123T052057Z is more than 15 minutes from the server's time (2027-11-23T05:20:57Z)",
    );
  });
  it('names a date more than 15 minutes from the clocks, naming the time of each clock', () => {
    const later = { now: () => at + 15 * 60_000 + 1000 };
    const earlier = { now: () => at - 20 * 60_000 };
    expect(detail(() => verifySignature(signedRequest(capture), auth, keys, [later, earlier]))).toBe(
      "X-Sdk-Date 20261123T052057Z is more than 15 minutes from the server's time " +
        '(2026-11-23T05:35:58Z or 2026-11-23T05:00:57Z)',
    );
  });
  it('names a date that is not in the SDK format', () => {
    const request = signedRequest(capture);
    const headers = { ...request.headers, 'x-sdk-date': '2026-11-23T05:20:57Z' };
    expect(detail(() => verifySignature({ ...request, headers }, auth, keys, [{ now: () => at }]))).toBe(
      "X-Sdk-Date '2026-11-23T05:20:57Z' is not of the form YYYYMMDDTHHMMSSZ",
    );
  });
});

describe('X-Sdk-Content-Sha256', () => {
  const capture = captures[3];
  if (!capture) throw new Error('missing capture');
  const auth = parseAuthorization(headerObject(capture).authorization);
  if (!auth) throw new Error('capture is not signed');
  const at = parseSdkDate(headerObject(capture)['x-sdk-date'] ?? '');
  const keys = new Map([[CAPTURE_AK, CAPTURE_SK]]);
  const clocks = [{ now: () => at }];
  const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
  const original = Buffer.from(capture.body_b64, 'base64');
  const swapped = Buffer.from(
    '{"subtask_name": "ATTACH_AGENT_IMAGE", "progress": 1, "replicatesize": 1, "totalsize": 1, "process_trace": ""}',
  );

  it('is ignored when not signed: the body is hashed', () => {
    // The captured signature with a swapped body, and the original body's hash claimed in an unsigned header.
    const attack = {
      ...signedRequest(capture),
      headers: { ...headerObject(capture), 'x-sdk-content-sha256': sha256(original) },
      body: swapped,
    };
    expect(() => verifySignature(attack, auth, keys, clocks)).toThrow('verify aksk signature fail');
    const honest = { ...attack, body: original };
    expect(() => verifySignature(honest, auth, keys, clocks)).not.toThrow();
    expect(canonicalRequest(honest, auth.signedHeaders)).toBe(capture.signature_check.canonical_request);
  });

  /** A PUT signed the way the SDK does when it sends the header, over `declared` as the payload hash. */
  const date = headerObject(capture)['x-sdk-date'] ?? '';
  function signedWithDeclared(declared: string, body: Buffer) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      host: '127.0.0.1:8080',
      'x-sdk-content-sha256': declared,
      'x-sdk-date': date,
    };
    const names = Object.keys(headers).sort();
    const canonical = [
      'PUT',
      '/v3/tasks/t-1/progress/',
      '',
      names.map((name) => `${name}:${headers[name]}\n`).join(''),
      names.join(';'),
      declared,
    ].join('\n');
    const signature = { access: CAPTURE_AK, signedHeaders: names, signature: sign(CAPTURE_SK, date, canonical) };
    return { request: { method: 'PUT', url: '/v3/tasks/t-1/progress', headers, body }, signature };
  }

  it('when signed, is used as it is if it is the body hash or UNSIGNED-PAYLOAD', () => {
    const exact = signedWithDeclared(sha256(swapped), swapped);
    expect(() => verifySignature(exact.request, exact.signature, keys, clocks)).not.toThrow();
    const upper = signedWithDeclared(sha256(swapped).toUpperCase(), swapped);
    expect(() => verifySignature(upper.request, upper.signature, keys, clocks)).not.toThrow();
    const unsigned = signedWithDeclared('UNSIGNED-PAYLOAD', swapped);
    expect(() => verifySignature(unsigned.request, unsigned.signature, keys, clocks)).not.toThrow();
  });

  it('when signed, must still match the body', () => {
    const lying = signedWithDeclared(sha256(original), swapped);
    expect(detail(() => verifySignature(lying.request, lying.signature, keys, clocks))).toBe(
      'verify aksk signature fail',
    );
    const garbage = signedWithDeclared('not-a-hash', swapped);
    expect(detail(() => verifySignature(garbage.request, garbage.signature, keys, clocks))).toBe(
      'verify aksk signature fail',
    );
  });

  function detail(fn: () => void): string | undefined {
    try {
      fn();
      return undefined;
    } catch (error) {
      return (error as ApiError).detail;
    }
  }
});

describe('signatures verified by the server', () => {
  const capture = captures[3];
  if (!capture) throw new Error('missing capture');
  const at = parseSdkDate(headerObject(capture)['x-sdk-date'] ?? '');
  const taskId = captureTaskId(capture) ?? '';
  const t = useTestApp({ credentials: new Map([[CAPTURE_AK, CAPTURE_SK]]) }, { seed: [sampleTask(taskId)] });

  const withoutLength = ({ 'content-length': _, ...headers }: Record<string, string>) => headers;

  it('refuses a swapped body carrying the original hash in an unsigned X-Sdk-Content-Sha256, storing nothing', async () => {
    t.clock.current = at;
    const { app: server, db } = t;
    const original = Buffer.from(capture.body_b64, 'base64');
    const swapped = Buffer.from(capture.body_text.replace('"progress": 100', '"progress": 7'));
    const response = await server.inject({
      method: 'PUT',
      url: capture.path,
      headers: {
        ...withoutLength(headerObject(capture)),
        'x-sdk-content-sha256': createHash('sha256').update(original).digest('hex'),
      },
      body: swapped,
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
      request_id: response.headers['x-request-id'],
    });
    expect(rowCount(db, 'progress_samples')).toBe(0);
  });

  it('names clock skew in its own message, storing nothing', async () => {
    t.clock.current = at + 16 * 60_000;
    const { app: server, db } = t;
    const response = await server.inject({
      method: 'PUT',
      url: capture.path,
      headers: headerObject(capture),
      body: Buffer.from(capture.body_b64, 'base64'),
    });
    expect(response.statusCode).toBe(401);
    // The wall clock is years away from the capture's date too: the message names both clocks' times.
    const body = response.json();
    expect(body).toEqual({
      error_code: 'APIGW.0301',
      error_msg: expect.stringMatching(
        /^Incorrect IAM authentication information: X-Sdk-Date 20261123T052057Z is more than 15 minutes from the server's time \(2026-11-23T05:36:57Z or \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/,
      ),
      request_id: response.headers['x-request-id'],
    });
    expect(rowCount(db, 'progress_samples')).toBe(0);
  });
});

describe('checkCredentials', () => {
  it('accepts a token or a signature with a date, and nothing else', () => {
    expect(checkCredentials({ 'x-auth-token': 't' })).toBeUndefined();
    expect(
      checkCredentials({
        authorization: 'SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, Signature=ab',
        'x-sdk-date': '20260101T000000Z',
      }),
    ).toEqual({ access: 'a', signedHeaders: ['x-sdk-date'], signature: 'ab' });
    expect(() => checkCredentials({})).toThrow(ApiError);
    expect(() => checkCredentials({ authorization: 'SDK-HMAC-SHA256 Access=a, SignedHeaders=x, Signature=b' })).toThrow(
      'x-auth-token not found',
    );
    expect(() => checkCredentials({ authorization: 'Bearer abc' })).toThrow(ApiError);
    expect(() => checkCredentials({ 'x-auth-token': 'x'.repeat(16385) })).toThrow('decrypt token fail');
  });
});
