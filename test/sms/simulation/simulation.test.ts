// The simulated agent over HTTP: a started task with no real agent migrates on the mock clock, subtask after subtask,
// its samples on a fixed grid from the start, within every speed limit, to MIGRATE_SUCCESS (or a staged failure);
// stop, resume, restart, delete and the launch of a syncing task at any point; a real agent takes over; the same
// clock moves give the same samples however the clock got there.
import { describe, expect, it } from 'vitest';
import { SUBTASK_SECONDS } from '../../../src/sms/simulation/profiles.js';
import { api, dbSnapshot, json, useTestApp } from '../../helpers.js';
import {
  action,
  createTask,
  LINUX_FILE_PLAN,
  poll,
  type StoredSample,
  samplesOf,
  sampleText,
  setClock,
  showTask,
  simulationRow,
  startedTask,
  subtasksOf,
  USED_BYTES,
} from './fixtures.js';

const t = useTestApp();

const MINUTE = 60_000;

/** The subtask names of the samples, each run of one name once: the order the plan was walked in. */
function walked(samples: readonly StoredSample[]): string[] {
  const names: string[] = [];
  for (const sample of samples) if (names[names.length - 1] !== sample.subtask_name) names.push(sample.subtask_name);
  return names;
}

function samplesNamed(samples: readonly StoredSample[], name: string): StoredSample[] {
  return samples.filter((sample) => sample.subtask_name === name);
}

async function showServer(id: string): Promise<Record<string, unknown>> {
  const response = await api(t.app, { method: 'GET', url: `/v3/sources/${id}` });
  expect(response.statusCode, response.body).toBe(200);
  return json(response);
}

async function setTaskProfile(id: string, body: unknown): Promise<{ statusCode: number; body: string }> {
  return t.app.inject({ method: 'PUT', url: `/_mock/tasks/${id}/simulation`, payload: body as object });
}

