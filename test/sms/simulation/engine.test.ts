// One sample as a pure function: the same inputs give the same sample, and whatever the profile, limit and draws, a
// sample never moves more than its speed allows, never goes back, never passes its subtask's size or the staged
// failure (fast-check, seeded).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cursorAt, draw, type SampleContext, sample, sampleRate, textKey } from '../../../src/sms/simulation/engine.js';
import { PRESET_PROFILES, PRESETS, type Profile, resolveProfile } from '../../../src/sms/simulation/profiles.js';

const SEED = 20261126;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

function context(profile: Profile, changes: Partial<SampleContext> = {}): SampleContext {
  return {
    profile,
    step: 0,
    key: textKey('web-01'),
    from: 0,
    to: 10_000,
    limitMbps: null,
    totalBytes: 10 * 1024 ** 3,
    replicated: { replicatesize: 0, totalsize: 10 * 1024 ** 3 },
    laterSeconds: 0,
    hostMemoryMb: 4096,
    failedBefore: false,
    ...changes,
  };
}

describe('draws', () => {
  it('depend only on seed, key, step and slot, in [0, 1)', () => {
    expect(draw(1, 2, 3, 4)).toBe(draw(1, 2, 3, 4));
    const values = new Set<number>();
    for (let step = 0; step < 1000; step++) {
      const value = draw(1, textKey('web-01'), step, 0);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      values.add(value);
    }
    expect(values.size).toBe(1000);
    expect(draw(2, 2, 3, 4)).not.toBe(draw(1, 2, 3, 4));
  });
});

describe('a sample', () => {
  it('of a data subtask moves bytes at the sampled rate, shown as the speed it really had', () => {
    const profile = PRESET_PROFILES.lan;
    const ctx = context(profile);
    const rate = sampleRate(ctx);
    expect(rate).toBeGreaterThanOrEqual(720);
    expect(rate).toBeLessThanOrEqual(880);
    const out = sample({ name: 'MIGRATE_LINUX_FILE', elapsedMs: 0, bytes: 0 }, ctx);
    expect(out.cursor.bytes).toBe(Math.floor(rate * 125_000 * 10));
    expect(out.report).toMatchObject({
      subtask_name: 'MIGRATE_LINUX_FILE',
      progress: Math.floor((out.cursor.bytes / ctx.totalBytes) * 100),
      replicatesize: out.cursor.bytes,
      totalsize: ctx.totalBytes,
      process_trace: `MIGRATE_LINUX_FILE: ${out.cursor.bytes} of ${ctx.totalBytes} bytes copied`,
      agent_disk_io: out.report.migrate_speed,
      agent_time: '1970-01-01T00:00:10.000Z',
    });
    expect(out.report.migrate_speed).toBeLessThanOrEqual(rate);
    expect(out.report.migrate_speed).toBeGreaterThan(rate - 0.02);
    expect(sample({ name: 'MIGRATE_LINUX_FILE', elapsedMs: 0, bytes: 0 }, ctx)).toEqual(out);
  });

  it('of a flaky link stalls on some samples and drops on others', () => {
    const profile = PRESET_PROFILES.flaky;
    const rates = Array.from({ length: 400 }, (_, step) => sampleRate(context(profile, { step })));
    const stalls = rates.filter((rate) => rate === 0).length;
    const drops = rates.filter((rate) => rate > 0 && rate < 200 * 0.7 * 0.3 + 1).length;
    expect(stalls).toBeGreaterThan(20);
    expect(stalls).toBeLessThan(80);
    expect(drops).toBeGreaterThan(40);
  });

  it('of a subtask that copies nothing moves its time, to 100 at its duration', () => {
    const profile = PRESET_PROFILES.lan;
    let cursor = { name: 'SSL_CONFIG', elapsedMs: 0, bytes: 0 };
    const progress: number[] = [];
    for (let step = 0; step < 3; step++) {
      const out = sample(cursor, context(profile, { step, from: step * 10_000, to: (step + 1) * 10_000 }));
      progress.push(out.report.progress);
      cursor = out.cursor;
      expect(out.finished).toBe(step === 2);
    }
    expect(progress).toEqual([33, 66, 100]);
  });

  it('takes a resumed subtask up at its stored progress', () => {
    const profile = PRESET_PROFILES.lan;
    expect(cursorAt('MIGRATE_LINUX_FILE', 40, 1000, profile)).toEqual({
      name: 'MIGRATE_LINUX_FILE',
      elapsedMs: 0,
      bytes: 400,
    });
    expect(cursorAt('ATTACH_AGENT_IMAGE', 50, 1000, profile)).toEqual({
      name: 'ATTACH_AGENT_IMAGE',
      elapsedMs: 78_000,
      bytes: 0,
    });
  });

  it('keeps its invariants for any profile, limit and position (property)', () => {
    const profileArb = fc.record({
      profile: fc.constantFrom(...PRESETS.filter((p) => p !== 'manual')),
      throughput_mbps: fc.double({ min: 0, max: 100_000, noNaN: true }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
      drop_probability: fc.double({ min: 0, max: 1, noNaN: true }),
      drop_to: fc.double({ min: 0.05, max: 1, noNaN: true }),
      stall_probability: fc.double({ min: 0, max: 1, noNaN: true }),
      sample_interval_s: fc.integer({ min: 1, max: 60 }),
      duration_scale: fc.double({ min: 0.001, max: 1000, noNaN: true }),
      seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fail: fc.option(
        fc.record({
          subtask: fc.constantFrom('MIGRATE_LINUX_FILE', 'SSL_CONFIG', 'data'),
          percent: fc.integer({ min: 0, max: 99 }),
          error_code: fc.constant('SMS.0515'),
        }),
      ),
    });
    fc.assert(
      fc.property(
        profileArb,
        fc.constantFrom('MIGRATE_LINUX_FILE', 'SYNC_LINUX_FILE', 'SSL_CONFIG', 'CONFIGURE_WINDOWS', 'OTHER'),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 100 }),
        fc.option(fc.integer({ min: 1, max: 1000 })),
        fc.integer({ min: 0, max: 1_000_000 }),
        (input, name, totalBytes, startAt, limit, step) => {
          const profile = resolveProfile(input);
          const ctx = context(profile, { step, totalBytes, limitMbps: limit, to: profile.sample_interval_s * 1000 });
          const cursor = cursorAt(name, startAt, totalBytes, profile);
          const out = sample(cursor, ctx);
          const { report } = out;
          expect(report.progress).toBeGreaterThanOrEqual(0);
          expect(report.progress).toBeLessThanOrEqual(100);
          expect(out.cursor.bytes).toBeGreaterThanOrEqual(cursor.bytes);
          expect(out.cursor.bytes).toBeLessThanOrEqual(totalBytes);
          expect(out.cursor.elapsedMs).toBeGreaterThanOrEqual(cursor.elapsedMs);
          expect(report.migrate_speed).toBeGreaterThanOrEqual(0);
          if (limit !== null) expect(report.migrate_speed).toBeLessThanOrEqual(limit);
          const moved = out.cursor.bytes - cursor.bytes;
          expect(moved).toBeLessThanOrEqual((report.migrate_speed + 0.01) * 125_000 * profile.sample_interval_s);
          expect(report.remain_time).toBeGreaterThanOrEqual(0);
          expect(Number.isSafeInteger(report.replicatesize)).toBe(true);
          if (out.failed) {
            expect(report.progress).toBe(profile.fail?.percent);
            expect(out.finished).toBe(false);
          }
          if (out.finished) expect(report.progress).toBe(100);
          expect(sample(cursor, ctx)).toEqual(out);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
