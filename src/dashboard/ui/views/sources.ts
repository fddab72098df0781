// Source servers: what each registered, its environment checks, whether its agent is connected and its current task.
import { api } from '../api.js';
import { h, syncRows } from '../dom.js';
import { count, time } from '../format.js';
import type { View } from '../live.js';
import { stateBadge, taskLink } from './common.js';

export function sourcesView(): View {
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const body = h('tbody');
  const element = h(
    'section',
    { 'aria-labelledby': 'sources-title' },
    h('h1', { id: 'sources-title' }, 'Source servers'),
    summary,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'sources' },
        h('caption', { class: 'visually-hidden' }, 'Registered source servers'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Server', 'IP', 'OS', 'State', 'Agent', 'Checks', 'Current task'].map((title) =>
              h('th', { scope: 'col' }, title),
            ),
          ),
        ),
        body,
      ),
    ),
  );
  return {
    title: 'Source servers',
    element,
    topics: ['store'],
    async refresh() {
      const { count: total, sources } = await api.sources();
      summary.textContent =
        total === sources.length
          ? count(total, 'source server')
          : `${sources.length} of ${count(total, 'source server')} shown`;
      syncRows(
        body,
        sources.map((source) => {
          const failed = source.checks.filter((check) => check.result !== 'OK');
          return {
            key: source.id,
            cells: [
              [h('strong', {}, source.name ?? source.id), ' ', h('small', { class: 'muted block' }, source.id)],
              source.ip ?? '–',
              `${source.os_type ?? '–'} ${source.os_version ?? ''}`,
              source.state ?? '–',
              source.connected
                ? h('span', { class: 'badge tone-ok' }, h('span', { 'aria-hidden': 'true' }, '●'), ' connected')
                : h(
                    'span',
                    { class: 'badge tone-idle' },
                    h('span', { 'aria-hidden': 'true' }, '○'),
                    ` not connected${source.last_visit_time ? ` (last ${time(source.last_visit_time)})` : ''}`,
                  ),
              failed.length === 0
                ? `${source.checks.length} passed`
                : h(
                    'details',
                    {},
                    h('summary', {}, `${failed.length} of ${source.checks.length} not OK`),
                    h(
                      'ul',
                      {},
                      ...failed.map((check) =>
                        h(
                          'li',
                          {},
                          `${check.name}: ${check.result}${check.error_code ? ` (${check.error_code})` : ''}`,
                        ),
                      ),
                    ),
                  ),
              source.current_task?.id
                ? [
                    taskLink(source.current_task.id, source.current_task.name),
                    ' ',
                    stateBadge(source.current_task.state),
                  ]
                : '–',
            ],
          };
        }),
      );
    },
  };
}
