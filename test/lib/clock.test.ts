import { describe, expect, it } from 'vitest';
import { MockClock } from '../../src/lib/clock.js';

describe('MockClock', () => {
  const source = () => {
    const s = { t: 1_000_000, now: () => s.t };
    return s;
  };

  it('follows its source until frozen, then stands still', () => {
    const s = source();
    const clock = new MockClock(s);
    expect(clock.now()).toBe(1_000_000);
    s.t += 500;
    expect(clock.now()).toBe(1_000_500);
    clock.freeze();
    s.t += 10_000;
    expect(clock.state()).toEqual({
      now: new Date(1_000_500).toISOString(),
      epoch_ms: 1_000_500,
      frozen: true,
      rate: 1,
    });
  });

  it('runs again from the frozen time, keeping the offset', () => {
    const s = source();
    const clock = new MockClock(s);
    clock.freeze(5_000);
    s.t += 1_000;
    clock.run();
    expect(clock.now()).toBe(5_000);
    s.t += 250;
    expect([clock.now(), clock.frozen]).toEqual([5_250, false]);
  });

  it('sets and advances in either mode, and resets to the source', () => {
    const s = source();
    const clock = new MockClock(s);
    clock.set(2_000_000);
    s.t += 10;
    expect(clock.now()).toBe(2_000_010);
    clock.advance(60_000);
    expect(clock.now()).toBe(2_060_010);
    clock.freeze();
    clock.advance(-10);
    clock.set(clock.now() + 1);
    expect(clock.now()).toBe(2_060_001);
    clock.reset();
    expect([clock.now(), clock.frozen]).toEqual([s.t, false]);
  });
});
