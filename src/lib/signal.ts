// A change notice without payload: the parts of the mock that change (the store, the journal, the fault rules, the
// clock, the simulation's default) raise one, and whoever watches (the dashboard's event stream) finds out what is
// new by reading. Raising one with no listener is a size check, so the hot paths pay nothing while nobody watches.

export class Signal {
  readonly #listeners = new Set<() => void>();

  /** Calls `listener` on every raise from now on; the function returned stops that. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  raise(): void {
    if (this.#listeners.size === 0) return;
    for (const listener of this.#listeners) listener();
  }
}
