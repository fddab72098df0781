import { createPrivateKey, X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createAuthority, createSelfSigned, defaultValidity, ipBytes } from '../../src/lib/certificates.js';
import { credentialsProblem, generateServerCredentials, serverHosts } from '../../src/lib/tls.js';

describe('ipBytes', () => {
  it('writes IPv4 literals as 4 bytes and IPv6 literals as 16', () => {
    expect([...ipBytes('127.0.0.1')]).toEqual([127, 0, 0, 1]);
    expect([...ipBytes('::1')]).toEqual([...Array(15).fill(0), 1]);
    expect([...ipBytes('::')]).toEqual(Array(16).fill(0));
    expect([...ipBytes('fe80::')]).toEqual([0xfe, 0x80, ...Array(14).fill(0)]);
    expect([...ipBytes('[fe80::1%eth0]')]).toEqual([0xfe, 0x80, ...Array(13).fill(0), 1]);
    expect([...ipBytes('1:2:3:4:5:6:7:ffff')]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0xff, 0xff]);
    expect([...ipBytes('2001:db8::8:800:200c:417a')]).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a,
    ]);
    expect([...ipBytes('::ffff:192.0.2.1')]).toEqual([...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1]);
  });

  it('refuses what is not an IP address', () => {
    expect(() => ipBytes('localhost')).toThrow('not an IP address: localhost');
    expect(() => ipBytes('1::2::3')).toThrow('not an IP address: 1::2::3');
  });
});

describe('certificates', () => {
  it('are valid from a day before they are made for ten years', () => {
    const now = new Date('2026-11-23T05:20:57Z');
    expect(defaultValidity(now)).toEqual({
      notBefore: new Date('2026-11-22T05:20:57Z'),
      notAfter: new Date('2036-11-20T05:20:57Z'),
    });
  });

  it('carry their dates exactly, past 2049 too (GeneralizedTime)', async () => {
    const validity = { notBefore: new Date('2049-12-31T23:59:59Z'), notAfter: new Date('2060-01-01T00:00:00Z') };
    const authority = await createAuthority('CA', { validity });
    const ca = new X509Certificate(authority.cert);
    expect(ca.validFrom).toBe('Dec 31 23:59:59 2049 GMT');
    expect(ca.validTo).toBe('Jan  1 00:00:00 2060 GMT');
    const leaf = new X509Certificate((await authority.issue({ commonName: 'x', usage: 'client' })).cert);
    expect(leaf.validTo).toBe('Jan  1 00:00:00 2060 GMT');
  });

  it('from an authority: a server certificate for the host names and addresses given, issued by it', async () => {
    const authority = await createAuthority('Local CA');
    const ca = new X509Certificate(authority.cert);
    expect(ca.subject).toBe('O=sms-mock\nCN=Local CA');
    expect(ca.ca).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(authority.key))).toBe(true);
    const server = await authority.issue({
      commonName: 'sms-mock',
      usage: 'server',
      hosts: ['localhost', '127.0.0.1', '::1', 'mock.example', 'localhost'],
    });
    const cert = new X509Certificate(server.cert);
    expect(cert.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:mock.example',
    );
    expect(cert.checkHost('mock.example')).toBe('mock.example');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkIP('127.0.0.2')).toBeUndefined();
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(server.key))).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('self-signed: its own issuer, for the usage given', async () => {
    const pair = await createSelfSigned({ commonName: 'agent', usage: 'client' });
    const cert = new X509Certificate(pair.cert);
    expect(cert.subject).toBe('O=sms-mock\nCN=agent');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.subjectAltName).toBeUndefined();
  });

  it('cut a common name or unit to the 64 characters X.520 allows', async () => {
    const pair = await createSelfSigned({ commonName: 'c'.repeat(80), unit: 'u'.repeat(255), usage: 'server' });
    expect(new X509Certificate(pair.cert).subject).toBe(`O=sms-mock\nOU=${'u'.repeat(64)}\nCN=${'c'.repeat(64)}`);
  });
});

describe('the certificate made for --tls', () => {
  it('names localhost, the loopback addresses and the host listened on', () => {
    expect(serverHosts('127.0.0.1')).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(serverHosts('mock.internal')).toEqual(['localhost', '127.0.0.1', '::1', 'mock.internal']);
    expect(serverHosts('[::1]')).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(serverHosts('192.0.2.7')).toEqual(['localhost', '127.0.0.1', '::1', '192.0.2.7']);
  });

  it("names the machine's name when it listens on every interface", () => {
    for (const host of ['0.0.0.0', '::', '[::]']) {
      expect(serverHosts(host)).toEqual(['localhost', '127.0.0.1', '::1', hostname()].filter(unique));
    }
  });

  it('is issued by a CA made with it, and serves TLS with its key', async () => {
    const made = await generateServerCredentials('mock.internal');
    const ca = new X509Certificate(made.ca as string);
    const cert = new X509Certificate(made.cert);
    expect(ca.subject).toBe('O=sms-mock\nCN=sms-mock local CA');
    expect(cert.subject).toBe('O=sms-mock\nCN=sms-mock');
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkHost('mock.internal')).toBe('mock.internal');
    expect(credentialsProblem(made.cert, made.key)).toBeUndefined();
    const other = await generateServerCredentials('127.0.0.1');
    expect(credentialsProblem(made.cert, other.key)).toMatch(/key values mismatch/);
    expect(credentialsProblem('not a certificate', made.key)).toMatch(/no start line/);
  });
});

function unique(value: string, index: number, list: string[]): boolean {
  return list.indexOf(value) === index;
}
