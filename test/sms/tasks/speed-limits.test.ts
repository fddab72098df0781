import { describe, expect, it } from 'vitest';
import { api, dbSnapshot, json, rowCount, type ShowTaskBody, sampleTask, useTestApp } from '../../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1'), sampleTask('task-2')] });

const show = (id = 'task-1') => api(t.app, { method: 'GET', url: `/v3/tasks/${id}/speed-limit` });
const post = (payload: unknown, id = 'task-1') =>
  api(t.app, { method: 'POST', url: `/v3/tasks/${id}/speed-limit`, payload: payload as object });
const rows = (id = 'task-1') =>
  t.db
    .prepare(
      `SELECT position, start_time, end_time, speed, over_speed_threshold
       FROM task_speed_limits WHERE task_id = ? ORDER BY position`,
    )
    .raw()
    .all(id);

/** The doc example of the v1 page: single-digit hours, a period ending at 24:00, no overspeed threshold. */
const DOC_RULES = [
  { start: '0:00', end: '8:00', speed: 20 },
  { start: '8:00', end: '15:00', speed: 50 },
  { start: '15:00', end: '24:00', speed: 25 },
];

describe('GET /v3/tasks/{task_id}/speed-limit (ShowsSpeedLimits)', () => {
  it('answers an empty list for a task without rules', async () => {
    const response = await show();
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"speed_limit":[]}');
  });

  it('answers 404 for an unknown task', async () => {
    const response = await show('nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' });
  });
});

