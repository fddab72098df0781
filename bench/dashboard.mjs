// The dashboard's reads at scale, in process on the built package (startMock): one task of about 100,000 progress
// samples (8 TiB over the WAN preset, the clock moved twelve days) and 1,000 more tasks. Measured, each as the median
// and the 95th percentile of sequential requests: the chart series of the whole migration (bucketed to 1,200 points),
// a 5 % range of it in detail, the task view, and the board of 1,001 tasks; then how many events ten open event
// streams get during a burst of 2,000 progress reports, and what the burst costs with and without them.

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startMock } from '../dist/src/index.js';
import { call, startTask } from './fixture.mjs';

const ROUNDS = 40;
const BOARD_TASKS = 1_000;

async function timed(url) {
  const times = [];
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    ({ bytes } = await call(url));
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(ROUNDS / 2)], p95Ms: times[Math.floor(ROUNDS * 0.95)], bytes };
}

/** Opens an event stream; answers how many change events it got, and a close. */
function stream(base) {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/_mock/ui/api/events`, (response) => {
      let changes = 0;
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        changes += chunk.split('event: change').length - 1;
      });
      resolve({ changes: () => changes, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

async function burst(base, taskId, reports) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let offset = 0; offset < reports; offset += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        call(`${base}/v3/tasks/${taskId}/progress`, 'PUT', {
          subtask_name: 'MIGRATE_LINUX_FILE',
          progress: 50,
          replicatesize: offset + index,
          totalsize: 10_000_000,
          process_trace: 'bench',
        }),
      ),
    );
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - start) / 1000, cpuMsPerReport: (used.user + used.system) / 1000 / reports };
}

export async function measureDashboard() {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-dash-'));
  const sms = await startMock({ db: join(dir, 'dash.db') });
  const base = sms.url;
  try {
    sms.clock.freeze('2030-01-01T00:00:00Z');
    const big = await startTask(base, { prefix: 'dash', index: 0, usedBytes: 8 * 1024 ** 4, profile: 'wan' });
    await call(`${base}/_mock/clock`, 'PUT', { advance_ms: 12 * 24 * 3600 * 1000 });
    for (let index = 1; index <= BOARD_TASKS; index++) {
      await startTask(base, { prefix: 'dash', index, usedBytes: 10 * 1024 ** 3, profile: 'manual' });
    }
    const { body: whole } = await call(`${base}/_mock/ui/api/tasks/${big}/series`);
    const span = whole.to - whole.from;
    const from = whole.from + Math.floor(span * 0.4);
    const to = from + Math.floor(span * 0.05);
    const result = {
      samples: whole.samples,
      points: whole.t.length,
      series: await timed(`${base}/_mock/ui/api/tasks/${big}/series`),
      range: await timed(`${base}/_mock/ui/api/tasks/${big}/series?from=${from}&to=${to}`),
      task: await timed(`${base}/_mock/ui/api/tasks/${big}`),
      board: await timed(`${base}/_mock/ui/api/board`),
      tasks: BOARD_TASKS + 1,
    };
    // A burst of reports to a task kept apart from the simulation (a real agent's), with and without dashboards.
    const { body: agentTask } = await call(`${base}/_mock/tasks/agent-task`, 'PUT', {
      name: 'agent-task',
      state: 'RUNNING',
      sub_tasks: [{ id: 1, name: 'MIGRATE_LINUX_FILE', progress: 0 }],
    });
    result.quiet = await burst(base, agentTask.id, 2000);
    const streams = await Promise.all(Array.from({ length: 10 }, () => stream(base)));
    result.watched = await burst(base, agentTask.id, 2000);
    await new Promise((done) => setTimeout(done, 400));
    result.eventsPerStream = streams.map((s) => s.changes());
    for (const s of streams) s.close();
    return result;
  } finally {
    await sms.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatDashboard(result) {
  const line = (what, m) =>
    `  ${what}: median ${m.medianMs.toFixed(1)} ms, p95 ${m.p95Ms.toFixed(1)} ms, ${(m.bytes / 1024).toFixed(0)} KiB`;
  const events = result.eventsPerStream;
  return [
    `dashboard: one task of ${result.samples.toLocaleString('en')} samples among ${result.tasks.toLocaleString('en')} tasks`,
    line(`series of the whole migration (${result.points} points)`, result.series),
    line('series of a 5 % range', result.range),
    line('task view', result.task),
    line(`board (${Math.min(result.tasks, 500)} rows of ${result.tasks.toLocaleString('en')})`, result.board),
    `  2,000 progress reports: ${result.quiet.seconds.toFixed(2)} s, ${result.quiet.cpuMsPerReport.toFixed(3)} ms CPU each with no dashboard; ` +
      `${result.watched.seconds.toFixed(2)} s, ${result.watched.cpuMsPerReport.toFixed(3)} ms CPU each with 10 open ` +
      `(each got ${Math.min(...events)}-${Math.max(...events)} change events)`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of formatDashboard(await measureDashboard())) console.log(line);
}
