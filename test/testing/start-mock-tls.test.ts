// startMock({ tls }): the in-process mock over HTTPS, with a certificate made at start (its CA handed to the test) or
// with one given, and the same helpers and /_mock routes as over HTTP.
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/index.js';
import { createAuthority } from '../../src/lib/certificates.js';
import { progressReport, sampleTask } from '../helpers.js';

/** An HTTPS request that trusts only `ca` (none: Node's own roots). */
function fetchTls(
  url: string,
  ca: string | undefined,
  { method = 'GET', body }: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: string; peer: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const headers = { 'x-auth-token': 't', ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const req = request(url, { method, ca, headers, agent: false }, (response) => {
      const peer = new X509Certificate((response.socket as TLSSocket).getPeerCertificate().raw);
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, peer }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('startMock({ tls: true })', () => {
  let sms: SmsMock;
  beforeAll(async () => {
    sms = await startMock({ tls: true, seed: [sampleTask('seeded')] });
  });
  afterAll(() => sms.close());

  it('listens with https on 127.0.0.1 and hands the test the CA of its certificate', async () => {
    expect(sms.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = sms.tls?.ca as string;
    expect(new X509Certificate(ca).ca).toBe(true);
    const health = await fetchTls(`${sms.url}/_mock/health`, ca);
    expect(health.status).toBe(200);
    expect(health.peer.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(health.peer.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(fetchTls(`${sms.url}/_mock/health`, undefined)).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('serves the emulated API, and the helpers and the journal see what came over HTTPS', async () => {
    const ca = sms.tls?.ca as string;
    const reported = await fetchTls(`${sms.url}/v3/tasks/seeded/progress`, ca, {
      method: 'PUT',
      body: progressReport(),
    });
    expect(reported.status).toBe(200);
    expect(sms.task('seeded')?.state).toBe('RUNNING');
    const [entry] = await sms.journal.wait({ operation: 'UpdateTaskSpeed', count: 1 });
    expect(entry?.status).toBe(200);
    await sms.reset();
    expect(sms.task('seeded')?.state).toBe('READY');
    expect(sms.journal.count()).toBe(0);
  });
});

describe('startMock({ tls: { cert, key } })', () => {
  it('serves the certificate given; mock.tls names no CA', async () => {
    const authority = await createAuthority('Test CA');
    const given = await authority.issue({ commonName: 'mock', usage: 'server', hosts: ['127.0.0.1'] });
    const sms = await startMock({ tls: { cert: given.cert, key: Buffer.from(given.key) } });
    try {
      expect(sms.url).toMatch(/^https:\/\//);
      expect(sms.tls).toEqual({ ca: undefined });
      const health = await fetchTls(`${sms.url}/_mock/health`, authority.cert);
      expect(health.status).toBe(200);
      expect(health.peer.serialNumber).toBe(new X509Certificate(given.cert).serialNumber);
    } finally {
      await sms.close();
    }
  });

  it('rejects a key that is not the certificate’s', async () => {
    const authority = await createAuthority('Test CA');
    const one = await authority.issue({ commonName: 'one', usage: 'server' });
    const two = await authority.issue({ commonName: 'two', usage: 'server' });
    await expect(startMock({ tls: { cert: one.cert, key: two.key } })).rejects.toThrow(
      /^sms-mock: cannot serve TLS with the certificate and key given: .*key values mismatch/,
    );
  });
});

describe('startMock() without tls', () => {
  it('stays http, with no tls', async () => {
    const sms = await startMock();
    try {
      expect(sms.url).toMatch(/^http:\/\//);
      expect(sms.tls).toBeUndefined();
    } finally {
      await sms.close();
    }
  });
});
