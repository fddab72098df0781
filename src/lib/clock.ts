// The one source of time for everything the server writes (dates, receive times, journal entries), and the
// controllable clock behind `/_mock/clock`: it runs with a source, can be frozen, set and moved.
import type { ClockState } from '../control/schemas.js';
import { Signal } from './signal.js';

/** Times the mock clock may be set to (1970 to 9999): every date field and ISO rendering stays valid. */
export const CLOCK_MIN = 0;
export const CLOCK_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

// What GET /_mock/clock answers is defined once, with the control API's schemas. A type-only import: nothing of
// TypeBox or the control API is loaded with the clock.
export type { ClockState } from '../control/schemas.js';

/** How much faster than its source the mock clock may run (a year a minute is about 500,000×), and how much slower. */
export const CLOCK_MAX_RATE = 1_000_000;
export const CLOCK_MIN_RATE = 0.001;

/**
 * A clock that follows a source (the system clock by default) at an offset and a rate, or stands still while
 * frozen. Setting or advancing it keeps its mode; letting a frozen clock run resumes from the frozen time. At a rate
 * above 1 it runs faster than its source (60: a minute a second), from the moment the rate was set.
 */
export class MockClock implements Clock {
  readonly #source: Clock;
  /** The clock's time at the anchor, and the source's: now = at + (source - sourceAt) × rate. */
  #at: number;
  #sourceAt: number;
  #rate = 1;
  #frozenAt: number | null = null;
  /** Raised when the clock is set, moved, frozen, let run, given a rate or reset (not as it ticks). */
  readonly changed = new Signal();

  constructor(source: Clock = systemClock) {
    this.#source = source;
    this.#sourceAt = source.now();
    this.#at = this.#sourceAt;
  }

  now(): number {
    if (this.#frozenAt !== null) return this.#frozenAt;
    const since = this.#source.now() - this.#sourceAt;
    return this.#rate === 1 ? this.#at + since : Math.floor(this.#at + since * this.#rate);
  }

  get frozen(): boolean {
    return this.#frozenAt !== null;
  }

  get rate(): number {
    return this.#rate;
  }

  /** Stops the clock, at `at` or at its current time. */
  freeze(at: number = this.now()): void {
    this.#frozenAt = at;
    this.changed.raise();
  }

  /** Lets the clock run again from where it stands. */
  run(): void {
    if (this.#frozenAt === null) return;
    this.#anchor(this.#frozenAt);
    this.#frozenAt = null;
    this.changed.raise();
  }

  set(at: number): void {
    if (this.#frozenAt !== null) this.#frozenAt = at;
    else this.#anchor(at);
    this.changed.raise();
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Runs `rate` times as fast as the source from now on (1: the source's pace); a frozen clock keeps still. */
  setRate(rate: number): void {
    if (!(rate >= CLOCK_MIN_RATE && rate <= CLOCK_MAX_RATE)) throw new RangeError(`clock rate out of range: ${rate}`);
    if (this.#frozenAt === null) this.#anchor(this.now());
    this.#rate = rate;
    this.changed.raise();
  }

  /** Back to the source's time, running at its pace. */
  reset(): void {
    this.#rate = 1;
    this.#frozenAt = null;
    this.#anchor(this.#source.now());
    this.changed.raise();
  }

  state(): ClockState {
    const now = this.now();
    return { now: new Date(now).toISOString(), epoch_ms: now, frozen: this.frozen, rate: this.#rate };
  }

  #anchor(at: number): void {
    this.#at = at;
    this.#sourceAt = this.#source.now();
  }
}
