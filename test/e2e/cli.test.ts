// The sms-mock command as a CI job runs it: start-up failures, --help and --version, the listening line and port
// file, state files and variables given at start, reports acknowledged before a kill -9, and shutdown with a wait
// pending or a client that never finishes its request. Each start of the command costs a second or two of CPU: the
// checks that can share one running command do.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { operationIds } from '../../src/schemas/generated/operations.js';
import { StartError, startServer } from '../../src/server.js';

/** The operation names an unknown one is refused with, as the registry lists them. */
const KNOWN = [...operationIds].sort().join(', ');

import { PACKAGE } from '../../src/version.js';
import { type JournalBody, progressReport, type ShowTaskBody, sampleTask, TOKEN } from '../helpers.js';
import { type Child, runCli, runCliToEnd, within } from './process.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Kills the child at the end of the test if it is still running. */
function track(child: Child): Child {
  cleanups.push(() => {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  });
  return child;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const JSON_HEADERS = { ...TOKEN, 'content-type': 'application/json' };
const report = (progress: number) => JSON.stringify(progressReport({ progress }));

describe('start-up failures: one line on stderr, exit 1, nothing created', () => {
  it('a port already in use', async () => {
    const dir = tempDir();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const result = await runCliToEnd(['--port', String(port), '--db', join(dir, 'state.db')], { cwd: dir });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `sms-mock: port ${port} on 127.0.0.1 is already in use: stop what listens there, ` +
        'or choose another with --port (0 picks a free one)\n',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a database folder that does not exist', async () => {
    const dir = tempDir();
    const db = join(dir, 'missing', 'state.db');
    const result = await runCliToEnd(['--port', '0', '--db', db], { cwd: dir });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `sms-mock: cannot write ${db}: its directory does not exist (ENOENT); create it, or start with another --db\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a directory as the database', async () => {
    const dir = tempDir();
    const result = await runCliToEnd(['--port', '0'], { cwd: dir, env: { SMS_MOCK_DB: dir } });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `sms-mock: cannot open database ${dir}: it is a directory; give a file path with --db\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a file that is not a SQLite database, left untouched', async () => {
    const dir = tempDir();
    const file = join(dir, 'notes.txt');
    const content = 'these are notes, not a database\n'.repeat(10);
    writeFileSync(file, content);
    const result = await runCliToEnd(['--port', '0', '--db', file], { cwd: dir });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `sms-mock: cannot open database ${file}: it is not a SQLite database; give a new file or an sms-mock database with --db\n`,
    });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });

  it('a seed file that is not JSON', async () => {
    const dir = tempDir();
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, '{"tasks": [');
    const result = await runCliToEnd(['--port', '0', '--db', join(dir, 'state.db'), '--seed', seed], { cwd: dir });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `sms-mock: seed file ${seed} is not valid JSON: Unexpected end of JSON input\n`,
    });
    expect(readdirSync(dir)).toEqual(['seed.json']);
  });

  it('a fault file with a bad rule, naming the file and the rule', async () => {
    const dir = tempDir();
    const faults = join(dir, 'faults.json');
    const cases: [unknown, string][] = [
      [[{ effect: { type: 'drop' } }, { effect: { type: 'latency' } }], 'rule 1: a latency effect needs latency_ms'],
      [{ faults: [{ effect: { type: 'bogus' } }] }, 'rule 0: effect.type must be one of: error, latency, drop, empty'],
      [
        [{ operation: 'ListTemplates', effect: { type: 'drop' } }],
        `rule 0: operation 'ListTemplates' is not one of: ${KNOWN}`,
      ],
    ];
    const [first, ...others] = cases;
    if (!first) throw new Error('no cases');
    // The command prints what the start refused with; the other rules are checked on the same start in-process.
    writeFileSync(faults, JSON.stringify(first[0]));
    const result = await runCliToEnd(['--port', '0', '--db', join(dir, 'state.db'), '--faults', faults], {
      cwd: dir,
    });
    expect(result).toEqual({ code: 1, stdout: '', stderr: `sms-mock: fault file ${faults}: ${first[1]}\n` });
    expect(readdirSync(dir)).toEqual(['faults.json']);
    for (const [content, problem] of others) {
      writeFileSync(faults, JSON.stringify(content));
      const refused = startServer({ port: 0, db: join(dir, 'state.db'), faults });
      await expect(refused).rejects.toBeInstanceOf(StartError);
      await expect(refused).rejects.toThrow(`sms-mock: fault file ${faults}: ${problem}`);
      expect(readdirSync(dir)).toEqual(['faults.json']);
    }
  });

  it('a seed file with a task the schema refuses, naming the task', async () => {
    const dir = tempDir();
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify([{ id: 'ok' }, { id: 'bad', priority: 7 }]));
    const result = await runCliToEnd(['--port', '0', '--db', ':memory:', '--seed', seed], { cwd: dir });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `sms-mock: seed file ${seed}: task 'bad': priority must be one of: 0, 1, 2\n`,
    });
    expect(readdirSync(dir)).toEqual(['seed.json']);
  });

  it('a port file that cannot be written: the database it created is removed again', async () => {
    const dir = tempDir();
    const portFile = join(dir, 'nowhere', 'port');
    const result = await runCliToEnd(['--port', '0', '--db', join(dir, 'state.db'), '--port-file', portFile], {
      cwd: dir,
    });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `sms-mock: cannot write the port file ${portFile}: folder ${join(dir, 'nowhere')} does not exist; choose another --port-file\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a bad environment variable is named as such, a bad flag as a flag (exit 2)', async () => {
    const fromEnv = await runCliToEnd([], { env: { SMS_MOCK_PORT: 'eighty' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr.split('\n')[0]).toBe(
      "sms-mock: SMS_MOCK_PORT must be an integer from 0 to 65535, got 'eighty'",
    );
    const fromFlag = await runCliToEnd(['--port', 'eighty'], { env: { SMS_MOCK_PORT: '1' } });
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr.split('\n')[0]).toBe("sms-mock: --port must be an integer from 0 to 65535, got 'eighty'");
  }, 40_000);
});

describe('what a script needs', () => {
  it('--version and -v print the version and exit 0', async () => {
    for (const flag of ['--version', '-v']) {
      expect(await runCliToEnd([flag])).toEqual({ code: 0, stdout: `${PACKAGE.version}\n`, stderr: '' });
    }
  }, 40_000);

  it('--help prints the options and exits 0; an unknown flag exits 2 naming it', async () => {
    const help = await runCliToEnd(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('--auto-create');
    const unknown = await runCliToEnd(['--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
  }, 40_000);

  it('writes the bound port to --port-file, prints one listening line even when silent, and cleans up on exit', async () => {
    const dir = tempDir();
    const portFile = join(dir, 'port');
    const child = track(
      await runCli(['--port', '0', '--db', ':memory:', '--log-level', 'silent'], {
        cwd: dir,
        env: { SMS_MOCK_PORT_FILE: portFile },
      }),
    );
    const port = Number(new URL(child.url).port);
    expect(child.url).toBe(`http://127.0.0.1:${port}`);
    expect(readFileSync(portFile, 'utf8')).toBe(`${port}\n`);
    expect(readdirSync(dir)).toEqual(['port']);
    expect((await fetch(`http://127.0.0.1:${port}/_mock/health`)).status).toBe(200);
    child.process.kill('SIGTERM');
    expect(await within(child.exited, 5000, 'exit')).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toBe('');
    expect(child.stderr()).toBe(`sms-mock listening on ${child.url}\n`);
    expect(existsSync(portFile)).toBe(false);
  });
});

