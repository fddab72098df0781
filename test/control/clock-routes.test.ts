import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api, type JournalBody, json, progressReport, type SampleBody, sampleTask, useTestApp } from '../helpers.js';

const t = useTestApp();

const setClock = (payload: object) => t.app.inject({ method: 'PUT', url: '/_mock/clock', payload });
const T = Date.UTC(2030, 0, 2, 3, 4, 5);

describe('/_mock/clock', () => {
  it('shows the time, running on the source clock by default', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/_mock/clock' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      now: new Date(t.clock.now()).toISOString(),
      epoch_ms: t.clock.now(),
      frozen: false,
      rate: 1,
    });
  });

  it('freezes at a time, advances by a duration, and runs again from there', async () => {
    const frozen = await setClock({ time: '2030-01-02T03:04:05Z', frozen: true });
    expect(frozen.statusCode).toBe(200);
    expect(frozen.json()).toEqual({ now: '2030-01-02T03:04:05.000Z', epoch_ms: T, frozen: true, rate: 1 });
    t.clock.advance(10_000);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/clock' })).json().epoch_ms).toBe(T);

    expect((await setClock({ advance_ms: 3_600_000 })).json()).toEqual({
      now: '2030-01-02T04:04:05.000Z',
      epoch_ms: T + 3_600_000,
      frozen: true,
      rate: 1,
    });
    expect((await setClock({ frozen: false })).json().frozen).toBe(false);
    t.clock.advance(5000);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/clock' })).json().epoch_ms).toBe(T + 3_605_000);
  });

  it('is where every time the server writes comes from', async () => {
    await setClock({ time: '2030-01-02T03:04:05Z', frozen: true });
    const { create_date: _ignored, ...task } = sampleTask('task-1');
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: task });
    const report = progressReport({ remain_time: 60 });
    expect((await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1/progress', payload: report })).statusCode).toBe(
      200,
    );
    await setClock({ advance_ms: 90_000 });
    await api(t.app, { method: 'PUT', url: '/v3/tasks/task-1/progress', payload: { ...report, progress: 100 } });

    const shown = (await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' })).json();
    expect({
      create_date: shown.create_date,
      start_date: shown.start_date,
      estimate_complete_time: shown.estimate_complete_time,
      subtask: [shown.sub_tasks[1].start_date, shown.sub_tasks[1].end_date],
    }).toEqual({
      create_date: T,
      start_date: T,
      estimate_complete_time: T + 90_000 + 60_000,
      subtask: [T, T + 90_000],
    });
    const { samples } = json<{ samples: SampleBody[] }>(
      await t.app.inject({ method: 'GET', url: '/_mock/tasks/task-1/progress' }),
    );
    expect(samples.map((s) => s.received_at)).toEqual([T, T + 90_000]);
    const { requests } = json<JournalBody>(
      await t.app.inject({ method: 'GET', url: '/_mock/requests?operation=UpdateTaskSpeed' }),
    );
    expect(requests.map((r) => r.time)).toEqual(['2030-01-02T03:04:05.000Z', '2030-01-02T03:05:35.000Z']);
  });

  it('refuses an empty, unknown or malformed change', async () => {
    for (const payload of [
      {},
      { time: 'yesterday' },
      { speed: 2 },
      { advance_ms: 1.5 },
      { time: '1969-12-31T23:59:59Z' },
      { time: '9999-12-31T00:00:00Z', advance_ms: 86_400_000 },
    ]) {
      const response = await setClock(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error_code).toBe('SMS.2001');
    }
    expect((await t.app.inject({ method: 'GET', url: '/_mock/clock' })).json().epoch_ms).toBe(t.clock.now());
  });

  it('runs faster than its source at a rate, from where it stands when the rate is set; a reset puts it back to 1', async () => {
    await setClock({ time: '2030-01-02T03:04:05Z' });
    const fast = await setClock({ rate: 3600 });
    expect(fast.statusCode).toBe(200);
    expect(fast.json()).toEqual({ now: '2030-01-02T03:04:05.000Z', epoch_ms: T, frozen: false, rate: 3600 });
    t.clock.advance(1000);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/clock' })).json().epoch_ms).toBe(T + 3_600_000);
    // Frozen, the rate is kept but nothing moves; running again goes on at the rate from the frozen time.
    expect((await setClock({ frozen: true })).json()).toMatchObject({ epoch_ms: T + 3_600_000, rate: 3600 });
    t.clock.advance(1000);
    expect((await setClock({ frozen: false })).json().epoch_ms).toBe(T + 3_600_000);
    t.clock.advance(10);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/clock' })).json().epoch_ms).toBe(T + 3_636_000);
    for (const rate of [0, -1, 1_000_001, 'fast']) {
      const refused = await setClock({ rate } as never);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error_code).toBe('SMS.2001');
    }
    expect((await t.app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/clock' })).json().rate).toBe(1);
  });

  it('is back on the source time after a reset', async () => {
    await setClock({ time: '2030-01-02T03:04:05Z', frozen: true });
    expect((await t.app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/_mock/clock' })).json()).toEqual({
      now: new Date(t.clock.now()).toISOString(),
      epoch_ms: t.clock.now(),
      frozen: false,
      rate: 1,
    });
  });
});

describe('GET /_mock/health', () => {
  it('answers 200 with the version, for GET and HEAD', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/_mock/health' });
    expect(response.statusCode).toBe(200);
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(response.json()).toEqual({ status: 'ok', version, uptime_ms: expect.any(Number), store: { ok: true } });
    expect((await t.app.inject({ method: 'HEAD', url: '/_mock/health' })).statusCode).toBe(200);
  });
});
