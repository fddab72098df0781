// How long the in-process start and a per-test reset take: startMock() once, then rounds of "a test's worth of
// state" (a seeded task, progress reports, a fault rule, a moved clock) followed by a timed reset().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startMock } from '../dist/src/index.js';
import { progressBody, TASK_ID, task } from './fixture.mjs';

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

export async function measureReset(rounds = 200) {
  const startedAt = performance.now();
  const sms = await startMock({ seed: [task] });
  const startMs = performance.now() - startedAt;
  const resets = [];
  try {
    for (let i = 0; i < rounds; i++) {
      await sms.seed([{ ...task, id: `extra-${i}` }]);
      for (let r = 0; r < 5; r++) {
        const response = await fetch(`${sms.url}/v3/tasks/${TASK_ID}/progress`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-auth-token': 'bench' },
          body: progressBody,
        });
        if (response.status !== 200) throw new Error(`progress report answered ${response.status}`);
        await response.arrayBuffer();
      }
      sms.faults.add({ operation: 'ShowTask', effect: { type: 'error', preset: 'internal' } });
      sms.clock.freeze('2030-01-01T00:00:00Z');
      const before = performance.now();
      await sms.reset();
      resets.push(performance.now() - before);
      if (sms.journal.count() !== 0 || sms.task(`extra-${i}`) !== undefined) throw new Error('reset left state');
    }
  } finally {
    await sms.close();
  }
  return {
    startMs,
    rounds,
    medianMs: percentile(resets, 50),
    p95Ms: percentile(resets, 95),
    maxMs: Math.max(...resets),
  };
}

/**
 * A reset of a file database holding `samples` progress samples (one task, written straight into the table: filling
 * it through HTTP would take minutes): how long emptying every table takes when the store is large.
 */
export async function measureLargeReset(samples = 1_000_000, rounds = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-reset-'));
  const sms = await startMock({ db: join(dir, 'large.db'), seed: [task] });
  const times = [];
  try {
    const { db } = sms.core;
    const insert = db.prepare(
      `INSERT INTO progress_samples (task_id, seq, received_at, subtask_name, progress, replicatesize, totalsize,
         process_trace, migrate_speed) VALUES (?, ?, ?, 'MIGRATE_LINUX_BLOCK', ?, ?, 107374182400, 'copying', 12.5)`,
    );
    for (let round = 0; round < rounds; round++) {
      db.transaction(() => {
        for (let seq = 1; seq <= samples; seq++) insert.run(TASK_ID, seq, seq, seq % 100, seq * 1024);
      })();
      const before = performance.now();
      await sms.reset();
      times.push(performance.now() - before);
      const left = db.prepare('SELECT COUNT(*) FROM progress_samples').pluck().get();
      if (left !== 0) throw new Error(`reset left ${left} samples`);
    }
  } finally {
    await sms.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { samples, rounds, medianMs: percentile(times, 50), maxMs: Math.max(...times) };
}