describe('the simulated agent', () => {
  it('migrates a started task through its plan in order, sample by sample, to MIGRATE_SUCCESS', async () => {
    const startedAt = t.clock.now();
    const { id, sourceId } = await startedTask(t);
    expect(samplesOf(t, id)).toEqual([]);
    expect(simulationRow(t, id)).toMatchObject({ next_sample_at: startedAt + 10_000, step: 0 });

    const seen = await poll(t, id, 30 * MINUTE, 10_000);
    const samples = samplesOf(t, id);
    const last = samples[samples.length - 1] as StoredSample;

    // Every subtask of the plan, in plan order, each to 100, progress never going back within one.
    expect(walked(samples)).toEqual(LINUX_FILE_PLAN);
    for (const name of LINUX_FILE_PLAN) {
      const own = samplesNamed(samples, name);
      expect(own[own.length - 1]?.progress).toBe(100);
      for (let i = 1; i < own.length; i++) expect(own[i]?.progress).toBeGreaterThanOrEqual(own[i - 1]?.progress ?? 0);
    }
    // The subtasks that copy no data take their table's time: one sample every 10 s until it is over.
    for (const name of LINUX_FILE_PLAN.filter((n) => !n.startsWith('MIGRATE_'))) {
      expect([name, samplesNamed(samples, name).length]).toEqual([name, Math.ceil((SUBTASK_SECONDS[name] ?? 0) / 10)]);
    }
    // A fixed grid from the start, numbered from 1.
    samples.forEach((sample, index) => {
      expect(sample.seq).toBe(index + 1);
      expect(sample.received_at).toBe(startedAt + 10_000 * (index + 1));
      expect(sample.agent_time).toBe(new Date(sample.received_at).toISOString());
    });
    // The data: the source disk's used bytes, moved at the LAN's pace (800 Mbit/s ± 10 %), replicatesize never back.
    const data = samplesNamed(samples, 'MIGRATE_LINUX_FILE');
    for (const sample of data) {
      expect(sample.totalsize).toBe(USED_BYTES);
      expect(sample.migrate_speed).toBeGreaterThan(0);
      expect(sample.migrate_speed).toBeLessThanOrEqual(880);
    }
    expect(data[data.length - 1]?.replicatesize).toBe(USED_BYTES);
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]?.replicatesize).toBeGreaterThanOrEqual(samples[i - 1]?.replicatesize ?? 0);
    }
    const firstSample = samples[0] as StoredSample;
    expect(firstSample).toMatchObject({
      subtask_name: 'CREATE_CLOUD_SERVER',
      progress: 11,
      replicatesize: 0,
      totalsize: USED_BYTES,
      process_trace: 'CREATE_CLOUD_SERVER: 11%',
      migrate_speed: 0,
      compress_rate: 1,
      agent_disk_io: 0,
    });

    // The task as a client sees it: RUNNING all along, then done, its figures from the last sample.
    const done = seen.findIndex((task) => task.state !== 'RUNNING');
    expect(done).toBeGreaterThan(0);
    expect(seen.slice(done).every((task) => task.state === 'MIGRATE_SUCCESS')).toBe(true);
    const shown = await showTask(t, id);
    expect(shown).toMatchObject({
      state: 'MIGRATE_SUCCESS',
      start_date: startedAt,
      finish_date: last.received_at,
      total_time: last.received_at - startedAt,
      subtask_info: 'DETTACH_AGENT_IMAGE-100',
      migrate_speed: 0,
      remain_seconds: 0,
    });
    const subtasks = subtasksOf(t, id);
    expect(subtasks.map((s) => [s.name, s.progress])).toEqual(LINUX_FILE_PLAN.map((name) => [name, 100]));
    for (let i = 1; i < subtasks.length; i++) {
      expect(subtasks[i]?.start_date).toBeGreaterThanOrEqual(subtasks[i - 1]?.end_date ?? Number.POSITIVE_INFINITY);
    }
    expect(await showServer(sourceId)).toMatchObject({ state: 'finished', migration_cycle: 'cutovered' });
    expect(simulationRow(t, id)).toMatchObject({ next_sample_at: null, step: samples.length });
    // Done is done: more time writes nothing.
    t.clock.advance(60 * MINUTE);
    await showTask(t, id);
    expect(samplesOf(t, id)).toHaveLength(samples.length);
  });

  it('writes the same samples for one jump of the clock as for a client polling every 10 s, and again with the same seed', async () => {
    const startedAt = t.clock.now();
    const first = await startedTask(t);
    await poll(t, first.id, 30 * MINUTE, 10_000);
    const polled = sampleText(samplesOf(t, first.id));
    expect(polled).toContain('MIGRATE_LINUX_FILE');

    // Another run from the same start: one PUT /_mock/clock moves the whole migration at once.
    expect((await t.app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode).toBe(204);
    t.clock.current = startedAt;
    const second = await startedTask(t);
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect(sampleText(samplesOf(t, second.id))).toBe(polled);
    expect((await showTask(t, second.id)).state).toBe('MIGRATE_SUCCESS');

    // Another seed draws other speeds.
    expect((await t.app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode).toBe(204);
    t.clock.current = startedAt;
    const third = await createTask(t);
    expect((await setTaskProfile(third.id, { profile: 'lan', seed: 2 })).statusCode).toBe(200);
    await action(t, third.id, 'start');
    await setClock(t, { advance_ms: 30 * MINUTE });
    const reseeded = sampleText(samplesOf(t, third.id));
    expect(reseeded).not.toBe(polled);
    expect(walked(samplesOf(t, third.id))).toEqual(LINUX_FILE_PLAN);
  });

  it('walks the plan in subtask id order past id 9 (a second task numbered 8 to 14)', async () => {
    await createTask(t);
    const { id } = await startedTask(t, {
      source: {
        name: 'web-02',
        networks: [{ name: 'eth0', ip: '192.168.0.11', mac: 'fa:16:3e:00:00:02' }],
      },
    });
    expect(t.db.prepare('SELECT MIN(id), MAX(id) FROM sub_tasks WHERE task_id = ?').raw().get(id)).toEqual([8, 14]);
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect(walked(samplesOf(t, id))).toEqual(LINUX_FILE_PLAN);
    expect((await showTask(t, id)).state).toBe('MIGRATE_SUCCESS');
  });

  it('stops alone, saying why, on a task no sample can be written for; the others go on and every request answers', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/_mock/tasks/odd',
      payload: { name: 'odd', state: 'READY', sub_tasks: [{ id: 1, progress: 0 }] },
    });
    expect(put.statusCode, put.body).toBe(200);
    await action(t, 'odd', 'start');
    const { id } = await startedTask(t);
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect((await showTask(t, id)).state).toBe('MIGRATE_SUCCESS');
    expect((await showTask(t, 'odd')).state).toBe('RUNNING');
    expect(samplesOf(t, 'odd')).toEqual([]);
    const status = (await t.app.inject({ method: 'GET', url: '/_mock/tasks/odd/simulation' })).json();
    expect(status).toMatchObject({ status: 'idle', next_sample_at: null, samples: 0 });
    expect(status.error).toBe('subtask 1 has no name: no progress report can name it');
    await setClock(t, { advance_ms: 60_000 });
    expect((await showTask(t, 'odd')).state).toBe('RUNNING');
  });

  it('takes a stopped copy up byte for byte on resume: replicatesize never goes back', async () => {
    const { id } = await createTask(t);
    await setTaskProfile(id, { profile: 'wan', jitter: 0 });
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 20 * MINUTE });
    await action(t, id, 'stop');
    const before = samplesOf(t, id);
    expect(before.at(-1)?.subtask_name).toBe('MIGRATE_LINUX_FILE');
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 10 * MINUTE });
    const after = samplesOf(t, id).slice(before.length);
    expect(after[0]?.replicatesize).toBe((before.at(-1)?.replicatesize ?? 0) + 40 * 125_000 * 10);
  });

  it('keeps bytes and speed together when the sample interval changes mid-copy', async () => {
    const { id } = await createTask(t);
    await setTaskProfile(id, { profile: 'lan', throughput_mbps: 100, jitter: 0 });
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 6 * MINUTE });
    await setTaskProfile(id, { profile: 'lan', throughput_mbps: 100, jitter: 0, sample_interval_s: 60 });
    await setClock(t, { advance_ms: 10 * MINUTE });
    const data = samplesNamed(samplesOf(t, id), 'MIGRATE_LINUX_FILE');
    for (let i = 1; i < data.length; i++) {
      const seconds = ((data[i]?.received_at ?? 0) - (data[i - 1]?.received_at ?? 0)) / 1000;
      const moved = (data[i]?.replicatesize ?? 0) - (data[i - 1]?.replicatesize ?? 0);
      expect(moved).toBeLessThanOrEqual(100 * 125_000 * seconds);
      expect(data[i]?.migrate_speed).toBeLessThanOrEqual(100);
    }
    const gaps = new Set(data.slice(1).map((d, i) => d.received_at - (data[i]?.received_at ?? 0)));
    expect([...gaps].sort()).toEqual([10_000, 60_000]);
  });

  it('brings a syncing task stopped in continuous sync and started again back to SYNCING', async () => {
    const { id } = await startedTask(t, { task: { syncing: true } });
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect((await showTask(t, id)).state).toBe('SYNCING');
    await action(t, id, 'stop');
    await action(t, id, 'start');
    expect((await showTask(t, id)).state).toBe('RUNNING');
    await setClock(t, { advance_ms: MINUTE });
    expect((await showTask(t, id)).state).toBe('SYNCING');
  });

  it('works a long jump out in several writes: thousands of samples of one task, all on the grid', async () => {
    const { id } = await createTask(t);
    await setTaskProfile(id, { profile: 'wan', throughput_mbps: 2 });
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 24 * 60 * MINUTE });
    const samples = samplesOf(t, id);
    expect(samples.length).toBeGreaterThan(4000);
    samples.forEach((sample, index) => {
      expect(sample.seq).toBe(index + 1);
      if (index > 0) expect(sample.received_at - (samples[index - 1]?.received_at ?? 0)).toBe(10_000);
    });
    // The mock's own API answers them a page at a time.
    const page = async (query: string) => t.app.inject({ method: 'GET', url: `/_mock/tasks/${id}/progress${query}` });
    const first = (await page('?limit=1000')).json();
    expect([first.samples.length, first.next_offset]).toEqual([1000, 1000]);
    expect(first.samples[999].received_at).toBe(samples[999]?.received_at);
    const rest = (await page(`?offset=4000&limit=100000`)).json();
    expect([rest.samples.length, rest.next_offset]).toEqual([samples.length - 4000, undefined]);
    expect((await page('')).json().samples).toHaveLength(samples.length);
    for (const bad of ['?limit=0', '?limit=100001', '?offset=-1', '?page=2']) {
      expect([bad, (await page(bad)).statusCode]).toEqual([bad, 400]);
    }
  });

  it('stands still with a frozen clock', async () => {
    const { id } = await startedTask(t);
    await setClock(t, { frozen: true });
    t.clock.advance(60 * MINUTE);
    expect((await showTask(t, id)).state).toBe('RUNNING');
    expect(samplesOf(t, id)).toEqual([]);
    await setClock(t, { advance_ms: 25_000 });
    expect(samplesOf(t, id).map((s) => [s.subtask_name, s.progress])).toEqual([
      ['CREATE_CLOUD_SERVER', 11],
      ['CREATE_CLOUD_SERVER', 22],
    ]);
  });

  it('keeps every sample within the speed limit in force: the task limit and the time-of-day rules', async () => {
    // The test clock starts at 05:20:57 UTC; the data copy starts about five minutes later, inside the first rule.
    const { id } = await createTask(t, { task: { speed_limit: 100 } });
    const rules = await api(t.app, {
      method: 'POST',
      url: `/v3/tasks/${id}/speed-limit`,
      payload: {
        speed_limit: [
          { start: '05:00', end: '05:40', speed: 30 },
          { start: '05:40', end: '24:00', speed: 200 },
        ],
      },
    });
    expect(rules.statusCode, rules.body).toBe(200);
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 120 * MINUTE });
    const data = samplesNamed(samplesOf(t, id), 'MIGRATE_LINUX_FILE');
    const switchAt = Date.UTC(2026, 10, 23, 5, 40);
    const before = data.filter((s) => s.received_at <= switchAt);
    const after = data.filter((s) => s.received_at - 10_000 >= switchAt);
    expect(before.length).toBeGreaterThan(3);
    expect(after.length).toBeGreaterThan(3);
    for (const sample of before) expect(sample.migrate_speed).toBeLessThanOrEqual(30);
    for (const sample of after) expect(sample.migrate_speed).toBeLessThanOrEqual(100);
    expect(Math.max(...after.map((s) => s.migrate_speed ?? 0))).toBeGreaterThan(90);
    // The time left is worked out at the limit in force, not at the link's pace: what is left to copy at 30 (then
    // 100) Mbit/s, plus the two subtasks after the copy.
    const later = data.at(-1)?.remain_time ?? 0;
    for (const [samples, limit] of [
      [before, 30],
      [after, 100],
    ] as const) {
      for (const sample of samples) {
        const copyLeft = Math.ceil((sample.totalsize - sample.replicatesize) / (limit * 125_000));
        expect(sample.remain_time, `${sample.progress} %`).toBe(copyLeft + later);
      }
    }
    // The bytes moved agree with the speed shown: never more than the limit allows in 10 s.
    for (let i = 1; i < data.length; i++) {
      const moved = (data[i]?.replicatesize ?? 0) - (data[i - 1]?.replicatesize ?? 0);
      // The speed shown is rounded down to 0.01 Mbit/s: 1,250 bytes a second.
      expect(moved).toBeLessThanOrEqual(((data[i]?.migrate_speed ?? 0) + 0.01) * 125_000 * 10);
    }
    expect((await showTask(t, id)).state).toBe('MIGRATE_SUCCESS');
  });

  it('stages a failure: MIGRATE_FAIL at the chosen subtask and percentage with the chosen error, frozen there; a resume goes on', async () => {
    const { id, sourceId } = await createTask(t);
    const profile = {
      profile: 'fail',
      fail: { subtask: 'MIGRATE_LINUX_FILE', percent: 40, error_code: 'SMS.0515', error_param: '["disk"]' },
    };
    const set = await setTaskProfile(id, profile);
    expect(set.statusCode, set.body).toBe(200);
    expect(json<Record<string, unknown>>(set as never)).toMatchObject({
      task_id: id,
      status: 'idle',
      own_profile: true,
      profile: { profile: 'fail', fail: profile.fail, throughput_mbps: 800 },
    });
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 30 * MINUTE });

    const samples = samplesOf(t, id);
    const last = samples[samples.length - 1] as StoredSample;
    expect(last).toMatchObject({ subtask_name: 'MIGRATE_LINUX_FILE', progress: 40, remain_time: 0 });
    expect(last.replicatesize).toBe(Math.floor((USED_BYTES * 40) / 100));
    const shown = await showTask(t, id);
    expect(shown).toMatchObject({
      state: 'MIGRATE_FAIL',
      error_json: '{"error_code":"SMS.0515","error_param":"[\\"disk\\"]"}',
      subtask_info: 'MIGRATE_LINUX_FILE-40',
    });
    expect(subtasksOf(t, id).map((s) => [s.name, s.progress])).toEqual([
      ['CREATE_CLOUD_SERVER', 100],
      ['SSL_CONFIG', 100],
      ['ATTACH_AGENT_IMAGE', 100],
      ['FORMAT_DISK_LINUX_FILE', 100],
      ['MIGRATE_LINUX_FILE', 40],
      ['CONFIGURE_LINUX_FILE', 0],
      ['DETTACH_AGENT_IMAGE', 0],
    ]);
    expect(await showServer(sourceId)).toMatchObject({ state: 'error' });
    const status = await t.app.inject({ method: 'GET', url: `/_mock/tasks/${id}/simulation` });
    expect(status.json()).toMatchObject({
      status: 'idle',
      failed_at: new Date(last.received_at).toISOString(),
      samples: samples.length,
    });

    // Frozen where it failed: time passing writes nothing.
    await setClock(t, { advance_ms: 60 * MINUTE });
    expect(samplesOf(t, id)).toHaveLength(samples.length);

    // The failure happens once: a resume takes the copy up at 40 % and finishes.
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 30 * MINUTE });
    const resumed = samplesOf(t, id).slice(samples.length);
    expect(resumed[0]).toMatchObject({ subtask_name: 'MIGRATE_LINUX_FILE' });
    expect(resumed[0]?.replicatesize).toBeGreaterThan(last.replicatesize);
    expect(walked(resumed)).toEqual(['MIGRATE_LINUX_FILE', 'CONFIGURE_LINUX_FILE', 'DETTACH_AGENT_IMAGE']);
    expect(await showTask(t, id)).toMatchObject({ state: 'MIGRATE_SUCCESS', error_json: '' });
  });

  it('fails at the first data subtask with the fail preset naming `data`, and restart runs the plan again from the top', async () => {
    const { id } = await createTask(t);
    await setTaskProfile(id, { profile: 'fail', fail: { subtask: 'data', percent: 0 } });
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect(await showTask(t, id)).toMatchObject({
      state: 'MIGRATE_FAIL',
      error_json: '{"error_code":"SMS.1404","error_param":"[]"}',
      subtask_info: 'MIGRATE_LINUX_FILE-0',
    });
    const failedWith = samplesOf(t, id).length;
    await action(t, id, 'restart');
    expect(subtasksOf(t, id).every((s) => s.progress === 0)).toBe(true);
    await setClock(t, { advance_ms: 30 * MINUTE });
    const again = samplesOf(t, id).slice(failedWith);
    expect(walked(again)).toEqual(LINUX_FILE_PLAN);
    expect((await showTask(t, id)).state).toBe('MIGRATE_SUCCESS');
  });

  it('pauses on stop (nothing moves while stopped) and resumes where the subtask stood on start', async () => {
    const { id, sourceId } = await startedTask(t);
    await setClock(t, { advance_ms: 200_000 });
    await action(t, id, 'stop');
    expect((await showTask(t, id)).state).toBe('ABORT');
    expect(await showServer(sourceId)).toMatchObject({ state: 'stopped' });
    const stoppedWith = samplesOf(t, id);
    const attach = subtasksOf(t, id).find((s) => s.name === 'ATTACH_AGENT_IMAGE');
    expect(attach?.progress).toBeGreaterThan(0);
    expect(attach?.progress).toBeLessThan(100);

    await setClock(t, { advance_ms: 60 * MINUTE });
    expect(samplesOf(t, id)).toEqual(stoppedWith);

    const resumedAt = t.core.clock.now();
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 30 * MINUTE });
    const after = samplesOf(t, id).slice(stoppedWith.length);
    expect(after[0]).toMatchObject({ subtask_name: 'ATTACH_AGENT_IMAGE', received_at: resumedAt + 10_000 });
    expect(after[0]?.progress).toBeGreaterThan(attach?.progress ?? 100);
    expect((await showTask(t, id)).state).toBe('MIGRATE_SUCCESS');
  });

  it('lets a stopped task be deleted mid-migration: its simulation goes with it', async () => {
    const { id } = await startedTask(t);
    await setClock(t, { advance_ms: 100_000 });
    await action(t, id, 'stop');
    const deleted = await api(t.app, { method: 'DELETE', url: `/v3/tasks/${id}` });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(simulationRow(t, id)).toBeUndefined();
    await setClock(t, { advance_ms: 60 * MINUTE });
    expect(t.db.prepare('SELECT COUNT(*) FROM progress_samples').pluck().get()).toBe(0);
  });

  it('brings a syncing task to continuous sync, and a cutover runs the launch steps to MIGRATE_SUCCESS', async () => {
    const { id, sourceId } = await startedTask(t, { task: { syncing: true } });
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect((await showTask(t, id)).state).toBe('SYNCING');
    expect(await showServer(sourceId)).toMatchObject({ state: 'syncing', migration_cycle: 'syncing' });
    const synced = samplesOf(t, id).length;
    expect(walked(samplesOf(t, id))).toEqual(LINUX_FILE_PLAN.slice(0, 5));
    await setClock(t, { advance_ms: 60 * MINUTE });
    expect(samplesOf(t, id)).toHaveLength(synced);

    await action(t, id, 'cutover');
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect(walked(samplesOf(t, id).slice(synced))).toEqual(['CONFIGURE_LINUX_FILE', 'DETTACH_AGENT_IMAGE']);
    expect((await showTask(t, id)).state).toBe('MIGRATE_SUCCESS');
    expect(await showServer(sourceId)).toMatchObject({ state: 'finished', migration_cycle: 'cutovered' });
  });

  it("shows RUNNING to a client polling every 10 s after start, as the Terraform provider's wait does", async () => {
    const { id } = await createTask(t);
    expect((await showTask(t, id)).state).toBe('READY');
    await action(t, id, 'start');
    const seen = await poll(t, id, 60_000, 10_000);
    expect(seen.map((task) => task.state)).toEqual(Array(6).fill('RUNNING'));
    expect(seen.map((task) => task.subtask_info)).toEqual([
      'CREATE_CLOUD_SERVER-11',
      'CREATE_CLOUD_SERVER-22',
      'CREATE_CLOUD_SERVER-33',
      'CREATE_CLOUD_SERVER-44',
      'CREATE_CLOUD_SERVER-55',
      'CREATE_CLOUD_SERVER-66',
    ]);
  });

  it('runs on a fast clock: at 3600 times real time a second is an hour', async () => {
    const { id } = await startedTask(t);
    await setClock(t, { rate: 3600 });
    t.clock.advance(1000);
    expect((await showTask(t, id)).state).toBe('MIGRATE_SUCCESS');
  });
});

