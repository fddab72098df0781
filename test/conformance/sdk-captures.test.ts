// Replays every request the official Python SDK sent (test/fixtures/sdk-captures) against a server seeded with
// the task ids they name: the server must accept what the real client sends, signed or not.
import { describe, expect, it } from 'vitest';
import { parseSdkDate } from '../../src/gateway/auth.js';
import { type OperationId, operations } from '../../src/schemas/generated/operations.js';
import { CAPTURE_AK, CAPTURE_SK, type Capture, captureTaskId, header, loadCaptures } from '../helpers/captures.js';
import { api, rowCount, sampleTask, type TestApp, useTestApp } from '../helpers.js';

const captures = loadCaptures();
/** The emulated operation a capture calls, by the registry's method and path template, or 'other'. */
const operation = (c: Capture): OperationId | 'other' => {
  const path = c.path.split('?', 1)[0] as string;
  const found = Object.values(operations).find(
    (op) => op.method === c.method && new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
  return found?.operationId ?? 'other';
};
const taskIds = [...new Set(captures.filter((c) => operation(c) !== 'other').map((c) => captureTaskId(c) ?? ''))];
// Every task id a capture names, there before each test.
const seed = taskIds.map((id) => sampleTask(id));
const keys = new Map([[CAPTURE_AK, CAPTURE_SK]]);

const lenient = useTestApp({}, { seed });
const verified = useTestApp({ credentials: keys }, { seed });

/** The task as ShowTask answers it to a client with a token. */
async function shown(t: TestApp, id: string): Promise<unknown> {
  const response = await api(t.app, { method: 'GET', url: `/v3/tasks/${encodeURIComponent(id)}` });
  expect(response.statusCode).toBe(200);
  return response.json();
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
  ['lenient authentication', lenient],
  ['verified signatures', verified],
])('SDK captures, %s', (_label, app) => {
  for (const capture of captures) {
    it(`${capture.file}`, async () => {
      app.clock.current = parseSdkDate(header(capture, 'x-sdk-date') ?? '') + 30_000;
      const response = await replay(app, capture);
      expect(response.statusCode).not.toBe(401);
      const id = captureTaskId(capture) ?? '';
      const called = operation(capture);
      switch (called) {
        case 'ShowTask':
          expect(response.statusCode).toBe(200);
          expect(response.json()).toEqual(await shown(app, id));
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
        case 'other':
          // Operations the registry does not list are not emulated yet: the gateway does not know them. (An
          // operation added to the registry needs its own case above: the switch is exhaustive over OperationId.)
          expect(response.statusCode).toBe(404);
          expect(response.json().error_code).toBe('APIGW.0101');
          break;
        default: {
          // Fails to compile once the registry lists an operation this replay has no case for.
          const unhandled: never = called;
          throw new Error(`no replay case for ${String(unhandled)}`);
        }
      }
    });
  }
});

describe('SDK captures with verified signatures', () => {
  const progress = captures.find((c) => c.label.endsWith('update_task_speed_doc_example'));
  if (!progress) throw new Error('capture missing');
  const signedAt = parseSdkDate(header(progress, 'x-sdk-date') ?? '');
  const otherKey = useTestApp({ credentials: new Map([['OTHER', 'x']]) }, { seed });

  it('refuses a body changed after signing, storing nothing', async () => {
    const app = verified;
    app.clock.current = signedAt;
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

  it('refuses a replay more than 15 minutes after signing, storing nothing', async () => {
    const app = verified;
    app.clock.current = signedAt + 16 * 60_000;
    const response = await replay(app, progress);
    expect(response.statusCode).toBe(401);
    // The wall clock is years away from the capture's date too: the message names both clocks' times.
    const mockTime = new Date(signedAt + 16 * 60_000).toISOString().replace('.000Z', 'Z');
    const message =
      `^Incorrect IAM authentication information: X-Sdk-Date ${header(progress, 'x-sdk-date')} is more than ` +
      `15 minutes from the server's time \\(${mockTime} or \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)$`;
    expect(response.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: expect.stringMatching(new RegExp(message)),
      request_id: response.headers['x-request-id'],
    });
    expect(rowCount(app.db, 'progress_samples')).toBe(0);
  });

  it('refuses an unknown access key, storing nothing', async () => {
    otherKey.clock.current = signedAt;
    const response = await replay(otherKey, progress);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: Get secretKey failed',
      request_id: response.headers['x-request-id'],
    });
    expect(rowCount(otherKey.db, 'progress_samples')).toBe(0);
  });
});
