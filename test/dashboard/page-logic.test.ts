// The page's arithmetic without a browser: where a subtask's bar ends, where a chart's line breaks, how ticks and
// figures read.
import { describe, expect, it } from 'vitest';
import type { Series, TaskView, TimelineStep } from '../../src/dashboard/model.js';
import { bytes, count, duration, remaining, time } from '../../src/dashboard/ui/format.js';
import { decimal, endOf, withGaps } from '../../src/dashboard/ui/shapes.js';

const step = (status: TimelineStep['status'], start: number | null, end: number | null = null): TimelineStep => ({
  id: 1,
  name: 'MIGRATE_LINUX_FILE',
  progress: 40,
  status,
  start_date: start,
  end_date: end,
  process_trace: null,
});
const view = (lastSample: number | null) => ({ task: { last_sample_at: lastSample } }) as unknown as TaskView;

describe('a subtask bar', () => {
  it('ends at its end date, now while it runs, and at the last report when it failed or was paused', () => {
    expect(endOf(step('done', 1000, 5000), view(9000), 20_000)).toBe(5000);
    expect(endOf(step('running', 1000), view(9000), 20_000)).toBe(20_000);
    expect(endOf(step('failed', 1000), view(9000), 20_000)).toBe(9000);
    expect(endOf(step('paused', 1000), view(9000), 20_000)).toBe(9000);
    // A report from before it started (the task's earlier subtask) does not make it end before it began.
    expect(endOf(step('paused', 1000), view(500), 20_000)).toBe(1000);
    expect(endOf(step('planned', null), view(9000), 20_000)).toBeNull();
  });
});

describe('a chart line', () => {
  const series = (t: number[], bucket = 0) =>
    ({ t, bucket_ms: bucket, replicated: t.map((at) => at / 10) }) as unknown as Series;

  it('breaks where the samples stop for more than five times their usual spacing', () => {
    const s = series([0, 10, 20, 30, 200, 210, 220]);
    expect(withGaps(s, [s.replicated])).toEqual({
      t: [0, 10, 20, 30, 31, 200, 210, 220],
      columns: [[0, 1, 2, 3, null, 20, 21, 22]],
    });
  });

  it('keeps a steady series as it is, and measures buckets by their width', () => {
    const steady = series([0, 10, 20, 30, 40]);
    expect(withGaps(steady, [steady.replicated]).t).toEqual([0, 10, 20, 30, 40]);
    const bucketed = series([0, 100, 200, 1200], 100);
    expect(withGaps(bucketed, [bucketed.replicated]).t).toEqual([0, 100, 200, 201, 1200]);
  });
});

describe('figures', () => {
  it('ticks carry the decimals their step needs', () => {
    const mbps = decimal(' Mbit/s');
    expect([0, 0.25, 0.5, 0.75].map((v) => mbps(v, 0.25))).toEqual([
      '0.00 Mbit/s',
      '0.25 Mbit/s',
      '0.50 Mbit/s',
      '0.75 Mbit/s',
    ]);
    expect(mbps(25, 25)).toBe('25 Mbit/s');
    expect(mbps(0.5, 0.5)).toBe('0.5 Mbit/s');
  });

  it('units stay with their number, and binary sizes read as such', () => {
    expect(bytes(2 ** 36)).toBe('64.0\u00a0GiB');
    expect(bytes(200 * 2 ** 30)).toBe('200\u00a0GiB');
    expect(duration(90)).toBe('1\u00a0min 30\u00a0s');
    expect(remaining('RUNNING', 3600)).toBe('1\u00a0h 0\u00a0min');
    expect(remaining('MIGRATE_SUCCESS', 0)).toBe('–');
    expect([count(1, 'task'), count(3, 'task'), count(1200, 'request')]).toEqual([
      '1 task',
      '3 tasks',
      '1,200 requests',
    ]);
    // A date an int64 seed holds beyond what a Date can: shown as the number, not thrown on.
    expect(time(Number(9223372036854775807n))).toBe('9223372036854776000');
    expect(time(Date.UTC(2026, 10, 26, 8))).toBe('2026-11-26 08:00:00');
  });
});