describe('a real agent wins', () => {
  it('leaves a task alone whose server polled its commands before the start', async () => {
    const { id, sourceId } = await createTask(t);
    expect((await api(t.app, { method: 'GET', url: `/v3/sources/${sourceId}/command` })).statusCode).toBe(200);
    await action(t, id, 'start');
    await setClock(t, { advance_ms: 60_000 });
    expect(samplesOf(t, id)).toEqual([]);
    expect((await showTask(t, id)).state).toBe('RUNNING');
  });

  it("shows a task started while its agent is live as the agent's", async () => {
    const { id, sourceId } = await createTask(t);
    await api(t.app, { method: 'GET', url: `/v3/sources/${sourceId}/command` });
    await action(t, id, 'start');
    expect((await t.app.inject({ method: 'GET', url: `/_mock/tasks/${id}/simulation` })).json()).toMatchObject({
      status: 'agent',
      handed_over_at: new Date(t.core.clock.now()).toISOString(),
    });
  });

  it('hands a running simulation over once the agent polls, and once a client reports progress itself', async () => {
    const polled = await startedTask(t);
    await setClock(t, { advance_ms: 30_000 });
    expect(samplesOf(t, polled.id)).toHaveLength(3);
    expect((await api(t.app, { method: 'GET', url: `/v3/sources/${polled.sourceId}/command` })).statusCode).toBe(200);
    await setClock(t, { advance_ms: 60 * MINUTE });
    expect(samplesOf(t, polled.id)).toHaveLength(3);
    expect((await t.app.inject({ method: 'GET', url: `/_mock/tasks/${polled.id}/simulation` })).json()).toMatchObject({
      status: 'agent',
      next_sample_at: null,
      samples: 3,
    });

    const reported = await startedTask(t, {
      source: {
        name: 'web-02',
        networks: [
          {
            name: 'eth0',
            ip: '192.168.0.11',
            netmask: '255.255.255.0',
            gateway: '192.168.0.1',
            mtu: 1500,
            mac: 'fa:16:3e:00:00:02',
          },
        ],
      },
    });
    const report = await api(t.app, {
      method: 'PUT',
      url: `/v3/tasks/${reported.id}/progress`,
      payload: { subtask_name: 'CREATE_CLOUD_SERVER', progress: 50, replicatesize: 0, totalsize: 0, process_trace: '' },
    });
    expect(report.statusCode, report.body).toBe(200);
    await setClock(t, { advance_ms: 60 * MINUTE });
    expect(samplesOf(t, reported.id).map((s) => s.progress)).toEqual([50]);
  });
});