describe('POST /v3/tasks/{task_id}/speed-limit (UpdateSpeed)', () => {
  it('stores the rules as given and answers {}; GET gives them back in the same order', async () => {
    const response = await post({ speed_limit: DOC_RULES });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{}');
    expect(rows()).toEqual([
      [0, '0:00', '8:00', 20, null],
      [1, '8:00', '15:00', 50, null],
      [2, '15:00', '24:00', 25, null],
    ]);
    expect((await show()).json()).toEqual({
      speed_limit: DOC_RULES.map((rule) => ({ ...rule, over_speed_threshold: null })),
    });
    expect(rowCount(t.db, 'task_speed_limits')).toBe(3);
  });

  it('keeps the order given, not the order of the day', async () => {
    const rules = [
      { start: '22:00', end: '24:00', speed: 1000, over_speed_threshold: 50.5 },
      { start: '00:00', end: '06:30', speed: 0, over_speed_threshold: 0 },
      { start: '9:15', end: '17:45' },
    ];
    expect((await post({ speed_limit: rules })).statusCode).toBe(200);
    expect((await show()).json()).toEqual({
      speed_limit: [rules[0], rules[1], { start: '9:15', end: '17:45', speed: null, over_speed_threshold: null }],
    });
  });

  it('reads back what the Terraform provider sends and checks', async () => {
    const rule = { start: '00:00', end: '23:59', speed: 1000, over_speed_threshold: 50 };
    expect((await post({ speed_limit: [rule] })).statusCode).toBe(200);
    expect((await show()).json()).toEqual({ speed_limit: [rule] });
    const update = { start: '01:00', end: '22:59', speed: 100, over_speed_threshold: 60 };
    expect((await post({ speed_limit: [update] })).statusCode).toBe(200);
    expect((await show()).json()).toEqual({ speed_limit: [update] });
  });

  it('replaces the whole set on every POST, and an empty list clears it', async () => {
    await post({ speed_limit: DOC_RULES });
    expect((await post({ speed_limit: [{ start: '1:00', end: '2:00', speed: 5 }] })).statusCode).toBe(200);
    expect(rows()).toEqual([[0, '1:00', '2:00', 5, null]]);
    const cleared = await post({ speed_limit: [] });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.body).toBe('{}');
    expect(rows()).toEqual([]);
    expect((await show()).body).toBe('{"speed_limit":[]}');
  });

  it("keeps each task's rules apart", async () => {
    await post({ speed_limit: DOC_RULES });
    await post({ speed_limit: [{ start: '3:00', end: '4:00', speed: 1 }] }, 'task-2');
    expect(rows('task-1')).toHaveLength(3);
    expect(rows('task-2')).toEqual([[0, '3:00', '4:00', 1, null]]);
    await post({ speed_limit: [] }, 'task-2');
    expect(rows('task-1')).toHaveLength(3);
  });

  it("leaves the task's own speed_limit alone", async () => {
    await post({ speed_limit: [{ start: '0:00', end: '24:00', speed: 300 }] });
    const task = json<ShowTaskBody>(await api(t.app, { method: 'GET', url: '/v3/tasks/task-1' }));
    expect(task.speed_limit).toBe(0);
  });

  it('accepts periods that touch: one may end when the next starts', async () => {
    const response = await post({
      speed_limit: [
        { start: '8:00', end: '12:00', speed: 1 },
        { start: '0:00', end: '8:00', speed: 2 },
        { start: '12:00', end: '24:00', speed: 3 },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(rows()).toHaveLength(3);
  });

  it.each([
    [[{ start: '8:00', end: '8:00' }], 'speed_limit[0].end must be later than speed_limit[0].start'],
    [[{ start: '24:00', end: '8:00' }], 'speed_limit[0].end must be later than speed_limit[0].start'],
    [
      [
        { start: '0:00', end: '8:00' },
        { start: '10:00', end: '9:59' },
      ],
      'speed_limit[1].end must be later than speed_limit[1].start',
    ],
    [
      [
        { start: '0:00', end: '8:00' },
        { start: '07:59', end: '12:00' },
      ],
      'speed_limit[1] overlaps speed_limit[0]',
    ],
    [
      [
        { start: '0:00', end: '1:00' },
        { start: '12:00', end: '18:00' },
        { start: '13:00', end: '14:00' },
      ],
      'speed_limit[2] overlaps speed_limit[1]',
    ],
    [
      [
        { start: '9:00', end: '10:00' },
        { start: '0:00', end: '24:00' },
      ],
      'speed_limit[1] overlaps speed_limit[0]',
    ],
  ])('refuses %j with 400 naming the rule, storing nothing', async (rules, message) => {
    await post({ speed_limit: [{ start: '1:00', end: '2:00', speed: 5 }] });
    const before = dbSnapshot(t.db);
    const response = await post({ speed_limit: rules });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  const PATTERN = '^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$';
  it.each([
    [{}, 'speed_limit is required'],
    [{ speed_limit: null }, 'speed_limit must be array'],
    [{ speed_limit: {} }, 'speed_limit must be array'],
    [{ speed_limit: [{ end: '8:00' }] }, 'speed_limit[0].start is required'],
    [{ speed_limit: [{ start: '0:00' }] }, 'speed_limit[0].end is required'],
    [
      { speed_limit: [{ start: '25:00', end: '26:00' }] },
      `speed_limit[0].start has characters that are not allowed (must match ${PATTERN})`,
    ],
    [
      { speed_limit: [{ start: '0:00', end: '24:01' }] },
      `speed_limit[0].end has characters that are not allowed (must match ${PATTERN})`,
    ],
    [
      { speed_limit: [{ start: '8:0', end: '9:00' }] },
      `speed_limit[0].start has characters that are not allowed (must match ${PATTERN})`,
    ],
    [
      { speed_limit: [{ start: '8h00', end: '9:00' }] },
      `speed_limit[0].start has characters that are not allowed (must match ${PATTERN})`,
    ],
    [{ speed_limit: [{ start: 800, end: '9:00' }] }, 'speed_limit[0].start must be string'],
    [{ speed_limit: [{ start: '0:00', end: '1:00', speed: 1001 }] }, 'speed_limit[0].speed must be <= 1000'],
    [{ speed_limit: [{ start: '0:00', end: '1:00', speed: -1 }] }, 'speed_limit[0].speed must be >= 0'],
    [{ speed_limit: [{ start: '0:00', end: '1:00', speed: 1.5 }] }, 'speed_limit[0].speed must be integer'],
    [{ speed_limit: [{ start: '0:00', end: '1:00', speed: '10' }] }, 'speed_limit[0].speed must be integer'],
    [
      { speed_limit: [{ start: '0:00', end: '1:00', over_speed_threshold: -0.5 }] },
      'speed_limit[0].over_speed_threshold must be >= 0',
    ],
    [
      { speed_limit: Array.from({ length: 6 }, (_, i) => ({ start: `${i}:00`, end: `${i}:30` })) },
      'speed_limit must have at most 5 items',
    ],
  ])('refuses %j with 400 naming the field, storing nothing', async (body, message) => {
    await post({ speed_limit: DOC_RULES });
    const before = dbSnapshot(t.db);
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('answers 404 for an unknown task and stores nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await post({ speed_limit: DOC_RULES }, 'nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('takes five rules, and the rules go with their task', async () => {
    const five = Array.from({ length: 5 }, (_, i) => ({ start: `${i}:00`, end: `${i}:30`, speed: i }));
    expect((await post({ speed_limit: five })).statusCode).toBe(200);
    expect(rows()).toHaveLength(5);
    expect((await t.app.inject({ method: 'DELETE', url: '/_mock/tasks/task-1' })).statusCode).toBe(204);
    expect(rowCount(t.db, 'task_speed_limits')).toBe(0);
    expect((await show()).statusCode).toBe(404);
  });
});
