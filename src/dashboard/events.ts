// The dashboard's event stream (Server-Sent Events): what changed, pushed to every open dashboard, so each view reads
// again only when there is something new and nobody polls. Changes are coalesced: however many reports a second
// arrive, a dashboard hears at most one event per `throttleMs`, naming the parts that changed (store, journal,
// faults, clock). While a dashboard is open and the mock clock runs, the simulated agent's due samples are written
// once a second, so a migration moves on screen without any request; with none open there is no timer at all.
import type { ServerResponse } from 'node:http';
import type { Core } from '../core.js';
import type { ChangeEvent } from './model.js';

export const TOPICS = ['store', 'journal', 'faults', 'clock'] as const;
export type Topic = (typeof TOPICS)[number];

export interface EventFeedOptions {
  /** At most one event per this many ms (default 250). */
  readonly throttleMs?: number;
  /** A comment line this often keeps idle connections open through proxies (default 15 s). */
  readonly heartbeatMs?: number;
  /** How often due simulated samples are written while the clock runs and a dashboard is open (default 1 s). */
  readonly tickMs?: number;
  /** Streams open at once at most (default 32). */
  readonly maxClients?: number;
}

interface Client {
  readonly response: ServerResponse;
  /** The socket's buffer is full: what changed meanwhile is sent on 'drain', in one event. */
  blocked: boolean;
  owed: Set<Topic>;
}

export interface EventFeed {
  /** Starts streaming to `response`; false when the feed is full or closed (nothing written then). */
  open(response: ServerResponse): boolean;
  readonly clients: number;
  /** Whether a stream can be opened now. */
  readonly accepts: boolean;
  /** Ends every stream and stops listening; the server is closing. */
  close(): void;
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function createEventFeed(core: Core, options: EventFeedOptions = {}): EventFeed {
  const { throttleMs = 250, heartbeatMs = 15_000, tickMs = 1000, maxClients = 32 } = options;
  const clients = new Set<Client>();
  const changed = new Set<Topic>();
  let closed = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let tick: NodeJS.Timeout | undefined;
  let catchingUp = false;
  let unlisten: (() => void)[] = [];

  const payload = (topics: Iterable<Topic>): ChangeEvent => ({
    topics: [...topics],
    clock: core.clock.state(),
    generation: core.writes.generation,
  });
  const event = (topics: Iterable<Topic>): string => frame('change', payload(topics));

  const send = (client: Client, text: string): void => {
    if (client.blocked) return;
    if (!client.response.write(text)) client.blocked = true;
  };

  const flush = (): void => {
    flushTimer = undefined;
    if (changed.size === 0) return;
    const topics = [...changed];
    changed.clear();
    const text = event(topics);
    for (const client of clients) {
      if (client.blocked) for (const topic of topics) client.owed.add(topic);
      else send(client, text);
    }
  };

  const mark = (topic: Topic) => (): void => {
    changed.add(topic);
    flushTimer ??= setTimeout(flush, throttleMs);
  };

  // The simulated agent works when someone looks; an open dashboard looks once a second while the clock runs.
  const catchUp = (): void => {
    if (catchingUp || core.clock.frozen || !core.simulation.due(core.clock.now())) return;
    catchingUp = true;
    core.simulation
      .catchUp()
      .catch(() => undefined)
      .finally(() => {
        catchingUp = false;
      });
  };

  const start = (): void => {
    unlisten = [
      core.writes.committed.listen(mark('store')),
      core.journal.changed.listen(mark('journal')),
      core.faults.changed.listen(mark('faults')),
      core.clock.changed.listen(mark('clock')),
    ];
    heartbeat = setInterval(() => {
      for (const client of clients) send(client, ': ping\n\n');
    }, heartbeatMs);
    tick = setInterval(catchUp, tickMs);
  };

  const stop = (): void => {
    for (const stopListening of unlisten) stopListening();
    unlisten = [];
    clearInterval(heartbeat);
    clearInterval(tick);
    clearTimeout(flushTimer);
    flushTimer = undefined;
    changed.clear();
  };

  const remove = (client: Client): void => {
    if (!clients.delete(client)) return;
    if (clients.size === 0) stop();
  };

  return {
    open(response) {
      if (closed || clients.size >= maxClients) return false;
      // A client that left while the request waited (the simulation catching up) has closed already: its 'close'
      // would never come, and it would hold a place for good.
      if (response.destroyed || response.socket === null || response.socket.destroyed) return false;
      const client: Client = { response, blocked: false, owed: new Set() };
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      if (clients.size === 0) start();
      clients.add(client);
      response.on('close', () => remove(client));
      response.on('drain', () => {
        client.blocked = false;
        if (client.owed.size > 0) {
          const owed = client.owed;
          client.owed = new Set();
          send(client, event(owed));
        }
      });
      // The first event says where things stand; a reconnecting dashboard reads everything again on it.
      send(client, `retry: 2000\n${frame('hello', payload(TOPICS))}`);
      return true;
    },

    get clients() {
      return clients.size;
    },

    get accepts() {
      return !closed && clients.size < maxClients;
    },

    close() {
      closed = true;
      for (const client of [...clients]) {
        clients.delete(client);
        // One that stopped reading would hold the server's close until its socket timed out.
        if (client.blocked) client.response.destroy();
        else client.response.end();
      }
      stop();
    },
  };
}