describe('profiles through /_mock', () => {
  it('shows the default and the presets, and changes the default for the tasks without their own', async () => {
    const shown = await t.app.inject({ method: 'GET', url: '/_mock/simulation' });
    expect(shown.statusCode).toBe(200);
    const body = shown.json();
    expect(body.default).toEqual({
      profile: 'lan',
      throughput_mbps: 800,
      jitter: 0.1,
      drop_probability: 0,
      drop_to: 1,
      stall_probability: 0,
      sample_interval_s: 10,
      duration_scale: 1,
      seed: 1,
      fail: null,
    });
    expect(Object.keys(body.presets)).toEqual(['lan', 'wan', 'flaky', 'fail', 'manual']);

    const manual = await t.app.inject({ method: 'PUT', url: '/_mock/simulation', payload: { profile: 'manual' } });
    expect(manual.json().default.profile).toBe('manual');
    const { id } = await startedTask(t);
    await setClock(t, { advance_ms: 60 * MINUTE });
    expect(samplesOf(t, id)).toEqual([]);
    // A task's own profile wins over the default, and starts a running task at once.
    const own = await setTaskProfile(id, { profile: 'wan', sample_interval_s: 30 });
    expect(own.statusCode, own.body).toBe(200);
    await setClock(t, { advance_ms: 60_000 });
    const times = samplesOf(t, id).map((s) => s.received_at);
    expect(times.map((at) => at - (times[0] as number))).toEqual([0, 30_000]);
    const back = await t.app.inject({ method: 'DELETE', url: `/_mock/tasks/${id}/simulation` });
    expect(back.json()).toMatchObject({ own_profile: false, status: 'manual', profile: { profile: 'manual' } });
    // Back to a simulating default: the task it had stopped goes on.
    await t.app.inject({ method: 'PUT', url: '/_mock/simulation', payload: { profile: 'manual' } });
    const waiting = await startedTask(t, {
      source: { name: 'web-03', networks: [{ name: 'eth0', ip: '192.168.0.12', mac: 'fa:16:3e:00:00:03' }] },
    });
    await setClock(t, { advance_ms: MINUTE });
    expect(samplesOf(t, waiting.id)).toEqual([]);
    await t.app.inject({ method: 'PUT', url: '/_mock/simulation', payload: { profile: 'lan' } });
    await setClock(t, { advance_ms: 30 * MINUTE });
    expect((await showTask(t, waiting.id)).state).toBe('MIGRATE_SUCCESS');
    // A reset puts the default back.
    expect((await t.app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/simulation' })).json().default.profile).toBe('lan');
  });

  it.each([
    [{}, 'profile is required'],
    [{ profile: 'fast' }, 'profile must be one of: lan, wan, flaky, fail, manual'],
    [{ profile: 'lan', sample_interval_s: 0 }, 'sample_interval_s must be >= 1'],
    [{ profile: 'lan', throughput: 5 }, 'throughput'],
    [{ profile: 'fail', fail: { percent: 100 } }, 'percent must be <= 99'],
    [{ profile: 'fail', fail: { error_code: 'oops' } }, 'fail.error_code has characters that are not allowed'],
    [{ profile: 'lan', throughput_mbps: 0 }, 'throughput_mbps must be >= 0.1'],
    [{ profile: 'flaky', stall_probability: 1 }, 'stall_probability must be <= 0.9'],
    [{ profile: 'fail', fail: { subtask: 'NOPE' } }, 'fail.subtask must be one of'],
    [{ profile: 'fail', fail: { error_param: 'not json' } }, 'fail.error_param has characters that are not allowed'],
  ])('refuses the profile %j with 400 SMS.2001, changing nothing', async (profile, message) => {
    const { id } = await createTask(t);
    const before = dbSnapshot(t.db);
    for (const url of ['/_mock/simulation', `/_mock/tasks/${id}/simulation`]) {
      const response = await t.app.inject({ method: 'PUT', url, payload: profile });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error_code).toBe('SMS.2001');
      expect(response.json().error_msg).toContain(message);
    }
    expect(dbSnapshot(t.db)).toEqual(before);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/simulation' })).json().default.profile).toBe('lan');
  });

  it('answers 404 for a task that does not exist, storing nothing', async () => {
    const before = dbSnapshot(t.db);
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const response = await t.app.inject({
        method,
        url: '/_mock/tasks/nope/simulation',
        ...(method === 'PUT' ? { payload: { profile: 'wan' } } : {}),
      });
      expect([method, response.statusCode, response.json().error_code]).toEqual([method, 404, 'SMS.2003']);
    }
    expect(dbSnapshot(t.db)).toEqual(before);
  });
});
