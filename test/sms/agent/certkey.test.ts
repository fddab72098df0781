import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config.js';
import { createCore } from '../../../src/core.js';
import { openDatabase } from '../../../src/db/database.js';
import { type BundleRequest, type CertKeyBundle, createCertKeyService } from '../../../src/sms/agent/certkey.js';
import { api, dbSnapshot, sampleTask, TestClock, useTestApp } from '../../helpers.js';

const t = useTestApp(
  {},
  {
    seed: [
      sampleTask('task-1'),
      sampleTask('task-2'),
      {
        ...sampleTask('task-ip'),
        target_server: { ...(sampleTask('task-ip').target_server as object), ip: '192.0.2.10' },
      },
    ],
  },
);

const FIELDS = [
  'cert',
  'private_key',
  'ca',
  'target_mgmt_cert',
  'target_mgmt_private_key',
  'target_data_cert',
  'target_data_private_key',
];

const show = (id = 'task-1', query = '?enable_ca_cert=true') =>
  api(t.app, { method: 'GET', url: `/v3/tasks/${id}/certkey${query}` });

async function bundleOf(id = 'task-1', query = '?enable_ca_cert=true'): Promise<CertKeyBundle> {
  const response = await show(id, query);
  expect(response.statusCode).toBe(200);
  return response.json() as CertKeyBundle;
}

const storedKeys = (id = 'task-1') =>
  t.db.prepare('SELECT * FROM task_keys WHERE task_id = ? ORDER BY with_ca').all(id) as Record<string, unknown>[];

const certOf = (pem: string | null) => new X509Certificate(pem as string);
const keyOf = (pem: string): KeyObject => createPrivateKey(pem);

/** The subject alternative names node:crypto prints, as a list. */
const altNames = (cert: X509Certificate) => (cert.subjectAltName ?? '').split(', ');

/** The certificate's extended key usages (OIDs). */
const purposes = (cert: X509Certificate) => cert.keyUsage ?? [];
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

interface Side {
  readonly cert: string;
  readonly key: string;
  /** What this side trusts. */
  readonly ca: string;
}

/**
 * A TLS server on 127.0.0.1 that requires a client certificate, and a client connecting to it: resolves with what
 * each side saw once the client read the server's line, or rejects with the client's error, saying whether the
 * server accepted the connection and what it saw.
 */
