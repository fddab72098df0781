// The dashboard's event stream: over a real port, a `hello` then coalesced `change` events naming what changed; a
// bound on open streams; streams ended by the server's close; and, while a dashboard is open and the clock runs, the
// simulated agent's due samples written without any request.
import { EventEmitter } from 'node:events';
import { get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventFeed } from '../../src/dashboard/events.js';
import type { ChangeEvent } from '../../src/dashboard/model.js';
import { api, buildTestApp, progressReport, sampleTask, type TestApp } from '../helpers.js';
import { startedTask } from '../sms/simulation/fixtures.js';

interface Frame {
  event: string;
  data: ChangeEvent;
}

/** An open stream: the frames read so far, and a wait for the next ones. */
interface Stream {
  response: IncomingMessage;
  frames: Frame[];
  next(count: number, timeoutMs?: number): Promise<Frame[]>;
  ended: Promise<void>;
  close(): void;
}

function parse(buffer: string): { frames: Frame[]; rest: string } {
  const frames: Frame[] = [];
  const parts = buffer.split('\n\n');
  const rest = parts.pop() ?? '';
  for (const part of parts) {
    const lines = part.split('\n');
    const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
    const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
    if (event !== undefined && data !== undefined) frames.push({ event, data: JSON.parse(data) as ChangeEvent });
  }
  return { frames, rest };
}

