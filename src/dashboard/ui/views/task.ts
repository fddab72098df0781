// One task: what it is and where it stands, its subtasks as a timeline with progress bars, the charts from its
// progress samples, and its controls (actions, the simulated agent's profile), each calling the /_mock API.
import type { Meta, TaskView, TimelineStep } from '../../model.js';
import { api, RequestFailed } from '../api.js';
import { createCharts } from '../charts.js';
import { field, fill, h, options, toast } from '../dom.js';
import { bytes, duration, remaining, speed, time } from '../format.js';
import type { Live, View } from '../live.js';
import { endOf } from '../shapes.js';
import { progressBar, stateBadge } from './common.js';

const STEP_MARKS: Record<TimelineStep['status'], string> = {
  planned: '○',
  running: '▶',
  paused: '‖',
  done: '✓',
  failed: '✗',
};

/** The actions offered as buttons; the rest are in the menu beside them. */
const MAIN_ACTIONS = ['start', 'stop', 'restart'];

function timeline(view: TaskView, now: number): HTMLElement {
  const steps = view.subtasks;
  if (steps.length === 0) return h('p', { class: 'muted' }, 'This task has no subtasks.');
  const starts = steps.map((step) => step.start_date).filter((at): at is number => at !== null);
  const first = starts.length > 0 ? Math.min(...starts) : null;
  const ends = steps.map((step) => endOf(step, view, now));
  const last = Math.max(first ?? 0, ...ends.filter((at): at is number => at !== null));
  const span = first === null ? 0 : Math.max(1, last - first);
  return h(
    'ol',
    { class: 'timeline', 'aria-label': 'Subtasks' },
    ...steps.map((step) => {
      const end = step.start_date === null ? null : endOf(step, view, now);
      const took = step.start_date !== null && end !== null ? (end - step.start_date) / 1000 : null;
      const bar =
        first === null || step.start_date === null
          ? null
          : h('span', {
              class: 'span',
              style: `left:${(((step.start_date - first) / span) * 100).toFixed(2)}%;width:${Math.max(0.5, (((end ?? step.start_date) - step.start_date) / span) * 100).toFixed(2)}%`,
            });
      return h(
        'li',
        { class: `step step-${step.status}`, 'data-status': step.status, 'data-name': step.name ?? '' },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, STEP_MARKS[step.status]),
        h('span', { class: 'name' }, step.name ?? `subtask ${step.id}`),
        h('span', { class: 'status' }, step.status),
        progressBar(step.progress, `${step.name ?? 'subtask'} progress`),
        h(
          'span',
          { class: 'when muted' },
          step.start_date === null ? '' : `${time(step.start_date)}${took === null ? '' : ` · ${duration(took)}`}`,
        ),
        h('span', { class: 'gantt', 'aria-hidden': 'true' }, bar),
      );
    }),
  );
}