async function handshake(server: Side, client: Side): Promise<{ peerSubject: string; clientSubject: string }> {
  let clientSubject = '';
  let accepted = false;
  const listener = createServer(
    { cert: server.cert, key: server.key, ca: server.ca, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      accepted = true;
      clientSubject = String(socket.getPeerCertificate().subject?.CN ?? '');
      socket.end('hello from the target\n');
    },
  );
  // With TLS 1.3 the client finishes its handshake before the server checks the client's certificate: a refused one
  // shows on the client only as a connection that ends, and as a connection the server never accepted.
  let serverError: Error | undefined;
  listener.on('tlsClientError', (error) => {
    serverError = error;
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const socket: TLSSocket = connect({
        host: '127.0.0.1',
        port,
        cert: client.cert,
        key: client.key,
        ca: client.ca,
        timeout: 5000,
      });
      let received = '';
      let clientError: Error | undefined;
      let peerSubject = '';
      socket.on('secureConnect', () => {
        peerSubject = String(socket.getPeerCertificate().subject?.CN ?? '');
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('timeout', () => socket.destroy(new Error('timed out')));
      socket.on('error', (error) => {
        clientError = error;
      });
      // Decided once the connection is gone, so that a server's refusal is there to be read.
      socket.on('close', () => {
        if (received === 'hello from the target\n' && clientError === undefined) {
          resolve({ peerSubject, clientSubject });
        } else {
          const error = clientError ?? new Error(`the connection ended before the server's line: '${received}'`);
          reject(Object.assign(error, { accepted, serverError }));
        }
      });
    });
  } finally {
    await new Promise((resolve) => listener.close(resolve));
  }
}

describe('GET /v3/tasks/{task_id}/certkey (ShowCertKey)', () => {
  it('answers the seven fields, each a PEM certificate or private key that node:crypto reads', async () => {
    const response = await show();
    expect(response.statusCode).toBe(200);
    const body = response.json() as CertKeyBundle;
    expect(Object.keys(body)).toEqual(FIELDS);
    for (const field of ['cert', 'ca', 'target_mgmt_cert', 'target_data_cert'] as const) {
      expect(body[field]).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
      expect(certOf(body[field]).publicKey.asymmetricKeyType).toBe('ec');
    }
    for (const field of ['private_key', 'target_mgmt_private_key', 'target_data_private_key'] as const) {
      expect(body[field]).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
      expect(keyOf(body[field]).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    }
  });

  it("issues the source certificate for client auth and the target's for server auth from the task's CA", async () => {
    const body = await bundleOf();
    const ca = certOf(body.ca);
    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.subject).toBe('O=sms-mock\nOU=task-1\nCN=SMS task CA');
    const source = certOf(body.cert);
    const management = certOf(body.target_mgmt_cert);
    const data = certOf(body.target_data_cert);
    for (const cert of [source, management, data]) {
      expect(cert.ca).toBe(false);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.issuer).toBe(ca.subject);
      expect(new Date(cert.validFrom).getTime()).toBeLessThan(Date.now());
      expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 9 * 365 * 24 * 3600 * 1000);
    }
    expect(source.subject).toBe('O=sms-mock\nOU=task-1\nCN=SMS source');
    expect(purposes(source)).toEqual([CLIENT_AUTH]);
    expect(source.subjectAltName).toBeUndefined();
    expect(management.subject).toBe('O=sms-mock\nOU=task-1\nCN=SMS target management');
    expect(data.subject).toBe('O=sms-mock\nOU=task-1\nCN=SMS target data');
    for (const target of [management, data]) {
      expect(purposes(target)).toEqual([SERVER_AUTH]);
      expect(altNames(target)).toEqual(['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']);
      expect(target.checkHost('localhost')).toBe('localhost');
      expect(target.checkIP('127.0.0.1')).toBe('127.0.0.1');
    }
    // Four certificates, four keys: none shares a serial number or a public key.
    const certs = [ca, source, management, data];
    expect(new Set(certs.map((cert) => cert.serialNumber)).size).toBe(4);
    expect(new Set(certs.map((cert) => cert.publicKey.export({ type: 'spki', format: 'pem' }))).size).toBe(4);
  });

  it('gives each certificate the private key that matches it', async () => {
    const body = await bundleOf();
    expect(certOf(body.cert).checkPrivateKey(keyOf(body.private_key))).toBe(true);
    expect(certOf(body.target_mgmt_cert).checkPrivateKey(keyOf(body.target_mgmt_private_key))).toBe(true);
    expect(certOf(body.target_data_cert).checkPrivateKey(keyOf(body.target_data_private_key))).toBe(true);
    expect(certOf(body.cert).checkPrivateKey(keyOf(body.target_data_private_key))).toBe(false);
  });

  it('names the task target IP in the target certificates when the task has one', async () => {
    const body = await bundleOf('task-ip');
    for (const field of ['target_mgmt_cert', 'target_data_cert'] as const) {
      expect(altNames(certOf(body[field]))).toEqual([
        'DNS:localhost',
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
        'IP Address:192.0.2.10',
      ]);
    }
  });

  it('stores the bundle on the first request and answers the same bytes on every later one', async () => {
    expect(storedKeys()).toEqual([]);
    const first = await bundleOf();
    expect(storedKeys()).toEqual([{ task_id: 'task-1', with_ca: 1, ...first }]);
    expect(await bundleOf()).toEqual(first);
    // Other writes to the task leave it as it is.
    const report = await api(t.app, {
      method: 'PUT',
      url: '/v3/tasks/task-1/progress',
      payload: {
        subtask_name: 'CREATE_CLOUD_SERVER',
        progress: 50,
        replicatesize: 1,
        totalsize: 2,
        process_trace: 'x',
      },
    });
    expect(report.statusCode).toBe(200);
    const rename = await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1', payload: { name: 'renamed' } });
    expect(rename.statusCode).toBe(200);
    expect(await bundleOf()).toEqual(first);
    expect(storedKeys()).toEqual([{ task_id: 'task-1', with_ca: 1, ...first }]);
  });

  it('gives first requests that arrive together one bundle', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => show()));
    expect(answers.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const bodies = new Set(answers.map((response) => response.body));
    expect(bodies.size).toBe(1);
    expect(storedKeys()).toEqual([{ task_id: 'task-1', with_ca: 1, ...JSON.parse([...bodies][0] as string) }]);
  });

  it('gives every task its own bundle, and keeps the CA-issued and self-signed ones apart', async () => {
    const one = await bundleOf('task-1');
    const two = await bundleOf('task-2');
    for (const field of FIELDS as (keyof CertKeyBundle)[]) expect(two[field]).not.toBe(one[field]);
    expect(certOf(two.cert).verify(certOf(one.ca).publicKey)).toBe(false);
    const selfSigned = await bundleOf('task-1', '?enable_ca_cert=false');
    expect(selfSigned.cert).not.toBe(one.cert);
    expect(await bundleOf('task-1')).toEqual(one);
    expect(storedKeys('task-1').map((row) => row.with_ca)).toEqual([0, 1]);
  });

  it('answers self-signed certificates and a null ca with enable_ca_cert=false, and the same when it is left out', async () => {
    const response = await show('task-1', '?enable_ca_cert=false');
    expect(response.statusCode).toBe(200);
    const body = response.json() as CertKeyBundle;
    expect(Object.keys(body)).toEqual(FIELDS);
    expect(body.ca).toBeNull();
    const pairs = [
      [body.cert, body.private_key, CLIENT_AUTH],
      [body.target_mgmt_cert, body.target_mgmt_private_key, SERVER_AUTH],
      [body.target_data_cert, body.target_data_private_key, SERVER_AUTH],
    ] as const;
    for (const [pem, key, purpose] of pairs) {
      const cert = certOf(pem);
      expect(cert.checkIssued(cert)).toBe(true);
      expect(cert.verify(cert.publicKey)).toBe(true);
      expect(cert.checkPrivateKey(keyOf(key))).toBe(true);
      expect(purposes(cert)).toEqual([purpose]);
    }
    expect(storedKeys()).toEqual([{ task_id: 'task-1', with_ca: 0, ...body }]);
    expect(await bundleOf('task-1', '')).toEqual(body);
  });

  it('refuses an enable_ca_cert that is not a boolean and stores nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await show('task-1', '?enable_ca_cert=maybe');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error_code: 'SMS.2001',
      error_msg: 'Invalid request parameter: enable_ca_cert must be boolean',
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('answers 404 for an unknown task and stores nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await show('nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('leaves the ShowTask body as it was', async () => {
    const before = (await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).body;
    await bundleOf();
    expect((await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).body).toBe(before);
  });

  it('goes with its task: DeleteTask removes the keys, and the task made again gets new ones', async () => {
    const first = await bundleOf('task-1');
    await bundleOf('task-1', '?enable_ca_cert=false');
    await bundleOf('task-2');
    expect(storedKeys('task-1')).toHaveLength(2);
    const deleted = await api(t.app, { method: 'DELETE', url: '/v3/tasks/task-1' });
    expect(deleted.statusCode).toBe(200);
    expect(storedKeys('task-1')).toEqual([]);
    expect(storedKeys('task-2')).toHaveLength(1);
    expect((await show('task-1')).statusCode).toBe(404);
    await t.core.admin.putTasks([sampleTask('task-1')]);
    const again = await bundleOf('task-1');
    expect(again.ca).not.toBe(first.ca);
  });

  it('is emptied by a mock reset', async () => {
    await bundleOf('task-1');
    expect(storedKeys('task-1')).toHaveLength(1);
    const reset = await t.app.inject({ method: 'POST', url: '/_mock/reset' });
    expect(reset.statusCode).toBe(204);
    expect(t.db.prepare('SELECT COUNT(*) FROM task_keys').pluck().get()).toBe(0);
  });
});

