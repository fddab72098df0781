// A migration agent scripted in Node against the sms-mock command serving HTTPS (--tls on 127.0.0.1), trusting only
// the CA the command wrote: ShowConfig, RegisterServer, ShowCommand with nothing to do; a console creates and starts a
// task; START with the task id; ShowCertKey's certificates in a real TLS handshake between the agent's source side and
// a target; a progress report through every subtask of the task's plan; the START result, then TASK_HAS_FINISHED. A
// second task: START, stop, STOP, its result settling the task in ABORT, started again (resumed): START. Then the
// database file, once the command stopped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, runCli, within } from './process.js';

/** The listening line of the command serving HTTPS: its URL and the CA file. */
const LISTENING = /sms-mock listening on (https:\/\/\S+) \(CA certificate: (.+)\)\n/;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

let child: Child;
let dir: string;
let url: string;
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sms-mock-agent-https-'));
  child = await runCli(['--tls', '--tls-ca-out', join(dir, 'ca.pem'), '--host', '127.0.0.1', '--port', '0'], {
    ready: LISTENING,
    env: { SMS_MOCK_DB: join(dir, 'state.db') },
  });
  const match = LISTENING.exec(child.stderr()) as RegExpExecArray;
  url = match[1] as string;
  ca = readFileSync(match[2] as string, 'utf8');
});
afterAll(async () => {
  if (child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill('SIGTERM');
    await child.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** One call of the emulated API over HTTPS, trusting only the CA the command wrote, with a token as a console sends. */
function call(method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'x-auth-token': 'agent-token' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = request(`${url}${path}`, { method, ca, headers, agent: false, timeout: 10_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Answer['body']) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A call that must answer 200: its body. */
async function ok(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const answer = await call(method, path, body);
  expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body;
}

interface Bundle {
  cert: string;
  private_key: string;
  ca: string;
  target_mgmt_cert: string;
  target_mgmt_private_key: string;
  target_data_cert: string;
  target_data_private_key: string;
}

/**
 * The target's data channel (a TLS server on 127.0.0.1 that requires a client certificate from the task's CA) and the
 * agent's source side connecting to it with the task's source certificate: resolves with what each side saw of the
 * other once the source read the target's line.
 */
async function dataChannel(bundle: Bundle): Promise<{ target: string; source: string; authorized: boolean }> {
  let source = '';
  let authorized = false;
  const target = createServer(
    {
      cert: bundle.target_data_cert,
      key: bundle.target_data_private_key,
      ca: bundle.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      source = String(socket.getPeerCertificate().subject?.CN ?? '');
      authorized = socket.authorized;
      socket.end('ready for data\n');
    },
  );
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const { port } = target.address() as AddressInfo;
  try {
    const seen = await new Promise<string>((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        cert: bundle.cert,
        key: bundle.private_key,
        ca: bundle.ca,
        timeout: 5000,
      });
      let subject = '';
      let text = '';
      socket.on('secureConnect', () => {
        subject = String(socket.getPeerCertificate().subject?.CN ?? '');
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('timeout', () => socket.destroy(new Error('the data channel timed out')));
      socket.on('error', reject);
      socket.on('end', () => (text === 'ready for data\n' ? resolve(subject) : reject(new Error(`read '${text}'`))));
    });
    return { target: seen, source, authorized };
  } finally {
    await new Promise((resolve) => target.close(resolve));
  }
}

/** What the agent registers: a Linux server with one disk. */
const SOURCE = {
  name: 'agent-https-01',
  ip: '192.168.0.10',
  os_type: 'LINUX',
  os_version: 'CENTOS_7_9_64BIT',
  agent_version: '25.2.0',
  firmware: 'BIOS',
  boot_loader: 'GRUB',
  has_rsync: true,
  paravirtualization: true,
  raw_devices: '',
  volume_groups: [],
  btrfs_list: [],
  cpu_quantity: 2,
  memory: 4018196480,
  disks: [{ name: '/dev/vda', device_use: 'BOOT', partition_style: 'MBR', size: 42949672960, used_size: 12884901888 }],
  networks: [{ name: 'eth0', ip: '192.168.0.10', mac: 'fa:16:3e:00:00:01' }],
};

/** What the console creates for the agent's server. */
const taskBody = (sourceId: string, name: string) => ({
  name,
  type: 'MIGRATE_FILE',
  os_type: 'LINUX',
  region_name: 'cn-north-4',
  region_id: 'cn-north-4',
  project_name: 'cn-north-4',
  project_id: '0a1b2c',
  source_server: { id: sourceId },
  vm_template_id: 'tpl-1',
  target_server: { disks: [{ name: '/dev/vda', size: 42949672960, device_use: 'BOOT' }] },
});

const poll = (sourceId: string) => ok('GET', `/v3/sources/${sourceId}/command`);
const action = (taskId: string, operation: string) => ok('POST', `/v3/tasks/${taskId}/action`, { operation });
const result = (sourceId: string, command: string, outcome = 'success') =>
  ok('POST', `/v3/sources/${sourceId}/command_result`, {
    command_name: command,
    result: outcome,
    result_detail: {},
  });
const showTask = (taskId: string) => ok('GET', `/v3/tasks/${taskId}`);

describe('a scripted agent against sms-mock over HTTPS', () => {
  let sourceId: string;
  let firstTask: string;

  it('refuses a client that does not trust the CA the command wrote', async () => {
    const answer = await new Promise<unknown>((resolve) => {
      const req = request(`${url}/v3/config`, { headers: { 'x-auth-token': 't' }, agent: false }, resolve);
      req.on('error', resolve);
      req.end();
    });
    expect(answer).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('reads its configuration, registers, and has nothing to do', async () => {
    const config = await ok('GET', '/v3/config');
    expect(Object.keys(config)).toEqual(['config', 'regions']);
    expect(config.config).toMatchObject({ agent_timeout: '300', command_interval: '60' });
    const registered = await ok('POST', '/v3/sources', SOURCE);
    sourceId = registered.id as string;
    expect(sourceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await poll(sourceId)).toEqual({ command_name: 'TASK_NOT_STARTED', command_param: null });
  });

  it('gets START with the task id once a console creates and starts a task', async () => {
    firstTask = (await ok('POST', '/v3/tasks', taskBody(sourceId, 'agent-https-first'))).id as string;
    expect(await poll(sourceId)).toEqual({ command_name: 'TASK_NOT_STARTED', command_param: { task_id: firstTask } });
    await action(firstTask, 'start');
    expect(await poll(sourceId)).toEqual({ command_name: 'START', command_param: { task_id: firstTask } });
    expect(await showTask(firstTask)).toMatchObject({ state: 'RUNNING', connected: true });
  });

  it("secures the channel to the target with the task's certificates: a real TLS handshake", async () => {
    const bundle = (await ok('GET', `/v3/tasks/${firstTask}/certkey?enable_ca_cert=true`)) as unknown as Bundle;
    expect(Object.keys(bundle)).toEqual([
      'cert',
      'private_key',
      'ca',
      'target_mgmt_cert',
      'target_mgmt_private_key',
      'target_data_cert',
      'target_data_private_key',
    ]);
    expect(await dataChannel(bundle)).toEqual({ target: 'SMS target data', source: 'SMS source', authorized: true });
    // Asked again (an agent restarting), the same certificates.
    expect(await ok('GET', `/v3/tasks/${firstTask}/certkey?enable_ca_cert=true`)).toEqual(bundle);
  });

  it('reports progress through every subtask of its plan; the task finishes; after its START result, TASK_HAS_FINISHED', async () => {
    const plan = ((await showTask(firstTask)).sub_tasks as { name: string }[]).map((subtask) => subtask.name);
    expect(plan).toEqual([
      'CREATE_CLOUD_SERVER',
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CONFIGURE_LINUX_FILE',
      'DETTACH_AGENT_IMAGE',
    ]);
    const total = 12884901888;
    for (const name of plan) {
      const steps = name === 'MIGRATE_LINUX_FILE' ? [25, 50, 100] : [100];
      for (const progress of steps) {
        const report = {
          subtask_name: name,
          progress,
          replicatesize: Math.round((total * progress) / 100),
          totalsize: total,
          process_trace: `${name} ${progress}%`,
          migrate_speed: 98.5,
        };
        expect(await ok('PUT', `/v3/tasks/${firstTask}/progress`, report)).toEqual({});
      }
    }
    const finished = await showTask(firstTask);
    expect(finished).toMatchObject({ state: 'MIGRATE_SUCCESS', finish_date: expect.any(Number) });
    expect((finished.sub_tasks as { progress: number }[]).map((subtask) => subtask.progress)).toEqual(
      plan.map(() => 100),
    );
    // The START stays the command in force until the agent reports it.
    expect(await poll(sourceId)).toEqual({ command_name: 'START', command_param: { task_id: firstTask } });
    expect(await result(sourceId, 'START')).toEqual({});
    expect(await poll(sourceId)).toEqual({
      command_name: 'TASK_HAS_FINISHED',
      command_param: { task_id: firstTask },
    });
    // Every report stored, in the order sent.
    const { samples } = (await ok('GET', `/_mock/tasks/${firstTask}/progress`)) as {
      samples: { subtask_name: string; progress: number }[];
    };
    expect(samples.map((sample) => `${sample.subtask_name} ${sample.progress}`)).toEqual(
      plan.flatMap((name) =>
        name === 'MIGRATE_LINUX_FILE' ? [`${name} 25`, `${name} 50`, `${name} 100`] : [`${name} 100`],
      ),
    );
  });

  it('a second task: START, stop, STOP and its result settle it in ABORT; started again, START', async () => {
    // The finished task goes, as a console deletes it, so that the server can be migrated again.
    expect((await call('DELETE', `/v3/tasks/${firstTask}`)).status).toBe(200);
    const second = (await ok('POST', '/v3/tasks', taskBody(sourceId, 'agent-https-second'))).id as string;
    await action(second, 'start');
    expect(await poll(sourceId)).toEqual({ command_name: 'START', command_param: { task_id: second } });
    expect(await result(sourceId, 'START')).toEqual({});
    expect(
      await ok('PUT', `/v3/tasks/${second}/progress`, {
        subtask_name: 'CREATE_CLOUD_SERVER',
        progress: 100,
        replicatesize: 0,
        totalsize: 12884901888,
        process_trace: 'created',
      }),
    ).toEqual({});

    // The agent is live: the stop waits for it.
    await action(second, 'stop');
    expect(await showTask(second)).toMatchObject({ state: 'ABORTING' });
    expect(await poll(sourceId)).toEqual({ command_name: 'STOP', command_param: { task_id: second } });
    expect(await result(sourceId, 'STOP')).toEqual({});
    expect(await showTask(second)).toMatchObject({ state: 'ABORT', connected: true });
    expect(await ok('GET', `/v3/sources/${sourceId}`)).toMatchObject({ state: 'stopped', connected: true });
    expect(await poll(sourceId)).toEqual({ command_name: 'TASK_HAS_STOPPED', command_param: { task_id: second } });

    // Resumed: START again, the subtask done before the stop still done.
    await action(second, 'start');
    expect(await poll(sourceId)).toEqual({ command_name: 'START', command_param: { task_id: second } });
    const resumed = await showTask(second);
    expect(resumed).toMatchObject({ state: 'RUNNING' });
    expect((resumed.sub_tasks as { name: string; progress: number }[])[0]).toMatchObject({
      name: 'CREATE_CLOUD_SERVER',
      progress: 100,
    });
  });

  it('answered every call over HTTPS without a refusal', async () => {
    const refused = await ok('GET', '/_mock/requests?status=4xx');
    expect(refused).toMatchObject({ count: 0 });
    const failed = await ok('GET', '/_mock/requests?status=5xx');
    expect(failed).toMatchObject({ count: 0 });
  });

  it('leaves in its database the second task running with START pending, and no keys of the deleted task', async () => {
    child.process.kill('SIGTERM');
    expect(await within(child.exited, 15_000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'ca.pem'))).toBe(false);
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT name, state, agent_command FROM tasks').all()).toEqual([
        { name: 'agent-https-second', state: 'RUNNING', agent_command: 'START' },
      ]);
      expect(db.prepare('SELECT COUNT(*) FROM task_keys').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM progress_samples WHERE task_id = ?').pluck().get(firstTask)).toBe(0);
    } finally {
      db.close();
    }
  });
});