describe('one running command, put back by POST /_mock/reset before each test', () => {
  const faultRule = {
    operation: 'ShowTask',
    task_id: 'seeded',
    first: 1,
    effect: { type: 'error', preset: 'internal' },
  };
  const frozenAt = Date.UTC(2030, 0, 1);
  // Made and removed by this block's own hooks: the file's cleanups run after every test.
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-cli-'));
  let child: Child;
  beforeAll(async () => {
    const seed = join(dir, 'seed.json');
    const faults = join(dir, 'faults.json');
    writeFileSync(seed, JSON.stringify([sampleTask('from-seed'), { id: 'seeded', name: 'web-01' }]));
    writeFileSync(faults, JSON.stringify({ faults: [faultRule] }));
    child = await runCli(['--port', '0', '--journal-size', '2'], {
      cwd: dir,
      env: {
        SMS_MOCK_DB: ':memory:',
        SMS_MOCK_SEED: seed,
        SMS_MOCK_AUTO_CREATE: 'true',
        SMS_MOCK_FAULTS: faults,
        SMS_MOCK_CLOCK: '2030-01-01T00:00:00Z',
        SMS_MOCK_CLOCK_FROZEN: 'true',
        SMS_MOCK_CLOCK_RATE: '60',
      },
    });
  });
  afterAll(() => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const response = await fetch(`${child.url}/_mock/reset`, { method: 'POST' });
    expect(response.status).toBe(204);
  });

  it('loads a seed file and reads SMS_MOCK_* variables', async () => {
    const shown = await fetch(`${child.url}/v3/tasks/from-seed`, { headers: TOKEN });
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ id: 'from-seed', name: 'web-01', state: 'READY' });
    const created = await fetch(`${child.url}/v3/tasks/new-one/progress`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: report(5),
    });
    expect([created.status, await created.json()]).toEqual([200, {}]);
    const task = (await (await fetch(`${child.url}/v3/tasks/new-one`, { headers: TOKEN })).json()) as ShowTaskBody;
    expect([task.state, task.create_date, task.sub_tasks.map((s) => [s.name, s.progress])]).toEqual([
      'RUNNING',
      frozenAt,
      [['MIGRATE_LINUX_BLOCK', 5]],
    ]);
  });

  it('answers health, keeps --journal-size requests, and resets to its seed', async () => {
    const health = await fetch(`${child.url}/_mock/health`);
    expect([health.status, await health.json()]).toEqual([
      200,
      { status: 'ok', version: PACKAGE.version, uptime_ms: expect.any(Number), store: { ok: true } },
    ]);
    for (let i = 0; i < 3; i++) await fetch(`${child.url}/v3/tasks/from-seed`, { headers: TOKEN });
    const journal = (await (await fetch(`${child.url}/_mock/requests`)).json()) as JournalBody;
    expect(journal.requests.map((r) => [r.seq, r.status])).toEqual([
      [2, 200],
      [3, 200],
    ]);

    const other = await fetch(`${child.url}/_mock/tasks/other`, { method: 'PUT', headers: JSON_HEADERS, body: '{}' });
    expect(other.status).toBe(200);
    expect((await fetch(`${child.url}/_mock/reset`, { method: 'POST' })).status).toBe(204);
    expect((await fetch(`${child.url}/v3/tasks/other`, { headers: TOKEN })).status).toBe(404);
    expect((await fetch(`${child.url}/v3/tasks/from-seed`, { headers: TOKEN })).status).toBe(200);
    expect(await (await fetch(`${child.url}/_mock/requests?count=true`)).json()).toEqual({ count: 2 });
  });

  it('starts with fault rules and a clock from the environment, and a reset puts them back', async () => {
    const atStart = async () => {
      expect(await (await fetch(`${child.url}/_mock/clock`)).json()).toEqual({
        now: '2030-01-01T00:00:00.000Z',
        epoch_ms: frozenAt,
        frozen: true,
        rate: 60,
      });
      expect(await (await fetch(`${child.url}/_mock/faults`)).json()).toEqual({
        faults: [{ id: 'fault-1', ...faultRule, matched: 0, fired: 0 }],
      });
      const faulted = await fetch(`${child.url}/v3/tasks/seeded`, { headers: TOKEN });
      expect([faulted.status, await faulted.json()]).toEqual([
        500,
        { error_code: 'SMS.2007', error_msg: 'Background exception' },
      ]);
      const shown = await fetch(`${child.url}/v3/tasks/seeded`, { headers: TOKEN });
      expect(shown.status).toBe(200);
      expect(await shown.json()).toMatchObject({ id: 'seeded', create_date: frozenAt, state: 'READY' });
    };
    await atStart();

    await fetch(`${child.url}/_mock/clock`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"time": "2031-06-01T00:00:00Z", "frozen": false}',
    });
    expect((await fetch(`${child.url}/_mock/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${child.url}/_mock/reset`, { method: 'POST' })).status).toBe(204);
    await atStart();
  });

  it('logs one listening line, not two, at info', () => {
    expect(child.output().match(/listening/gi)).toEqual(['listening']);
  });

  it('exits 0 on SIGTERM, answering a pending wait with 408 and saying it shuts down', async () => {
    const request = httpRequest(`${child.url}/_mock/requests/wait?count=5&timeout_ms=60000`);
    const waiting = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode as number, body }));
      });
      request.on('error', reject);
    });
    await new Promise((resolve) => request.end(resolve));
    // The wait is on the wire. The server reads what arrived on an open connection before it accepts a later one, so
    // once a request sent after it on a new connection is answered, the wait is pending.
    expect((await fetch(`${child.url}/v3/tasks/from-seed`, { headers: TOKEN })).status).toBe(200);
    child.process.kill('SIGTERM');
    const answered = await within(waiting, 5000, 'the pending wait answered');
    expect([answered.status, JSON.parse(answered.body)]).toEqual([
      408,
      {
        error_code: 'MOCK.0408',
        error_msg: 'Stopped waiting for requests, the server is closing: 1 of 5 arrived',
        count: 1,
      },
    ]);
    expect(await within(child.exited, 5000, 'exit')).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain('shutting down');
  });
});