describe('ShowCertKey certificates in a real TLS handshake', () => {
  const target = (body: CertKeyBundle, ca: string | null = body.ca): Side => ({
    cert: body.target_data_cert,
    key: body.target_data_private_key,
    ca: ca ?? body.cert,
  });
  const source = (body: CertKeyBundle, ca: string | null = body.ca): Side => ({
    cert: body.cert,
    key: body.private_key,
    ca: ca ?? body.target_data_cert,
  });

  it("connects the source (client certificate) to the target's data channel, both trusting the task's CA", async () => {
    const body = await bundleOf();
    await expect(handshake(target(body), source(body))).resolves.toEqual({
      peerSubject: 'SMS target data',
      clientSubject: 'SMS source',
    });
    // The management certificate serves as well.
    const management = { cert: body.target_mgmt_cert, key: body.target_mgmt_private_key, ca: body.ca as string };
    await expect(handshake(management, source(body))).resolves.toEqual({
      peerSubject: 'SMS target management',
      clientSubject: 'SMS source',
    });
  });

  it("fails when the source trusts another task's CA", async () => {
    const body = await bundleOf('task-1');
    const other = await bundleOf('task-2');
    // The target sends its chain up to its CA, which the source does not trust.
    await expect(handshake(target(body), source(body, other.ca))).rejects.toMatchObject({
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
  });

  it("fails when the source shows another task's certificate", async () => {
    const body = await bundleOf('task-1');
    const other = await bundleOf('task-2');
    const stranger: Side = { cert: other.cert, key: other.private_key, ca: body.ca as string };
    await expect(handshake(target(body), stranger)).rejects.toMatchObject({ accepted: false });
  });

  it('connects with self-signed certificates, each side trusting the other one', async () => {
    const body = await bundleOf('task-1', '?enable_ca_cert=false');
    await expect(handshake(target(body), source(body))).resolves.toEqual({
      peerSubject: 'SMS target data',
      clientSubject: 'SMS source',
    });
    const other = await bundleOf('task-2', '?enable_ca_cert=false');
    await expect(handshake(target(body), source(body, other.target_data_cert))).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });
});

describe('ShowCertKey service', () => {
  /** A core on an in-memory database with the tasks given; closed by the caller. */
  async function coreWith(ids: string[]) {
    const db = openDatabase({ path: ':memory:' });
    const core = createCore({
      config: { autoCreate: false, journalSize: DEFAULTS.journalSize, journalBytes: DEFAULTS.journalBytes },
      db,
      clock: new TestClock(),
      seed: ids.map((id) => sampleTask(id)),
    });
    await core.start();
    return core;
  }

  /** A bundle whose fields name the request and a number, so that tests can tell bundles apart. */
  const fake = (request: BundleRequest, n: number): CertKeyBundle => ({
    cert: `cert ${request.taskId} ${n}`,
    private_key: 'k',
    ca: request.withCa ? 'ca' : null,
    target_mgmt_cert: 'm',
    target_mgmt_private_key: 'mk',
    target_data_cert: 'd',
    target_data_private_key: 'dk',
  });

  it('makes one bundle for first requests that arrive together', async () => {
    const core = await coreWith(['task-1']);
    let made = 0;
    const service = createCertKeyService({
      db: core.db,
      writes: core.writes,
      newBundle: async (request) => fake(request, ++made),
    });
    const answers = await Promise.all([1, 2, 3].map(() => service.certKey('task-1', true)));
    expect(made).toBe(1);
    expect(answers).toEqual([fake({ taskId: 'task-1', withCa: true, targetIp: undefined }, 1), answers[0], answers[0]]);
    core.db.close();
  });

  it('keeps the bundle stored first when two are made at once, and answers it to both', async () => {
    const core = await coreWith(['task-1']);
    // Two services on one database, as two processes would be: each makes its own bundle.
    let made = 0;
    const options = {
      db: core.db,
      writes: core.writes,
      newBundle: async (request: BundleRequest) => fake(request, ++made),
    };
    const [one, two] = await Promise.all([
      createCertKeyService(options).certKey('task-1', true),
      createCertKeyService(options).certKey('task-1', true),
    ]);
    expect(made).toBe(2);
    expect(one).toEqual(two);
    expect(core.db.prepare('SELECT cert FROM task_keys').pluck().all()).toEqual([one?.cert]);
    core.db.close();
  });

  it('answers 404 when the task is deleted while its bundle is made, and stores nothing', async () => {
    const core = await coreWith(['task-1']);
    const service = createCertKeyService({
      db: core.db,
      writes: core.writes,
      newBundle: async (request) => {
        await core.admin.deleteTask('task-1');
        return fake(request, 1);
      },
    });
    await expect(service.certKey('task-1', true)).rejects.toMatchObject({
      detail: 'task-1',
      definition: { status: 404, code: 'SMS.2003' },
    });
    expect(core.db.prepare('SELECT COUNT(*) FROM task_keys').pluck().get()).toBe(0);
    core.db.close();
  });
});
