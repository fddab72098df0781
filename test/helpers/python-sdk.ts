// Running a script of test/e2e/python/ with the official Python SDK beside the project: finding a Python that can
// import it (Debian's first), and running the script against a listening mock, killed after a time, its JSON lines
// read back. The end-to-end tests skip, saying why, when findPython() finds none.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SDK = resolve(root, '..', 'shared', 'vendor', 'huaweicloud-sdk-python');
const PYTHONPATH = [join(SDK, 'huaweicloud-sdk-core'), join(SDK, 'huaweicloud-sdk-sms')].join(':');
const SCRIPTS = join(root, 'test', 'e2e', 'python');

/** The project id every script's client signs with. */
const PROJECT_ID = '0123456789abcdef0123456789abcdef';

/** The script's environment: the SDK on the path, a scratch HOME, no proxy between it and 127.0.0.1. */
function pythonEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONPATH,
    HOME: home,
    NO_PROXY: '127.0.0.1',
    no_proxy: '127.0.0.1',
  };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** Debian's Python first (where the README has the SDK's packages installed), then whatever python3 the PATH has. */
export function findPython(): { python?: string; reason?: string } {
  if (!existsSync(SDK)) return { reason: `the Python SDK is not at ${SDK}` };
  const home = mkdtempSync(join(tmpdir(), 'sms-sdk-probe-'));
  try {
    let last = 'no python3 found';
    for (const python of ['/usr/bin/python3', 'python3']) {
      const probe = spawnSync(python, ['-c', 'import huaweicloudsdkcore.client, huaweicloudsdksms.v3'], {
        env: pythonEnv(home),
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (probe.status === 0) return { python };
      last = probe.error
        ? `${python}: ${probe.error.message}`
        : `${python} cannot import the SDK: ${probe.stderr.trim().split('\n').at(-1)}`;
    }
    return { reason: last };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export type Line = { step: string } & Record<string, unknown>;

export interface ScriptRun {
  readonly code: number | null;
  readonly lines: Line[];
  readonly stderr: string;
}

/**
 * Runs `script` (a file of test/e2e/python/) against the mock at `url` with these credentials, killed after
 * `timeoutMs`; answers its exit code, the JSON lines it printed and its stderr.
 */
export function runScript(
  python: string,
  script: string,
  { url, ak, sk, timeoutMs }: { url: string; ak: string; sk: string; timeoutMs: number },
): Promise<ScriptRun> {
  const home = mkdtempSync(join(tmpdir(), 'sms-sdk-run-'));
  const child = spawn(python, [join(SCRIPTS, script)], {
    env: pythonEnv(home, { SMS_ENDPOINT: url, SMS_AK: ak, SMS_SK: sk, SMS_PROJECT_ID: PROJECT_ID }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Line);
      done({ code, lines, stderr });
    });
  });
}

/** A run's lines by step: `all(step)` in order, `one(step)` the only one (the test fails when there is not one). */
export function stepsOf(run: () => ScriptRun): { all(step: string): Line[]; one(step: string): Line } {
  const all = (step: string): Line[] => run().lines.filter((line) => line.step === step);
  return {
    all,
    one(step) {
      const found = all(step);
      expect(found, `one "${step}" line`).toHaveLength(1);
      return found[0] as Line;
    },
  };
}
