import { describe, expect, it } from 'vitest';
import { type FaultRequest, FaultRules } from '../../src/control/faults.js';
import { ApiError } from '../../src/lib/errors.js';

const progress: FaultRequest = {
  operation: 'UpdateTaskSpeed',
  method: 'PUT',
  path: '/v3/tasks/t1/progress',
  resource: 'task_id',
  resourceId: 't1',
};
const show: FaultRequest = {
  operation: 'ShowTask',
  method: 'GET',
  path: '/v3/tasks/t1',
  resource: 'task_id',
  resourceId: 't1',
};

/** Which of `n` identical requests a rule fires on, 1-based. */
function firings(rules: FaultRules, n: number, request = progress): number[] {
  const fired: number[] = [];
  for (let i = 1; i <= n; i++) if (rules.pick(request)) fired.push(i);
  return fired;
}

describe('FaultRules', () => {
  it('a rule with probability 0.3 and a fixed seed fires on the same requests in two runs', () => {
    const run = () => {
      const rules = new FaultRules();
      rules.add({ operation: 'UpdateTaskSpeed', probability: 0.3, seed: 42, effect: { type: 'drop' } });
      return firings(rules, 200);
    };
    const first = run();
    expect(run()).toEqual(first);
    // Neither never nor always: roughly 30% of 200.
    expect(first.length).toBeGreaterThan(35);
    expect(first.length).toBeLessThan(85);
    const rules = new FaultRules();
    rules.add({ operation: 'UpdateTaskSpeed', probability: 0.3, seed: 43, effect: { type: 'drop' } });
    expect(firings(rules, 200)).not.toEqual(first);
  });

  it('fires on the first N matches, on every Nth, or on every match', () => {
    const first = new FaultRules();
    const rule = first.add({ first: 2, effect: { type: 'empty' } });
    expect(firings(first, 5)).toEqual([1, 2]);
    expect([rule.matched, rule.fired]).toEqual([5, 2]);
    const nth = new FaultRules();
    nth.add({ every_nth: 3, effect: { type: 'empty' } });
    expect(firings(nth, 10)).toEqual([3, 6, 9]);
    const always = new FaultRules();
    always.add({ effect: { type: 'empty' } });
    expect(firings(always, 3)).toEqual([1, 2, 3]);
  });

  it('matches on operation, method, path pattern and task id', () => {
    const cases: [Parameters<FaultRules['add']>[0], boolean, boolean][] = [
      [{ operation: 'ShowTask', effect: { type: 'drop' } }, false, true],
      [{ method: 'put', effect: { type: 'drop' } }, true, false],
      [{ path: '/v3/tasks/*/progress', effect: { type: 'drop' } }, true, false],
      [{ path: '/v3/tasks/{task_id}', effect: { type: 'drop' } }, false, true],
      [{ path: '/v3/tasks/t1', method: 'GET', effect: { type: 'drop' } }, false, true],
      [{ task_id: 't2', effect: { type: 'drop' } }, false, false],
      [{ task_id: 't1', operation: 'UpdateTaskSpeed', effect: { type: 'drop' } }, true, false],
    ];
    for (const [input, onProgress, onShow] of cases) {
      const rules = new FaultRules();
      rules.add(input);
      expect([Boolean(rules.pick(progress)), Boolean(rules.pick(show))], JSON.stringify(input)).toEqual([
        onProgress,
        onShow,
      ]);
    }
  });

  it('applies the oldest rule that fires; later rules do not see that request', () => {
    const rules = new FaultRules();
    const a = rules.add({ first: 1, effect: { type: 'error', preset: 'internal' } });
    const b = rules.add({ effect: { type: 'error', preset: 'forbidden' } });
    expect(rules.pick(progress)?.rule.id).toBe(a.id);
    expect(rules.pick(progress)?.rule.id).toBe(b.id);
    expect([a.matched, a.fired, b.matched, b.fired]).toEqual([2, 1, 1, 1]);
  });

  it('turns presets and custom statuses into errors', () => {
    const rules = new FaultRules();
    rules.add({ first: 1, effect: { type: 'error', preset: 'throttled' } });
    rules.add({ first: 1, effect: { type: 'error', preset: 'unavailable', retry_after: 30 } });
    rules.add({ first: 1, effect: { type: 'error', status: 418, error_code: 'SMS.0418', error_msg: 'teapot' } });
    rules.add({ first: 1, effect: { type: 'error', status: 502 } });
    expect([1, 2, 3, 4].map(() => rules.pick(progress)?.error)).toEqual([
      {
        definition: {
          status: 429,
          code: 'APIGW.0308',
          message: 'The throttling threshold has been reached',
          source: 'APIGW',
        },
        message: 'The throttling threshold has been reached',
        retryAfter: 1,
      },
      {
        definition: { status: 503, code: 'APIGW.0201', message: 'Backend unavailable', source: 'APIGW' },
        message: 'Backend unavailable',
        retryAfter: 30,
      },
      { definition: { status: 418, code: 'SMS.0418', message: 'teapot', source: 'SMS' }, message: 'teapot' },
      {
        definition: { status: 502, code: 'SMS.2007', message: 'Background exception', source: 'SMS' },
        message: 'Background exception',
      },
    ]);
  });

  it('draws latency within the range, the same way for the same seed', () => {
    const draw = () => {
      const rules = new FaultRules();
      rules.add({ probability: 1, seed: 7, effect: { type: 'latency', latency_ms: 100, latency_max_ms: 200 } });
      return Array.from({ length: 50 }, () => rules.pick(progress)?.delayMs as number);
    };
    const delays = draw();
    expect(draw()).toEqual(delays);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });

  it('refuses rules that cannot mean anything', () => {
    const rules = new FaultRules();
    const refused = (input: Parameters<FaultRules['add']>[0]) => () => rules.add(input);
    expect(refused({ first: 1, every_nth: 2, effect: { type: 'drop' } })).toThrow(ApiError);
    expect(refused({ seed: 1, effect: { type: 'drop' } })).toThrow('seed only applies with probability');
    expect(refused({ effect: { type: 'latency' } })).toThrow('a latency effect needs latency_ms');
    expect(refused({ effect: { type: 'drop', preset: 'internal' } })).toThrow('only apply to an error effect');
    expect(refused({ effect: { type: 'error' } })).toThrow('an error effect needs a preset or a status');
    expect(refused({ effect: { type: 'latency', latency_ms: 5, latency_max_ms: 4 } })).toThrow(
      'latency_max_ms must not be below latency_ms',
    );
    expect(rules.size).toBe(0);
  });

  it('refuses an operation name it was not told of, naming it and the known ones', () => {
    const rules = new FaultRules(new Set(['ShowTask', 'UpdateTaskSpeed']));
    expect(() => rules.add({ operation: 'UpdateTaskSped', effect: { type: 'drop' } })).toThrow(
      "Invalid request parameter: operation 'UpdateTaskSped' is not one of: ShowTask, UpdateTaskSpeed",
    );
    expect(rules.size).toBe(0);
    rules.add({ operation: 'UpdateTaskSpeed', effect: { type: 'drop' } });
    expect(rules.pick(progress)?.rule.id).toBe('fault-1');
  });

  it('lists, removes and clears rules', () => {
    const rules = new FaultRules();
    const a = rules.add({ effect: { type: 'drop' } });
    const b = rules.add({ effect: { type: 'empty' } });
    expect(rules.list().map((r) => r.id)).toEqual([a.id, b.id]);
    expect(rules.remove(a.id)).toBe(true);
    expect(rules.remove(a.id)).toBe(false);
    rules.clear();
    expect(rules.list()).toEqual([]);
  });
});
