import { describe, expect, it, vi } from 'vitest';
import { lazyChildren } from '../../src/plugins/requests.js';
import { api, buildTestApp, logCapture, sampleTask } from '../helpers.js';

describe('request loggers', () => {
  it('make no child while nothing is written, and one child, naming the request, at the first line written', () => {
    const { logger, lines } = logCapture('warn');
    const child = vi.spyOn(logger, 'child');
    const log = lazyChildren(logger).child({ reqId: 'r-1' }, {});
    log.debug({ a: 1 }, 'dropped');
    log.info('dropped too');
    log.trace('and this');
    expect(child).not.toHaveBeenCalled();
    expect(log.level).toBe('warn');
    expect((log as unknown as { isLevelEnabled(level: string): boolean }).isLevelEnabled('info')).toBe(false);

    log.warn({ a: 1 }, 'kept');
    log.error(new Error('boom'), 'failed');
    log.fatal('fatal %s', 'formatted');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, reqId: 'r-1', a: 1, msg: 'kept' }),
      expect.objectContaining({
        level: 50,
        reqId: 'r-1',
        msg: 'failed',
        err: expect.objectContaining({ message: 'boom' }),
      }),
      expect.objectContaining({ level: 60, reqId: 'r-1', msg: 'fatal formatted' }),
    ]);
  });

  it('follow the level set on them, and hand out children of their own child', () => {
    const { logger, lines } = logCapture('warn');
    const log = lazyChildren(logger).child({ reqId: 'r-2' });
    log.level = 'debug';
    expect(logger.level).toBe('warn');
    log.debug('now written');
    log.child({ part: 'x' }).info('from a child');
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, reqId: 'r-2', msg: 'now written' }),
      expect.objectContaining({ level: 30, reqId: 'r-2', part: 'x', msg: 'from a child' }),
    ]);
  });

  it('make a child with a level or serializers of its own at once, whose children are lazy in turn', () => {
    const { logger, lines } = logCapture('warn');
    const child = vi.spyOn(logger, 'child');
    const route = lazyChildren(logger).child({ reqId: 'r-3' }, { level: 'debug' });
    expect(child).toHaveBeenCalledTimes(1);
    route.debug('written at the route level');
    const withSerializers = lazyChildren(logger).child({}, { serializers: { a: (value: number) => value * 2 } });
    expect(child).toHaveBeenCalledTimes(2);
    const request = withSerializers.child({ reqId: 'r-5' });
    expect(child).toHaveBeenCalledTimes(2);
    request.warn({ a: 2 }, 'serialized');
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, reqId: 'r-3' }),
      expect.objectContaining({ level: 40, reqId: 'r-5', a: 4, msg: 'serialized' }),
    ]);
  });

  it('are the children of the logger handed to Fastify, which otherwise writes as the logger given', () => {
    const { logger, lines } = logCapture('warn');
    const child = vi.spyOn(logger, 'child');
    const lazy = lazyChildren(logger);
    lazy.warn({ a: 1 }, 'as given');
    lazy.info('dropped');
    logger.level = 'info';
    lazy.info('the level follows the logger given');
    const request = lazy.child({ reqId: 'r-4' });
    expect(child).not.toHaveBeenCalled();
    request.error('named');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, a: 1, msg: 'as given' }),
      expect.objectContaining({ level: 30, msg: 'the level follows the logger given' }),
      expect.objectContaining({ level: 50, reqId: 'r-4', msg: 'named' }),
    ]);
    expect(lines[0]).not.toHaveProperty('reqId');
  });

  it('name the request in every line a request writes through the app', async () => {
    const { logger, lines } = logCapture('debug');
    const own = await buildTestApp({}, undefined, { seed: [sampleTask('task-1')], logger });
    try {
      await api(own.app, { method: 'GET', url: '/v3/tasks/task-1', headers: { 'x-request-id': 'seen-1' } });
      await api(own.app, { method: 'GET', url: '/v3/tasks/missing', headers: { 'x-request-id': 'seen-2' } });
      expect(lines.filter((line) => line.reqId === 'seen-1')).toEqual([
        expect.objectContaining({ level: 20, msg: 'request', status: 200 }),
      ]);
      expect(lines.filter((line) => line.reqId === 'seen-2')).toEqual([
        expect.objectContaining({ level: 20, msg: 'request rejected', code: 'SMS.2003' }),
        expect.objectContaining({ level: 20, msg: 'request', status: 404 }),
      ]);
    } finally {
      await own.close();
    }
  });

  it('write nothing about a request at a level that drops request lines', async () => {
    const { logger, lines } = logCapture('info');
    const child = vi.spyOn(logger, 'child');
    const own = await buildTestApp({}, undefined, { seed: [sampleTask('task-1')], logger });
    try {
      const before = child.mock.calls.length;
      await api(own.app, { method: 'GET', url: '/v3/tasks/task-1' });
      await api(own.app, { method: 'GET', url: '/v3/tasks/missing' });
      expect(child.mock.calls.length).toBe(before);
      expect(lines.filter((line) => line.reqId !== undefined)).toEqual([]);
    } finally {
      await own.close();
    }
  });
});
