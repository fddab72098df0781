// startMock works from plain node:test too: run the sample there, resolving `sms-mock` to this checkout's source.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the node:test sample passes', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const result = spawnSync(
    process.execPath,
    ['--conditions=sms-mock-source', '--import', 'tsx', '--test', 'test/node-test/sample.test.mjs'],
    { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  expect(result.stdout + result.stderr).toMatch(/^# pass 1$/m);
  expect(result.stdout).toMatch(/^# fail 0$/m);
  expect(result.status).toBe(0);
}, 70_000);
