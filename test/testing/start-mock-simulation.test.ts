// startMock() and the simulated agent: the default profile and the clock's rate as options (or from the seed), the
// simulation helpers, and a migration moved by the clock helpers with no request in between.
import { afterEach, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/index.js';
import { linuxRegistration } from '../sms/sources/fixtures.js';
import { createBody } from '../sms/tasks/life-cycle-fixtures.js';

let sms: SmsMock | undefined;
afterEach(async () => {
  await sms?.close();
  sms = undefined;
});

const HEADERS = { 'content-type': 'application/json', 'x-auth-token': 't' };

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${sms?.url}${path}`, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

async function startedTask(): Promise<string> {
  const { id: sourceId } = await post<{ id: string }>('/v3/sources', linuxRegistration());
  const { id } = await post<{ id: string }>('/v3/tasks', createBody(sourceId));
  await post(`/v3/tasks/${id}/action`, { operation: 'start' });
  return id;
}

describe('startMock and the simulated agent', () => {
  it('takes the default profile as a preset name, shows it, and changes it', async () => {
    sms = await startMock({ simulation: 'wan' });
    expect(sms.simulation.get()).toMatchObject({ profile: 'wan', throughput_mbps: 40 });
    expect(await sms.simulation.set({ profile: 'flaky', seed: 3 })).toMatchObject({ profile: 'flaky', seed: 3 });
    expect(() => sms?.simulation.set({ profile: 'fast' } as never)).toThrow(
      'invalid simulation profile: profile must be one of: lan, wan, flaky, fail, manual',
    );
    await sms.reset();
    expect(sms.simulation.get().profile).toBe('wan');
  });

  it("takes the seed's simulation profile when no option names one", async () => {
    sms = await startMock({ seed: { simulation: { profile: 'manual' } } });
    expect(sms.simulation.get().profile).toBe('manual');
  });

  it('moves a migration with the clock helpers: catchUp() writes what is due, as a request would', async () => {
    sms = await startMock({ clock: { now: () => Date.UTC(2030, 0, 1) } });
    const id = await startedTask();
    sms.clock.advance(60_000);
    await sms.simulation.catchUp();
    expect(sms.progress(id).map((s) => [s.subtask_name, s.progress])).toEqual(
      [11, 22, 33, 44, 55, 66].map((progress) => ['CREATE_CLOUD_SERVER', progress]),
    );
    expect(sms.simulation.task(id)).toMatchObject({ status: 'running', samples: 6, own_profile: false });
    expect(await sms.simulation.setTask(id, 'manual')).toBe(true);
    expect(sms.simulation.task(id)).toMatchObject({ status: 'manual', own_profile: true });
    expect(await sms.simulation.setTask('nope', 'wan')).toBe(false);
    expect(sms.simulation.task('nope')).toBeUndefined();
  });

  it('runs the clock at the given rate', async () => {
    let now = Date.UTC(2030, 0, 1);
    sms = await startMock({ clock: { now: () => now }, clockRate: 3600 });
    const id = await startedTask();
    now += 1000;
    await sms.simulation.catchUp();
    expect(sms.task(id)?.state).toBe('MIGRATE_SUCCESS');
    sms.clock.setRate(1);
    expect(() => sms?.clock.setRate(0)).toThrow('clock rate out of range: 0');
  });
});
