// Replays every request the official Python SDK sent (test/fixtures/sdk-captures) against a server seeded with
// the task ids they name: the server must accept what the real client sends, signed or not.
import { afterEach, describe, expect, it } from 'vitest';
import { parseSdkDate } from '../../src/gateway/auth.js';
import { CAPTURE_AK, CAPTURE_SK, type Capture, captureTaskId, header, loadCaptures } from '../captures.js';
import { buildTestApp, rowCount, sampleTask, type TestApp, TestClock } from '../helpers.js';

const captures = loadCaptures();
const operation = (c: Capture): 'ShowTask' | 'UpdateTask' | 'UpdateTaskSpeed' | 'other' => {
  if (/^\/v3\/tasks\/[^/?]+$/.test(c.path))
    return c.method === 'GET' ? 'ShowTask' : c.method === 'PUT' ? 'UpdateTask' : 'other';
  if (/^\/v3\/tasks\/[^/?]+\/progress$/.test(c.path) && c.method === 'PUT') return 'UpdateTaskSpeed';
  return 'other';
};
const taskIds = [...new Set(captures.filter((c) => operation(c) !== 'other').map((c) => captureTaskId(c) ?? ''))];

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function seededApp(
  credentials: Map<string, string>,
  clock: TestClock,
): Promise<{ app: TestApp; shown: Map<string, unknown> }> {
  const app = await buildTestApp({ credentials }, clock);
  const shown = new Map<string, unknown>();
  for (const id of taskIds) {
    const response = await app.app.inject({
      method: 'PUT',
      url: `/_mock/tasks/${encodeURIComponent(id)}`,
      payload: sampleTask(id),
    });
    expect(response.statusCode).toBe(200);
    shown.set(id, response.json());
  }
  return { app, shown };
}

function replay(app: TestApp, capture: Capture, body = Buffer.from(capture.body_b64, 'base64')) {
  return app.app.inject({
    method: capture.method as 'GET',
    url: capture.path,
    headers: Object.fromEntries(capture.headers.map(([name, value]) => [name.toLowerCase(), value])),
    ...(body.length > 0 ? { body } : {}),
  });
}

describe.each([
  ['lenient authentication', false],
  ['verified signatures', true],
])('SDK captures, %s', (_label, verify) => {
  for (const capture of captures) {
    it(`${capture.file}`, async () => {
      const signedAt = parseSdkDate(header(capture, 'x-sdk-date') ?? '');
      const credentials = verify ? new Map([[CAPTURE_AK, CAPTURE_SK]]) : new Map<string, string>();
      const { app, shown } = await seededApp(credentials, new TestClock(signedAt + 30_000));
      t = app;
      const response = await replay(app, capture);
      expect(response.statusCode).not.toBe(401);
      const id = captureTaskId(capture) ?? '';
      switch (operation(capture)) {
        case 'ShowTask':
          expect(response.statusCode).toBe(200);
          expect(response.json()).toEqual(shown.get(id));
          break;
        case 'UpdateTask':
          expect(response.statusCode).toBe(200);
          expect(response.json()).toEqual({ id });
          break;
        case 'UpdateTaskSpeed':
          if (capture.label.endsWith('missing_required')) {
            expect(response.statusCode).toBe(400);
            expect(response.json()).toEqual({
              error_code: 'SMS.2001',
              error_msg: 'Invalid request parameter: progress is required',
            });
            expect(rowCount(app.db, 'progress_samples')).toBe(0);
          } else {
            expect(response.statusCode).toBe(200);
            expect(response.json()).toEqual({});
            expect(rowCount(app.db, 'progress_samples')).toBe(1);
          }
          break;
        default:
          // Operations beyond the three core ones are not emulated yet: the gateway does not know them.
          expect(response.statusCode).toBe(404);
          expect(response.json().error_code).toBe('APIGW.0101');
      }
    });
  }
});

describe('SDK captures with verified signatures', () => {
  const progress = captures.find((c) => c.label.endsWith('update_task_speed_doc_example'));
  if (!progress) throw new Error('capture missing');
  const signedAt = parseSdkDate(header(progress, 'x-sdk-date') ?? '');
  const keys = new Map([[CAPTURE_AK, CAPTURE_SK]]);

  it('refuses a body changed after signing, storing nothing', async () => {
    const { app } = await seededApp(keys, new TestClock(signedAt));
    t = app;
    const tampered = Buffer.from(progress.body_text.replace('"totalsize": 100000', '"totalsize": 100001'));
    const response = await replay(app, progress, tampered);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
      request_id: response.headers['x-request-id'],
    });
    expect(rowCount(app.db, 'progress_samples')).toBe(0);
  });

  it('refuses a replay more than 15 minutes after signing', async () => {
    const { app } = await seededApp(keys, new TestClock(signedAt + 16 * 60_000));
    t = app;
    expect((await replay(app, progress)).statusCode).toBe(401);
  });

  it('refuses an unknown access key', async () => {
    const { app } = await seededApp(new Map([['OTHER', 'x']]), new TestClock(signedAt));
    t = app;
    const response = await replay(app, progress);
    expect(response.statusCode).toBe(401);
    expect(response.json().error_msg).toBe('Incorrect IAM authentication information: Get secretKey failed');
  });
});
