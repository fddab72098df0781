// examples/ci must keep working: run.sh starts sms-mock as its own process (here from this checkout's source) with the
// example's seed file, runs the example's node:test file against it, and stops the server on its way out.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = pathToFileURL(`${root}node_modules/tsx/dist/loader.mjs`).href;

it('examples/ci/run.sh passes its three tests and leaves no server behind', async () => {
  const result = spawnSync('bash', ['examples/ci/run.sh'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, NODE_OPTIONS: '', SMS_MOCK: `${process.execPath} --import ${tsx} src/cli.ts` },
  });
  const output = result.stdout + result.stderr;
  expect(result.status, output).toBe(0);
  expect(result.stdout).toMatch(/^# tests 3$/m);
  expect(result.stdout).toMatch(/^# pass 3$/m);
  expect(result.stdout).toMatch(/^# fail 0$/m);
  const url = /^sms-mock is up at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(result.stdout)?.[1];
  expect(url, output).toBeDefined();
  await expect(fetch(`${url}/_mock/health`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
}, 100_000);
