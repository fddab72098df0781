// The task board: every task with its state, progress, current subtask, speed, remaining time, source server and
// what the simulated agent does with it; filtered by state and by part of the name, on the server.
import type { Meta } from '../../model.js';
import { api } from '../api.js';
import { field, h, options, syncRows } from '../dom.js';
import { bytes, count, remaining, speed } from '../format.js';
import type { View } from '../live.js';
import { progressBar, stateBadge, taskLink } from './common.js';

export interface BoardFilter {
  state?: string;
  name?: string;
}

/** `onFilter` hears each change of the filters (to keep them for the next visit) and reads the board again. */
export function boardView(meta: Meta, given: BoardFilter, onFilter: (filter: BoardFilter) => void): View {
  const filter: BoardFilter = { ...given };
  const state = h('select', { name: 'state' }, ...options(meta.task_states, filter.state, 'Any state'));
  const name = h('input', { type: 'search', name: 'name', value: filter.name ?? '', placeholder: 'name or id' });
  const changed = (): void => {
    filter.state = state.value || undefined;
    filter.name = name.value || undefined;
    onFilter(filter);
  };
  state.addEventListener('change', changed);
  let typing: number | undefined;
  name.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(changed, 250);
  });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'board', 'aria-describedby': 'board-summary' },
    h('caption', { class: 'visually-hidden' }, 'Migration tasks, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          'Task',
          'State',
          'Progress',
          'Current subtask',
          'Copied',
          'Speed',
          'Remaining',
          'Source server',
          'Simulation',
        ].map((title) => h('th', { scope: 'col' }, title)),
      ),
    ),
    body,
  );
  summary.id = 'board-summary';
  const element = h(
    'section',
    { 'aria-labelledby': 'board-title' },
    h('h1', { id: 'board-title' }, 'Tasks'),
    h(
      'form',
      { class: 'filters', role: 'search', onsubmit: (event: Event) => event.preventDefault() },
      field('State', state),
      field('Name', name),
    ),
    summary,
    h('div', { class: 'scroll' }, table),
  );

  return {
    title: 'Tasks',
    element,
    topics: ['store'],
    async refresh() {
      const board = await api.board(filter);
      summary.textContent =
        board.count === board.tasks.length
          ? count(board.count, 'task')
          : `${board.tasks.length.toLocaleString('en')} of ${count(board.count, 'task')} shown`;
      syncRows(
        body,
        board.tasks.map((task) => ({
          key: task.id,
          attributes: { 'data-state': task.state ?? '' },
          cells: [
            taskLink(task.id, task.name),
            stateBadge(task.state),
            progressBar(task.progress, `Progress of ${task.name ?? task.id}`),
            task.current_subtask === null
              ? '–'
              : [task.current_subtask, h('span', { class: 'muted' }, ` ${task.current_progress ?? 0}\u00a0%`)],
            task.total_bytes === null ? '–' : `${bytes(task.replicated_bytes)} of ${bytes(task.total_bytes)}`,
            speed(task.migrate_speed),
            remaining(task.state, task.remain_seconds),
            task.source_name ?? task.source_id ?? '–',
            task.simulation ?? '–',
          ],
        })),
      );
      if (board.tasks.length === 0) {
        const filtered = filter.state !== undefined || filter.name !== undefined;
        const empty = filtered
          ? 'No task matches.'
          : 'No tasks yet: create one with CreateTask (POST /v3/tasks), or put one with PUT /_mock/tasks/{id}.';
        syncRows(body, [{ key: 'none', wide: true, cells: [h('span', { class: 'muted' }, empty)] }]);
      }
    },
  };
}
