// The page's link to the server: the event stream (EventSource reconnects by itself), the mock clock as the last
// event gave it (shown ticking at its rate without asking), and the refresh of the open view when a topic it shows
// changed: one read at a time, and one more after it when changes came meanwhile.
import type { ChangeEvent, ClockState } from '../model.js';

export type Topic = ChangeEvent['topics'][number];

export interface View {
  readonly title: string;
  readonly element: HTMLElement;
  /** What the view shows: a change of any of these reads it again. */
  readonly topics: readonly Topic[];
  refresh(): Promise<void>;
  dispose?(): void;
}

type Listener = (event: ChangeEvent) => void;

export class Live {
  #clock: ClockState | undefined;
  #clockAt = 0;
  #source: EventSource | undefined;
  readonly #listeners = new Set<Listener>();
  #onStatus: (status: string) => void = () => undefined;

  connect(onStatus: (status: string) => void): void {
    this.#onStatus = onStatus;
    this.#open();
  }

  // EventSource reconnects by itself after a dropped stream, but gives up for good on an answer that is not a stream
  // (429 while too many dashboards are open, a server restarting): then a new one is tried every 5 s.
  #open(): void {
    const source = new EventSource('/_mock/ui/api/events');
    this.#source = source;
    const handle = (message: MessageEvent<string>): void => {
      const event = JSON.parse(message.data) as ChangeEvent;
      this.setClock(event.clock);
      this.#onStatus('live');
      for (const listener of this.#listeners) listener(event);
    };
    source.addEventListener('hello', handle as EventListener);
    source.addEventListener('change', handle as EventListener);
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) {
        this.#onStatus('reconnecting');
        return;
      }
      this.#onStatus('offline, retrying');
      window.setTimeout(() => {
        if (this.#source === source) this.#open();
      }, 5000);
    });
  }

  close(): void {
    this.#source?.close();
    this.#source = undefined;
    this.#onStatus('offline');
  }

  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setClock(clock: ClockState): void {
    this.#clock = clock;
    this.#clockAt = performance.now();
  }

  get clock(): ClockState | undefined {
    return this.#clock;
  }

  /** The mock clock's time now, worked out from the last state the server gave and its rate. */
  now(): number | undefined {
    const clock = this.#clock;
    if (clock === undefined) return undefined;
    if (clock.frozen) return clock.epoch_ms;
    return clock.epoch_ms + (performance.now() - this.#clockAt) * clock.rate;
  }
}

/** Runs `work` now, or once more after the run under way when asked meanwhile; never two at once. */
export function coalesce(work: () => Promise<void>, onError: (error: unknown) => void): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    work()
      .catch(onError)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}
