// A stand-in for the code a user tests against sms-mock: an agent that reports progress on its task.
export async function runAgent({ endpoint, taskId }: { endpoint: string; taskId: string }): Promise<void> {
  const response = await fetch(`${endpoint}/v3/tasks/${taskId}/progress`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-auth-token': 'agent-token' },
    body: JSON.stringify({
      subtask_name: 'MIGRATE_LINUX_BLOCK',
      progress: 10,
      replicatesize: 1,
      totalsize: 10,
      process_trace: 'copying',
    }),
  });
  if (!response.ok) throw new Error(`progress report refused: ${response.status}`);
}
