import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import {
  canonicalRequest,
  checkCredentials,
  parseAuthorization,
  parseSdkDate,
  sign,
  stringToSign,
  verifySignature,
} from '../../src/http/auth.js';
import { CAPTURE_AK, CAPTURE_SK, headerObject, loadCaptures } from '../captures.js';

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
      'verify aksk signature fail',
    );
  });
  it('refuses a date more than 15 minutes from the clock', () => {
    const later = { now: () => at + 15 * 60_000 + 1000 };
    expect(detail(() => verifySignature(signedRequest(capture), auth, keys, [later]))).toBe(
      'verify aksk signature fail',
    );
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
