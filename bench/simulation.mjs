// The simulated agent at scale: 1,000 tasks started at once on a frozen clock, then one PUT /_mock/clock moving it 24
// hours: how long working every migration out takes, how many samples that writes, and how much memory it holds. The
// tasks copy 50 GiB each, on a file database as the command uses: over the default LAN preset (about 20 minutes and
// 100 samples each), or over the slow WAN preset (about three hours and 1,100 samples each).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startMock } from '../dist/src/index.js';
import { call, startTask } from './fixture.mjs';

export const SIM_TASKS = 1_000;
const USED_BYTES = 50 * 1024 ** 3;
export async function measureSimulation({ tasks = SIM_TASKS, profile = 'lan' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-sim-'));
  const sms = await startMock({ db: join(dir, 'sim.db'), simulation: profile });
  try {
    sms.clock.freeze('2030-01-01T00:00:00Z');
    for (let index = 0; index < tasks; index++) {
      await startTask(sms.url, { prefix: 'sim', index, usedBytes: USED_BYTES });
    }
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const watch = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 20);
    const before = performance.now();
    const cpuBefore = process.cpuUsage();
    await call(`${sms.url}/_mock/clock`, 'PUT', { advance_ms: 24 * 3600 * 1000 });
    const seconds = (performance.now() - before) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(watch);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    const { db } = sms.core;
    const samples = db.prepare('SELECT COUNT(*) FROM progress_samples').pluck().get();
    const succeeded = db.prepare("SELECT COUNT(*) FROM tasks WHERE state = 'MIGRATE_SUCCESS'").pluck().get();
    if (succeeded !== tasks) throw new Error(`${succeeded} of ${tasks} tasks migrated in 24 hours`);
    return {
      tasks,
      profile,
      samples,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      samplesPerSecond: samples / seconds,
      heapGrowthMb: (heapPeak - heapBefore) / 1024 ** 2,
    };
  } finally {
    await sms.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSimulation(result) {
  return [
    `simulation: ${result.tasks.toLocaleString('en')} tasks (50 GiB each, ${result.profile}), clock moved 24 h in one PUT /_mock/clock: ` +
      `${result.seconds.toFixed(2)} s (${result.cpuSeconds.toFixed(2)} s CPU), ${result.samples.toLocaleString('en')} samples ` +
      `(${Math.round(result.samplesPerSecond).toLocaleString('en')}/s), heap grew at most ${result.heapGrowthMb.toFixed(0)} MB`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tasks = Number(process.env.SIM_TASKS ?? SIM_TASKS);
  for (const profile of (process.env.SIM_PROFILES ?? 'lan,wan').split(',')) {
    for (const line of formatSimulation(await measureSimulation({ tasks, profile }))) console.log(line);
  }
}
