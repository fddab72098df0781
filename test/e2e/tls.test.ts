// The sms-mock command serving HTTPS: --tls with the CA it made written where the listening line says, clients that
// trust it and clients that do not, --tls-cert/--tls-key with a certificate of one's own, and the refusals of flags
// that do not go together. Each start costs a second or two of CPU: the checks that can share one command do.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createAuthority } from '../../src/lib/certificates.js';
import { sampleTask, TOKEN } from '../helpers.js';
import { type Child, runCli, runCliToEnd, within } from './process.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The listening line of a command serving HTTPS: its URL, and the CA file when it names one. */
const LISTENING = /sms-mock listening on (https:\/\/\S+)(?: \(CA certificate: (.+)\))?\n/;

interface TlsChild {
  child: Child;
  url: string;
  caFile: string | undefined;
}

/** Starts the command and waits for its listening line; killed after the test (or the file) if still running. */
async function startTls(args: string[], env: Record<string, string> = {}): Promise<TlsChild> {
  const child = await runCli(args, { env, ready: LISTENING });
  const stop = () => {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  };
  cleanups.push(stop);
  const match = LISTENING.exec(child.stderr()) as RegExpExecArray;
  return { child, url: match[1] as string, caFile: match[2] };
}

interface Answer {
  status: number;
  body: string;
}

/** An HTTPS request that trusts only `ca` (none: Node's own roots). */
function fetchTls(
  url: string,
  ca: string | Buffer | undefined,
  { method = 'GET', body, headers = {} }: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: { ...TOKEN, ...headers }, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The certificate the server shows, as node:crypto reads it. */
function serverCertificate(url: string): Promise<X509Certificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.on('error', reject);
  });
}

