// An integration test run against sms-mock as a separate process (started by run.sh, which passes its address in
// SMS_MOCK_URL): the agent talks to the emulated API, the test arranges and checks through the /_mock control API.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { reportProgress } from './agent.mjs';

const endpoint = process.env.SMS_MOCK_URL;
if (!endpoint) throw new Error('SMS_MOCK_URL is not set: run this through run.sh');

async function call(method, path, body) {
  const response = await fetch(`${endpoint}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const report = {
  subtask_name: 'MIGRATE_LINUX_BLOCK',
  progress: 42,
  replicatesize: 4509715660,
  totalsize: 10737418240,
  process_trace: 'copying /dev/vda1',
};
const agent = { endpoint, token: 'ci-token', taskId: 'task-1' };

// Every test starts from the seed file's task, with an empty journal and no fault rules.
beforeEach(async () => {
  assert.equal((await call('POST', '/_mock/reset')).status, 204);
});

test('a first report moves the task to RUNNING and is stored', async () => {
  assert.deepEqual(await reportProgress({ ...agent, report }), {});

  // ShowTask as a client sees it (the emulated API wants credentials; the /_mock routes do not).
  const shown = await fetch(`${endpoint}/v3/tasks/task-1`, {
    headers: { 'x-auth-token': 'ci-token' },
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(shown.status, 200);
  const body = await shown.json();
  assert.equal(body.state, 'RUNNING');
  assert.deepEqual(
    body.sub_tasks.map((s) => [s.name, s.progress]),
    [
      ['CREATE_CLOUD_SERVER', 0],
      ['MIGRATE_LINUX_BLOCK', 42],
    ],
  );

  const { body: stored } = await call('GET', '/_mock/tasks/task-1/progress');
  assert.equal(stored.samples.length, 1);
  assert.equal(stored.samples[0].replicatesize, 4509715660);
  assert.equal(stored.samples[0].process_trace, 'copying /dev/vda1');
});

test('the agent retries when the service is unavailable, and the retry is stored once', async () => {
  const rule = await call('POST', '/_mock/faults', {
    operation: 'UpdateTaskSpeed',
    task_id: 'task-1',
    first: 1,
    effect: { type: 'error', preset: 'unavailable', retry_after: 0 },
  });
  assert.equal(rule.status, 201);

  await reportProgress({ ...agent, report });

  const journal = await call('GET', '/_mock/requests?operation=UpdateTaskSpeed&task_id=task-1');
  assert.deepEqual(
    journal.body.requests.map((r) => r.status),
    [503, 200],
  );
  const { body: stored } = await call('GET', '/_mock/tasks/task-1/progress');
  assert.equal(stored.samples.length, 1);
});

test('a report the service rejects is not retried and stores nothing', async () => {
  await assert.rejects(reportProgress({ ...agent, report: { ...report, progress: 101 } }), /400 SMS\.2001/);

  assert.deepEqual((await call('GET', '/_mock/requests?operation=UpdateTaskSpeed&count=true')).body, { count: 1 });
  const { body: stored } = await call('GET', '/_mock/tasks/task-1/progress');
  assert.deepEqual(stored.samples, []);
});
