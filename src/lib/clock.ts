// The one source of time for everything the server writes (dates, receive times, journal entries), and the
// controllable clock behind `/_mock/clock`: it runs with a source, can be frozen, set and moved.
import type { ClockState } from '../control/schemas.js';

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

/**
 * A clock that follows a source (the system clock by default) at an offset, or stands still while frozen. Setting
 * or advancing it keeps its mode; letting a frozen clock run resumes from the frozen time.
 */
export class MockClock implements Clock {
  readonly #source: Clock;
  #offset = 0;
  #frozenAt: number | null = null;

  constructor(source: Clock = systemClock) {
    this.#source = source;
  }

  now(): number {
    return this.#frozenAt ?? this.#source.now() + this.#offset;
  }

  get frozen(): boolean {
    return this.#frozenAt !== null;
  }

  /** Stops the clock, at `at` or at its current time. */
  freeze(at: number = this.now()): void {
    this.#frozenAt = at;
  }

  /** Lets the clock run again from where it stands. */
  run(): void {
    if (this.#frozenAt === null) return;
    this.#offset = this.#frozenAt - this.#source.now();
    this.#frozenAt = null;
  }

  set(at: number): void {
    if (this.#frozenAt !== null) this.#frozenAt = at;
    else this.#offset = at - this.#source.now();
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Back to the source's time, running. */
  reset(): void {
    this.#offset = 0;
    this.#frozenAt = null;
  }

  state(): ClockState {
    const now = this.now();
    return { now: new Date(now).toISOString(), epoch_ms: now, frozen: this.frozen };
  }
}
