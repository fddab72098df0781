// The README's example on node:test, importing the package by its name. Run by test/testing/node-test.test.ts.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { startMock } from 'sms-mock';

const sms = await startMock({ seed: [{ id: 'task-1', name: 'web-01', state: 'READY' }] });
after(() => sms.close());
beforeEach(() => sms.reset());

test('the agent reports progress and the task starts running', async () => {
  const agent = fetch(`${sms.url}/v3/tasks/task-1/progress`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-auth-token': 'agent-token' },
    body: JSON.stringify({
      subtask_name: 'SSL_CONFIG',
      progress: 10,
      replicatesize: 1,
      totalsize: 10,
      process_trace: '',
    }),
  });
  const [report] = await sms.journal.wait({ operation: 'UpdateTaskSpeed', count: 1 });
  assert.equal(report.status, 200);
  assert.equal((await agent).status, 200);
  assert.equal(sms.task('task-1').state, 'RUNNING');
});