describe('a crash', () => {
  it('keeps every acknowledged report through kill -9', async () => {
    const dir = tempDir();
    const db = join(dir, 'crash.db');
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ tasks: [sampleTask('task-1')] }));
    const child = track(await runCli(['--port', '0', '--db', db, '--seed', seed, '--log-level', 'info']));
    let acknowledged = 0;
    try {
      // Concurrent batches, so reports share group commits, then a hard kill right after the last answer.
      for (let round = 0; round < 10; round++) {
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            fetch(`${child.url}/v3/tasks/task-1/progress`, {
              method: 'PUT',
              headers: JSON_HEADERS,
              body: report(round * 10 + i),
            }),
          ),
        );
        acknowledged += responses.filter((r) => r.status === 200).length;
      }
    } finally {
      child.process.kill('SIGKILL');
    }
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acknowledged).toBe(100);
    const check = new Database(db, { readonly: true });
    try {
      expect(check.prepare("SELECT COUNT(*) FROM progress_samples WHERE task_id = 'task-1'").pluck().get()).toBe(
        acknowledged,
      );
    } finally {
      check.close();
    }
  });
});

/** Sends the head of a PUT and half its body, then nothing more. */
function halfSentRequest(url: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        'PUT /v3/tasks/t/progress HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"subtask_name": ',
      );
      const closed = new Promise<void>((done) => socket.on('close', () => done()));
      // Long enough for the server to have read the head and count the request as in flight.
      setTimeout(() => resolve({ socket, closed }), 300);
    });
    socket.on('error', () => {});
    socket.once('error', reject);
    cleanups.push(() => {
      socket.destroy();
    });
  });
}