function open(url: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => {
      const frames: Frame[] = [];
      let buffer = '';
      const waiters: (() => void)[] = [];
      let read = 0;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const parsed = parse(buffer + chunk);
        buffer = parsed.rest;
        frames.push(...parsed.frames);
        for (const waiter of waiters.splice(0)) waiter();
      });
      const ended = new Promise<void>((done) => response.on('end', done).on('close', done));
      resolve({
        response,
        frames,
        ended,
        close: () => request.destroy(),
        next: (count, timeoutMs = 3000) =>
          new Promise((done, fail) => {
            const target = read + count;
            read = target;
            const timer = setTimeout(() => fail(new Error(`only ${frames.length} of ${target} frames`)), timeoutMs);
            const check = (): void => {
              if (frames.length >= target) {
                clearTimeout(timer);
                done(frames.slice(target - count, target));
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
    request.on('error', reject);
  });
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function listening(): Promise<{ t: TestApp; base: string }> {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return { t, base: `http://127.0.0.1:${port}` };
}

describe('GET /_mock/ui/api/events', () => {
  it('says hello, then one change event for a burst of reports, naming the store and the journal', async () => {
    const { t, base } = await listening();
    await t.app.inject({ method: 'PUT', url: '/_mock/tasks/task-1', payload: sampleTask('task-1') });
    const stream = await open(`${base}/_mock/ui/api/events`);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const [hello] = await stream.next(1);
    expect(hello?.event).toBe('hello');
    expect(hello?.data.clock).toEqual(t.core.clock.state());
    const generation = hello?.data.generation as number;

    for (let i = 1; i <= 30; i++) {
      const response = await api(t.app, {
        method: 'PUT',
        url: '/v3/tasks/task-1/progress',
        payload: progressReport({ progress: i }),
      });
      expect(response.statusCode).toBe(200);
    }
    const [change] = await stream.next(1);
    expect(change?.event).toBe('change');
    expect([...(change?.data.topics ?? [])].sort()).toEqual(['journal', 'store']);
    // Thirty reports within one throttle window: one event, or two when the burst straddled its end.
    await new Promise((done) => setTimeout(done, 600));
    const changes = stream.frames.filter((frame) => frame.event === 'change');
    expect(changes.length).toBeLessThanOrEqual(2);
    expect(changes.at(-1)?.data.generation).toBe(generation + 30);
    stream.close();
  });

  it('names the faults and the clock when they change', async () => {
    const { t, base } = await listening();
    const stream = await open(`${base}/_mock/ui/api/events`);
    await stream.next(1);
    await t.app.inject({ method: 'POST', url: '/_mock/faults', payload: { effect: { type: 'drop' } } });
    await t.app.inject({ method: 'PUT', url: '/_mock/clock', payload: { advance_ms: 60_000 } });
    const [change] = await stream.next(1);
    expect([...(change?.data.topics ?? [])].sort()).toEqual(['clock', 'faults']);
    expect(change?.data.clock).toEqual(t.core.clock.state());
    stream.close();
  });

  it('refuses a stream past the bound with 429 in the vendor shape, and ends every stream on close', async () => {
    const { t, base } = await listening();
    const streams = await Promise.all(Array.from({ length: 32 }, () => open(`${base}/_mock/ui/api/events`)));
    expect(streams.map((stream) => stream.response.statusCode)).toEqual(Array(32).fill(200));
    const refused = await fetch(`${base}/_mock/ui/api/events`);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error_code: 'MOCK.0429',
      error_msg: 'Too many dashboard event streams: 32 dashboards are open',
    });
    const closed = t.app.close();
    await Promise.all(streams.map((stream) => stream.ended));
    await closed;
    expect(t.core.writes.committed.listening).toBe(false);
    expect(t.core.journal.changed.listening).toBe(false);
  });

  it('stops listening when the last dashboard goes', async () => {
    const { t, base } = await listening();
    const stream = await open(`${base}/_mock/ui/api/events`);
    await stream.next(1);
    expect(t.core.writes.committed.listening).toBe(true);
    stream.close();
    await stream.ended;
    await new Promise((done) => setTimeout(done, 50));
    expect(t.core.writes.committed.listening).toBe(false);
    expect(t.core.clock.changed.listening).toBe(false);
  });
});

/** What the feed writes to, standing in for a ServerResponse. */
class FakeResponse extends EventEmitter {
  text = '';
  ended = false;
  destroyed = false;
  socket: object | null = {};
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  end(): void {
    this.ended = true;
    this.emit('close');
  }
}

describe('the feed while a dashboard is open', () => {
  it('writes the samples that came due on a running clock, with no request, and tells the dashboard', async () => {
    t = await buildTestApp();
    const { id } = await startedTask(t);
    const count = () => t?.db.prepare('SELECT COUNT(*) FROM progress_samples WHERE task_id = ?').pluck().get(id);
    const before = count() as number;
    const feed = createEventFeed(t.core, { tickMs: 20, throttleMs: 10 });
    const response = new FakeResponse();
    expect(feed.open(response as unknown as ServerResponse)).toBe(true);
    // The test's clock source moves: a minute of mock time passes with nobody asking.
    t.clock.advance(60_000);
    await expect.poll(() => count(), { timeout: 3000, interval: 20 }).toBe(before + 6);
    await expect.poll(() => response.text.includes('event: change'), { timeout: 3000, interval: 20 }).toBe(true);
    feed.close();
    expect(response.ended).toBe(true);
    // Closed: the clock moves on and nothing is written any more.
    t.clock.advance(60_000);
    await new Promise((done) => setTimeout(done, 100));
    expect(count()).toBe(before + 6);
    expect(feed.open(new FakeResponse() as unknown as ServerResponse)).toBe(false);
  });

  it('refuses a stream whose client left while the request waited, holding no place and no listener for it', async () => {
    t = await buildTestApp();
    const feed = createEventFeed(t.core, { throttleMs: 5 });
    const gone = Object.assign(new FakeResponse(), { destroyed: true, socket: null });
    expect(feed.open(gone as unknown as ServerResponse)).toBe(false);
    expect(feed.clients).toBe(0);
    expect(t.core.writes.committed.listening).toBe(false);
    feed.close();
  });

  it('holds back what changed while a dashboard reads slowly, and sends it in one event when it drains', async () => {
    t = await buildTestApp();
    const feed = createEventFeed(t.core, { throttleMs: 5 });
    const response = new FakeResponse();
    let full = false;
    response.write = function (chunk: string) {
      this.text += chunk;
      return !full;
    };
    feed.open(response as unknown as ServerResponse);
    full = true;
    await t.app.inject({ method: 'PUT', url: '/_mock/clock', payload: { advance_ms: 1000 } });
    await new Promise((done) => setTimeout(done, 30));
    const written = response.text;
    await t.app.inject({ method: 'POST', url: '/_mock/faults', payload: { effect: { type: 'drop' } } });
    await new Promise((done) => setTimeout(done, 30));
    // Blocked after the clock's event: the fault's change waits.
    expect(response.text).toBe(written);
    full = false;
    response.emit('drain');
    const last = parse(response.text.slice(written.length)).frames;
    expect(last.map((frame) => [frame.event, frame.data.topics])).toEqual([['change', ['faults']]]);
    feed.close();
  });
});