function facts(view: TaskView): HTMLElement {
  const task = view.task;
  const rows: [string, string | Node][] = [
    ['State', stateBadge(task.state)],
    ['Progress', progressBar(task.progress, 'Overall progress')],
    ['Current subtask', task.current_subtask ?? '–'],
    ['Copied', task.total_bytes === null ? '–' : `${bytes(task.replicated_bytes)} of ${bytes(task.total_bytes)}`],
    ['Speed', speed(task.migrate_speed)],
    ['Remaining', remaining(task.state, task.remain_seconds)],
    ['Speed limit', task.speed_limit ? speed(task.speed_limit) : 'none'],
    [
      'Time-of-day limits (UTC)',
      view.speed_limits.length === 0
        ? 'none'
        : view.speed_limits.map((rule) => `${rule.start_time}–${rule.end_time} ${speed(rule.speed)}`).join('; '),
    ],
    ['Kind', `${task.type ?? '–'} · ${task.os_type ?? '–'}`],
    ['Source server', task.source_name ?? task.source_id ?? '–'],
    ['Target server', task.target_name ?? '–'],
    ['Created', time(task.create_date)],
    ['Started', time(task.start_date)],
    ['Finished', time(task.finish_date)],
    ['Total time', task.total_time ? duration(task.total_time / 1000) : '–'],
    ['Progress reports', task.samples.toLocaleString('en')],
  ];
  if (task.error_json) rows.push(['Error', h('code', {}, task.error_json)]);
  return h('dl', { class: 'facts' }, ...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
}

const report = (error: unknown): void => toast(error instanceof RequestFailed ? error.message : String(error));

export function taskView(meta: Meta, taskId: string, live: Live): View {
  let range: { from: number; to: number } | undefined;
  const heading = h('h1', { id: 'task-title' }, taskId);
  const chartsTitle = h('h2', { id: 'charts-title', tabindex: '-1' }, 'Progress over time');
  const factsHolder = h('div', { class: 'facts-holder' });
  const timelineHolder = h('div');
  const rangeNote = h('span', { class: 'muted' });
  const whole = h('button', { type: 'button', hidden: true }, 'Show the whole migration');
  // The charts share the cursor: one drag reaches every chart's hook with the same range, and is read once.
  const charts = createCharts((from, to) => {
    if (range?.from === from && range.to === to) return;
    range = { from, to };
    refreshSeries().catch(report);
  });
  whole.addEventListener('click', () => {
    range = undefined;
    // The button hides once the whole migration shows: the reader stays at the charts' heading.
    chartsTitle.focus();
    refreshSeries().catch(report);
  });

  const run = async (what: () => Promise<unknown>): Promise<void> => {
    try {
      await what();
      hideToast();
    } catch (error) {
      toast(error instanceof RequestFailed ? error.message : String(error));
    }
  };

  const actionButtons = MAIN_ACTIONS.map((operation) =>
    h(
      'button',
      { type: 'button', 'data-action': operation, onclick: () => run(() => api.action(taskId, operation)) },
      operation,
    ),
  );
  const other = h('select', { name: 'action' }, ...options(meta.task_actions.filter((a) => !MAIN_ACTIONS.includes(a))));
  const otherRun = h('button', { type: 'button', onclick: () => run(() => api.action(taskId, other.value)) }, 'Run');
  const profile = h('select', { name: 'profile' }, ...options(meta.simulation_profiles));
  const simulationNote = h('p', { class: 'muted', 'aria-live': 'polite' });
  const controls = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'task-controls' },
    h('h2', { id: 'task-controls' }, 'Controls'),
    h('div', { class: 'row' }, ...actionButtons),
    h('div', { class: 'row' }, field('Other action', other), otherRun),
    h(
      'div',
      { class: 'row' },
      field('Simulated agent profile', profile),
      h('button', { type: 'button', onclick: () => run(() => api.setTaskSimulation(taskId, profile.value)) }, 'Apply'),
      h('button', { type: 'button', onclick: () => run(() => api.setTaskSimulation(taskId, null)) }, 'Use the default'),
    ),
    simulationNote,
  );

  const element = h(
    'section',
    { 'aria-labelledby': 'task-title', class: 'task' },
    h('p', {}, h('a', { href: '#/tasks' }, '← All tasks')),
    heading,
    h('div', { class: 'columns' }, h('section', { class: 'panel', 'aria-label': 'Task' }, factsHolder), controls),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, 'Subtasks'),
      timelineHolder,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'charts-title' },
      chartsTitle,
      h(
        'p',
        { class: 'row' },
        h('span', { class: 'muted' }, 'Drag over a chart to see that range in detail. '),
        rangeNote,
        whole,
      ),
      charts.element,
    ),
  );

  // The charts read the series when they first show, on a drag, and then as the store changes, but no sooner than a
  // second, or four times as long as the last read took, after the last: a long migration's series costs the server
  // a scan of its samples, and a view left open must not keep it busy.
  let lastSeriesAt = Number.NEGATIVE_INFINITY;
  let lastSeriesMs = 0;
  let seriesTimer: number | undefined;
  // Reads may finish out of order (a whole migration's takes longer than a range's): only the last one asked for shows.
  let seriesRead = 0;
  const refreshSeries = async (): Promise<void> => {
    window.clearTimeout(seriesTimer);
    seriesTimer = undefined;
    const ticket = ++seriesRead;
    const started = performance.now();
    lastSeriesAt = started;
    const series = await api.series(taskId, range ?? {});
    lastSeriesMs = performance.now() - started;
    if (ticket !== seriesRead) return;
    charts.update(series);
    whole.hidden = range === undefined;
    rangeNote.textContent = range === undefined ? '' : `${time(range.from)} to ${time(range.to)} `;
  };
  const seriesSoon = (): Promise<void> => {
    const wait = lastSeriesAt + Math.max(1000, 4 * lastSeriesMs) - performance.now();
    if (wait <= 0) return refreshSeries();
    seriesTimer ??= window.setTimeout(() => {
      seriesTimer = undefined;
      refreshSeries().catch(report);
    }, wait);
    return Promise.resolve();
  };

  return {
    title: 'Task',
    element,
    topics: ['store'],
    async refresh() {
      const [view, simulation] = await Promise.all([
        api.task(taskId),
        api.taskSimulation(taskId).catch(() => undefined),
      ]);
      heading.textContent = view.task.name ?? taskId;
      document.title = `${view.task.name ?? taskId} · sms-mock`;
      fill(factsHolder, facts(view));
      fill(timelineHolder, timeline(view, live.now() ?? Date.now()));
      if (simulation !== undefined) {
        // A task in a working state that neither an agent nor the simulation moves waits for someone to act.
        const waiting =
          simulation.status === 'idle' && (view.task.state === 'RUNNING' || view.task.state === 'SYNCING')
            ? ' Nothing moves this task: no agent reports for it and the simulated agent is not at it; apply a profile or run an action to set it going.'
            : '';
        if (document.activeElement !== profile) profile.value = simulation.profile.profile;
        simulationNote.textContent = `Simulated agent: ${simulation.status}, profile ${simulation.profile.profile}${simulation.own_profile ? " (the task's own)" : ' (the default)'}, ${simulation.samples} samples written${simulation.error ? `; stopped: ${simulation.error}` : ''}.${waiting}`;
      }
      await seriesSoon();
    },
    dispose() {
      window.clearTimeout(seriesTimer);
      charts.dispose();
    },
  };
}