describe('--tls: HTTPS with a certificate made at start', () => {
  let server: TlsChild;
  let dir: string;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sms-mock-tls-'));
    const child = await runCli(['--tls', '--tls-ca-out', join(dir, 'ca.pem'), '--port', '0', '--db', ':memory:'], {
      ready: LISTENING,
    });
    const match = LISTENING.exec(child.stderr()) as RegExpExecArray;
    server = { child, url: match[1] as string, caFile: match[2] };
    ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  });
  afterAll(() => {
    if (server.child.process.exitCode === null) server.child.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('says its https URL and where the CA is in the listening line, and wrote the CA there', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.caFile).toBe(join(dir, 'ca.pem'));
    expect(server.child.stderr()).toBe(
      `sms-mock listening on ${server.url} (CA certificate: ${join(dir, 'ca.pem')})\n`,
    );
    const authority = new X509Certificate(ca);
    expect(authority.ca).toBe(true);
    expect(authority.subject).toBe('O=sms-mock\nCN=sms-mock local CA');
  });

  it('serves a certificate for localhost, 127.0.0.1 and ::1 issued by that CA', async () => {
    const cert = await serverCertificate(server.url);
    expect(cert.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('answers a client that trusts the CA, by address and by name', async () => {
    expect(await fetchTls(`${server.url}/_mock/health`, ca)).toMatchObject({ status: 200 });
    const byName = server.url.replace('127.0.0.1', 'localhost');
    const root = await fetchTls(`${byName}/`, ca);
    expect(root.status).toBe(200);
    expect(JSON.parse(root.body)).toMatchObject({ name: 'sms-mock', health: '/_mock/health' });
  });

  it('fails verification for a client that does not trust it, or trusts another CA', async () => {
    await expect(fetchTls(`${server.url}/_mock/health`, undefined)).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    const other = await createAuthority('another CA');
    await expect(fetchTls(`${server.url}/_mock/health`, other.cert)).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('serves the emulated API and /_mock the same: seed, ShowTask, the journal, reset', async () => {
    const put = await fetchTls(`${server.url}/_mock/tasks/task-1`, ca, {
      method: 'PUT',
      body: JSON.stringify(sampleTask('task-1')),
      headers: { 'content-type': 'application/json' },
    });
    expect(put.status).toBe(200);
    const shown = await fetchTls(`${server.url}/v3/tasks/task-1`, ca);
    expect(shown.status).toBe(200);
    expect(JSON.parse(shown.body)).toMatchObject({ id: 'task-1', state: 'READY' });
    const keys = await fetchTls(`${server.url}/v3/tasks/task-1/certkey?enable_ca_cert=true`, ca);
    expect(keys.status).toBe(200);
    expect(Object.keys(JSON.parse(keys.body))).toHaveLength(7);
    const journal = await fetchTls(`${server.url}/_mock/requests?operation=ShowTask`, ca);
    expect(JSON.parse(journal.body)).toMatchObject({ count: 1 });
    const openapi = JSON.parse((await fetchTls(`${server.url}/openapi.json`, ca)).body) as { servers: unknown };
    expect(openapi.servers).toEqual([{ url: server.url, description: 'This server' }]);
    expect((await fetchTls(`${server.url}/_mock/reset`, ca, { method: 'POST' })).status).toBe(204);
    expect((await fetchTls(`${server.url}/v3/tasks/task-1`, ca)).status).toBe(404);
    const unsigned = await fetchTls(`${server.url}/v3/tasks/task-1`, ca, { headers: { 'x-auth-token': '' } });
    expect(unsigned.status).toBe(401);
  });
});

describe('--tls: the CA file', () => {
  it('goes to the OS temp folder by default, named by the process, and is removed on SIGTERM', async () => {
    const { child, url, caFile } = await startTls(['--tls', '--port', '0', '--db', ':memory:']);
    const expected = join(tmpdir(), `sms-mock-${child.process.pid}-ca.pem`);
    expect(caFile).toBe(expected);
    const ca = readFileSync(expected, 'utf8');
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect((await fetchTls(`${url}/_mock/health`, ca)).status).toBe(200);
    child.process.kill('SIGTERM');
    expect(await within(child.exited, 15_000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(expected)).toBe(false);
  });

  it('is named by the variables too, and is a new CA at every start', async () => {
    const dir = tempDir();
    const file = join(dir, 'trust.pem');
    const first = await startTls(['--port', '0', '--db', ':memory:'], {
      SMS_MOCK_TLS: 'true',
      SMS_MOCK_TLS_CA_OUT: file,
    });
    expect(first.caFile).toBe(file);
    const ca = readFileSync(file, 'utf8');
    expect((await fetchTls(`${first.url}/_mock/health`, ca)).status).toBe(200);
    first.child.process.kill('SIGTERM');
    await within(first.child.exited, 15_000, 'exit after SIGTERM');
    expect(existsSync(file)).toBe(false);

    const second = await startTls(['--tls', '--tls-ca-out', file, '--port', '0', '--db', ':memory:']);
    const again = readFileSync(file, 'utf8');
    expect(again).not.toBe(ca);
    await expect(fetchTls(`${second.url}/_mock/health`, ca)).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect((await fetchTls(`${second.url}/_mock/health`, again)).status).toBe(200);
  });
});

describe("--tls-cert and --tls-key: HTTPS with a certificate of one's own", () => {
  it('serves the certificate given, trusted through its own CA, and names no CA file', async () => {
    const dir = tempDir();
    const authority = await createAuthority('Team CA');
    const given = await authority.issue({ commonName: 'mock.test', usage: 'server', hosts: ['127.0.0.1'] });
    writeFileSync(join(dir, 'server.pem'), given.cert);
    writeFileSync(join(dir, 'server.key'), given.key);
    const { child, url, caFile } = await startTls([
      '--tls-cert',
      join(dir, 'server.pem'),
      '--tls-key',
      join(dir, 'server.key'),
      '--port',
      '0',
      '--db',
      ':memory:',
    ]);
    expect(caFile).toBeUndefined();
    expect(child.stderr()).toBe(`sms-mock listening on ${url}\n`);
    expect((await serverCertificate(url)).serialNumber).toBe(new X509Certificate(given.cert).serialNumber);
    expect((await fetchTls(`${url}/_mock/health`, authority.cert)).status).toBe(200);
    await expect(fetchTls(`${url}/_mock/health`, undefined)).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('a key that is not the certificate’s, or a file that is missing, stops the start with one line (exit 1)', async () => {
    const dir = tempDir();
    const authority = await createAuthority('Team CA');
    const one = await authority.issue({ commonName: 'one', usage: 'server', hosts: ['127.0.0.1'] });
    const two = await authority.issue({ commonName: 'two', usage: 'server', hosts: ['127.0.0.1'] });
    const cert = join(dir, 'one.pem');
    const key = join(dir, 'two.key');
    writeFileSync(cert, one.cert);
    writeFileSync(key, two.key);
    const db = join(dir, 'state.db');
    const mismatch = await runCliToEnd(['--tls-cert', cert, '--tls-key', key, '--port', '0', '--db', db]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(
      new RegExp(
        `^sms-mock: cannot serve TLS with ${cert} and ${key}: .*key values mismatch; check --tls-cert and --tls-key\\n$`,
      ),
    );
    expect(existsSync(db)).toBe(false);

    const missing = await runCliToEnd(['--tls-cert', join(dir, 'nope.pem'), '--tls-key', key, '--port', '0']);
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `sms-mock: cannot read ${join(dir, 'nope.pem')}: no such file; check --tls-cert\n`,
    });
  });
});

describe('TLS flags that do not go together: refused before anything starts', () => {
  const refusals: [string[], Record<string, string>, string][] = [
    [['--tls-cert', 'a.pem'], {}, '--tls-cert needs --tls-key (its key)'],
    [['--tls-key', 'a.key'], {}, '--tls-key needs --tls-cert (its certificate)'],
    [['--tls-ca-out', 'ca.pem'], {}, '--tls-ca-out needs --tls'],
    [
      ['--tls-cert', 'a.pem', '--tls-key', 'a.key', '--tls-ca-out', 'ca.pem'],
      {},
      '--tls-ca-out writes the CA made by --tls: there is none with --tls-cert',
    ],
    [[], { SMS_MOCK_TLS: 'maybe' }, "SMS_MOCK_TLS must be true or false, got 'maybe'"],
    [[], { SMS_MOCK_TLS_CERT: 'a.pem' }, 'SMS_MOCK_TLS_CERT needs --tls-key (its key)'],
    [
      ['--tls-ca-out', 'ca.pem'],
      { SMS_MOCK_TLS_CERT: 'a.pem', SMS_MOCK_TLS_KEY: 'a.key' },
      '--tls-ca-out writes the CA made by --tls: there is none with SMS_MOCK_TLS_CERT',
    ],
  ];
  it.each(refusals)('%j %j', (args, env, message) => {
    expect(() => loadConfig(args, env)).toThrow(new ConfigError(message));
  });

  it('reads the flags and their variables, a flag winning', () => {
    const config = (args: string[], env: Record<string, string> = {}) => {
      const parsed = loadConfig(args, env);
      if (parsed.help || parsed.version) throw new Error('not a start');
      const { tls, tlsCert, tlsKey, tlsCaOut } = parsed.config;
      return { tls, tlsCert, tlsKey, tlsCaOut };
    };
    expect(config([])).toEqual({ tls: false, tlsCert: undefined, tlsKey: undefined, tlsCaOut: undefined });
    expect(config(['--tls'])).toEqual({ tls: true, tlsCert: undefined, tlsKey: undefined, tlsCaOut: undefined });
    expect(config([], { SMS_MOCK_TLS: '1', SMS_MOCK_TLS_CA_OUT: 'env.pem' })).toMatchObject({ tlsCaOut: 'env.pem' });
    expect(config(['--tls-ca-out', 'flag.pem'], { SMS_MOCK_TLS: '1', SMS_MOCK_TLS_CA_OUT: 'env.pem' })).toMatchObject({
      tlsCaOut: 'flag.pem',
    });
    expect(config([], { SMS_MOCK_TLS_CERT: 'c.pem', SMS_MOCK_TLS_KEY: 'k.pem' })).toEqual({
      tls: true,
      tlsCert: 'c.pem',
      tlsKey: 'k.pem',
      tlsCaOut: undefined,
    });
  });

  it('the command exits 2 with the message and the usage', async () => {
    const result = await runCliToEnd(['--tls-cert', 'a.pem', '--port', '0', '--db', ':memory:']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^sms-mock: --tls-cert needs --tls-key \(its key\)\n\nUsage: sms-mock/);
    expect(result.stderr).toContain('--tls-ca-out FILE');
  });
});
