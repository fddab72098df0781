// The README's integration-test example, as written there (only the import paths differ).
import { afterAll, beforeEach, expect, it } from 'vitest';
import { startMock } from '../../src/index.js';
import { runAgent } from './sample-agent.js';

const sms = await startMock({ seed: [{ id: 'task-1', name: 'web-01', state: 'READY' }] });
afterAll(() => sms.close());
beforeEach(() => sms.reset());

it('the agent reports progress and the task starts running', async () => {
  await runAgent({ endpoint: sms.url, taskId: 'task-1' });
  const [report] = await sms.journal.wait({ operation: 'UpdateTaskSpeed', count: 1 });
  expect(report?.status).toBe(200);
  expect(sms.task('task-1')?.state).toBe('RUNNING');
});