describe('shutdown', () => {
  it('a client that never finishes its body is cut after --grace-ms, and the process exits', async () => {
    const child = track(await runCli(['--port', '0', '--db', ':memory:', '--grace-ms', '1000']));
    const { closed } = await halfSentRequest(child.url);
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    expect(await within(child.exited, 1000 + 4000, 'exit after the grace period')).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalled).toBeGreaterThanOrEqual(900);
    await within(closed, 1000, 'client connection closed');
    const logs = jsonLines(child.stdout());
    expect(logs.find((l) => l.msg === 'waiting for open connections')).toMatchObject({
      level: 30,
      connections: 1,
      requests: 1,
      grace_ms: 1000,
    });
    expect(logs.find((l) => l.msg === 'grace period over: cutting open connections')).toMatchObject({
      level: 40,
      connections: 1,
    });
  });

  it('a second signal exits at once, with 1', async () => {
    const child = track(await runCli(['--port', '0', '--db', ':memory:'], { env: { SMS_MOCK_GRACE_MS: '60000' } }));
    await halfSentRequest(child.url);
    child.process.kill('SIGTERM');
    await within(
      new Promise<void>((resolve) => {
        const check = () =>
          child.output().includes('waiting for open connections') ? resolve() : setTimeout(check, 20);
        check();
      }),
      3000,
      'the first signal is handled',
    );
    child.process.kill('SIGINT');
    expect(await within(child.exited, 2000, 'exit on the second signal')).toEqual({ code: 1, signal: null });
    expect(jsonLines(child.stdout()).find((l) => l.msg === 'second signal: exiting now')).toMatchObject({
      level: 40,
      signal: 'SIGINT',
    });
  });
});
