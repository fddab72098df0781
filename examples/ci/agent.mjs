// Stands for the code under test: the part of a migration agent that reports progress to SMS (UpdateTaskSpeed) and,
// as a client of the real service must, retries when it is throttled (429) or the backend is unavailable (503).

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one progress report. Retries 429 and 503 after their Retry-After (at most `maxWaitMs`), up to `attempts`
 * tries in all; throws on any other error, naming the vendor's error code.
 */
export async function reportProgress({ endpoint, token, taskId, report, attempts = 3, maxWaitMs = 2000 }) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${endpoint}/v3/tasks/${encodeURIComponent(taskId)}/progress`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify(report),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.json();
    if (response.ok) return body;
    const retriable = response.status === 429 || response.status === 503;
    if (!retriable || attempt >= attempts) {
      throw new Error(`UpdateTaskSpeed answered ${response.status} ${body.error_code}: ${body.error_msg}`);
    }
    const retryAfter = Number(response.headers.get('retry-after') ?? '1');
    await sleep(Math.min(Number.isFinite(retryAfter) ? retryAfter * 1000 : 1000, maxWaitMs));
  }
}
