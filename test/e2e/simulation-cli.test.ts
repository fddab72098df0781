// The simulated agent in the sms-mock command, over a listening port: with --clock-rate 3600 a started task migrates
// in seconds of real time, as an out-of-process CI job would see it; two processes started alike with the same seed
// write the same samples byte for byte; --simulation manual simulates nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { LINUX_FILE_PLAN } from '../sms/simulation/fixtures.js';
import { linuxRegistration } from '../sms/sources/fixtures.js';
import { createBody } from '../sms/tasks/life-cycle-fixtures.js';
import { type Child, runCli, within } from './process.js';

const TOKEN = { 'x-auth-token': 'e2e', 'content-type': 'application/json' };
const children: Child[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await child.exited;
  }
});

async function start(args: string[]): Promise<Child> {
  const child = await runCli(['--port', '0', '--db', ':memory:', '--log-level', 'silent', ...args]);
  children.push(child);
  return child;
}

async function call<T>(child: Child, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${child.url}${path}`, {
    method,
    headers: TOKEN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect([method, path, response.status], text).toEqual([method, path, 200]);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

/** A registered server (10 GiB used) and its task, started; answers the task's id. */
async function startedTask(child: Child): Promise<string> {
  const { id: sourceId } = await call<{ id: string }>(child, 'POST', '/v3/sources', linuxRegistration());
  const { id } = await call<{ id: string }>(child, 'POST', '/v3/tasks', createBody(sourceId));
  await call(child, 'POST', `/v3/tasks/${id}/action`, { operation: 'start' });
  return id;
}

interface Sample {
  seq: number;
  received_at: number;
  subtask_name: string;
  progress: number;
  replicatesize: number;
}

describe('the simulated agent in the command', () => {
  it('migrates a started task in seconds of real time on a clock running 3600 times as fast', async () => {
    const child = await start(['--clock-rate', '3600']);
    const id = await startedTask(child);
    const seen: string[] = [];
    await within(
      (async () => {
        for (;;) {
          const { state } = await call<{ state: string }>(child, 'GET', `/v3/tasks/${id}`);
          if (seen.at(-1) !== state) seen.push(state);
          if (state !== 'RUNNING') return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      15_000,
      'MIGRATE_SUCCESS',
    );
    expect(seen).toEqual(['RUNNING', 'MIGRATE_SUCCESS']);
    const { samples } = await call<{ samples: Sample[] }>(child, 'GET', `/_mock/tasks/${id}/progress`);
    const names = samples.map((s) => s.subtask_name).filter((name, i, all) => all[i - 1] !== name);
    expect(names).toEqual(LINUX_FILE_PLAN);
    for (let i = 1; i < samples.length; i++) {
      expect((samples[i] as Sample).received_at - (samples[i - 1] as Sample).received_at).toBe(10_000);
    }
    expect(samples.at(-1)).toMatchObject({ subtask_name: 'DETTACH_AGENT_IMAGE', progress: 100 });
  });

  it('writes the same samples in two processes started alike with the same seed, a stop and a resume', async () => {
    const args = [
      '--clock',
      '2030-01-01T00:00:00Z',
      '--clock-frozen',
      '--simulation',
      '{"profile": "flaky", "seed": 7}',
    ];
    const runs: string[] = [];
    for (let run = 0; run < 2; run++) {
      const child = await start(args);
      const id = await startedTask(child);
      // Stopped mid-copy for an hour, then resumed.
      await call(child, 'PUT', '/_mock/clock', { advance_ms: 8 * 60_000 });
      await call(child, 'POST', `/v3/tasks/${id}/action`, { operation: 'stop' });
      expect((await call<{ state: string }>(child, 'GET', `/v3/tasks/${id}`)).state).toBe('ABORT');
      await call(child, 'PUT', '/_mock/clock', { advance_ms: 3600_000 });
      await call(child, 'POST', `/v3/tasks/${id}/action`, { operation: 'start' });
      await call(child, 'PUT', '/_mock/clock', { advance_ms: 3 * 3600_000 });
      expect((await call<{ state: string }>(child, 'GET', `/v3/tasks/${id}`)).state).toBe('MIGRATE_SUCCESS');
      const { samples } = await call<{ samples: Sample[] }>(child, 'GET', `/_mock/tasks/${id}/progress`);
      runs.push(JSON.stringify(samples));
      child.process.kill('SIGTERM');
      await child.exited;
    }
    expect(runs[0]?.length).toBeGreaterThan(1000);
    expect(runs[1]).toBe(runs[0]);
    // A flaky link: some samples of the copy moved nothing.
    const copy = (JSON.parse(runs[0] as string) as (Sample & { migrate_speed: number })[]).filter(
      (s) => s.subtask_name === 'MIGRATE_LINUX_FILE',
    );
    expect(copy.some((s) => s.migrate_speed === 0)).toBe(true);
  });

  it('simulates nothing with --simulation manual', async () => {
    const child = await start(['--simulation', 'manual', '--clock-frozen']);
    const id = await startedTask(child);
    await call(child, 'PUT', '/_mock/clock', { advance_ms: 3600_000 });
    expect(await call(child, 'GET', `/_mock/tasks/${id}/progress`)).toEqual({ samples: [] });
    expect(await call(child, 'GET', '/_mock/simulation')).toMatchObject({ default: { profile: 'manual' } });
  });
});
