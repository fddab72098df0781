// The page's arithmetic, kept apart from the DOM and uPlot so it can be tested alone: where a subtask's bar ends, where
// a chart's line breaks, how a tick reads.
import type { Series, TaskView, TimelineStep } from '../model.js';

/**
 * Where a subtask's bar ends: its end date; for the one under way, now; for one that failed or was paused, its task's
 * last report (it ran until then).
 */
export function endOf(step: TimelineStep, view: TaskView, now: number): number | null {
  if (step.end_date !== null) return step.end_date;
  if (step.start_date === null) return null;
  if (step.status === 'running') return now;
  if (step.status === 'failed' || step.status === 'paused') {
    return Math.max(step.start_date, view.task.last_sample_at ?? step.start_date);
  }
  return step.start_date;
}

/** A figure with as many decimals as the step between ticks needs, and its unit. */
export function decimal(unit: string): (value: number, step: number) => string {
  return (value, step) => {
    const decimals = String(Number(step.toPrecision(6))).split('.')[1]?.length ?? 0;
    const digits = step >= 1 || step <= 0 ? 0 : Math.min(3, decimals);
    return `${value.toFixed(digits)}${unit}`;
  };
}

/**
 * The points with a break (a null) wherever the samples stop for a while (a stopped or failed task, an agent gone
 * quiet): several times the usual spacing, or the bucket width. Lines do not bridge what was not measured.
 */
export function withGaps(series: Series, columns: (number | null)[][]): { t: number[]; columns: (number | null)[][] } {
  const t = series.t;
  if (t.length < 3) return { t, columns };
  const steps = t.slice(1).map((at, index) => at - (t[index] as number));
  const usual =
    series.bucket_ms > 0 ? series.bucket_ms : ([...steps].sort((a, b) => a - b)[steps.length >> 1] as number);
  const gap = Math.max(1, usual) * 5;
  const outT: number[] = [t[0] as number];
  const out = columns.map((column) => [column[0] ?? null]);
  for (let index = 1; index < t.length; index++) {
    const at = t[index] as number;
    if (at - (t[index - 1] as number) > gap) {
      outT.push((t[index - 1] as number) + 1);
      for (const column of out) column.push(null);
    }
    outT.push(at);
    out.forEach((column, c) => {
      column.push(columns[c]?.[index] ?? null);
    });
  }
  return { t: outT, columns: out };
}
