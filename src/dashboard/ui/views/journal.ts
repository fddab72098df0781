// The request journal: the latest requests to the emulated API with method, operation, status, duration and the
// fault that fired, filtered on the server; a request's details (headers as recorded, credentials redacted; body).
import type { Meta } from '../../model.js';
import { api, type JournalEntry } from '../api.js';
import { field, fill, h, options, syncRows } from '../dom.js';
import { count } from '../format.js';
import type { View } from '../live.js';

const SHOWN = 200;

function statusTone(status: number | null): string {
  if (status === null) return 'bad';
  if (status >= 500) return 'bad';
  if (status >= 400) return 'paused';
  return 'ok';
}

function details(entry: JournalEntry): HTMLElement {
  const body =
    entry.body === null
      ? '(no body)'
      : typeof entry.body === 'string'
        ? entry.body
        : JSON.stringify(entry.body, null, 2);
  return h(
    'div',
    { class: 'details' },
    h(
      'h2',
      { id: 'request-title', tabindex: '-1' },
      `#${entry.seq} ${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''}`,
    ),
    h(
      'dl',
      { class: 'facts' },
      ...(
        [
          ['Time', entry.time],
          ['Operation', entry.operation ?? '(no operation)'],
          ['Status', entry.status === null ? 'no answer' : String(entry.status)],
          ['Duration', `${entry.duration_ms.toFixed(1)} ms`],
          ['Request id', entry.request_id],
          ['Fault', entry.fault ? `${entry.fault.rule} (${entry.fault.effect})` : 'none'],
        ] as const
      ).flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
    ),
    h('h3', {}, 'Headers'),
    h(
      'table',
      { class: 'headers' },
      h(
        'tbody',
        {},
        ...Object.entries(entry.headers).map(([name, value]) =>
          h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, Array.isArray(value) ? value.join(', ') : value)),
        ),
      ),
    ),
    h('h3', {}, entry.body_truncated ? 'Body (cut at 64 KiB)' : 'Body'),
    h('pre', { class: 'body' }, body),
  );
}

export function journalView(meta: Meta): View {
  const method = h('select', { name: 'method' }, ...options(['GET', 'POST', 'PUT', 'DELETE'], undefined, 'Any method'));
  const operation = h('select', { name: 'operation' }, ...options(meta.operations, undefined, 'Any operation'));
  const status = h('select', { name: 'status' }, ...options(['2xx', '4xx', '5xx'], undefined, 'Any status'));
  const taskId = h('input', { type: 'search', name: 'task_id', placeholder: 'task id' });
  const faulted = h('input', { type: 'checkbox', name: 'faulted' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const body = h('tbody');
  const detail = h(
    'section',
    { class: 'panel', 'aria-label': 'Request details' },
    h('p', { class: 'muted' }, 'Choose a request to see its headers and body.'),
  );
  let entries = new Map<number, JournalEntry>();
  let refresh: () => Promise<void> = async () => undefined;
  for (const control of [method, operation, status, faulted]) control.addEventListener('change', () => void refresh());
  let typing: number | undefined;
  taskId.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => void refresh(), 250);
  });
  const show = (seq: number): void => {
    const entry = entries.get(seq);
    if (entry === undefined) return;
    fill(detail, details(entry));
    for (const tr of Array.from(body.rows)) tr.classList.toggle('selected', tr.dataset.key === String(seq));
    (detail.querySelector('#request-title') as HTMLElement | null)?.focus();
  };

  const element = h(
    'section',
    { 'aria-labelledby': 'journal-title' },
    h('h1', { id: 'journal-title' }, 'Journal'),
    h(
      'form',
      { class: 'filters', role: 'search', onsubmit: (event: Event) => event.preventDefault() },
      field('Method', method),
      field('Operation', operation),
      field('Status', status),
      field('Task id', taskId),
      field('Faulted only', faulted),
      h(
        'button',
        { type: 'button', onclick: () => void api.clearJournal().then(() => refresh()) },
        'Empty the journal',
      ),
    ),
    summary,
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'journal' },
          h('caption', { class: 'visually-hidden' }, 'Latest requests, newest first'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['#', 'Time', 'Method', 'Operation', 'Status', 'Duration', 'Fault'].map((title) =>
                h('th', { scope: 'col' }, title),
              ),
            ),
          ),
          body,
        ),
      ),
      detail,
    ),
  );

  refresh = async () => {
    const list = await api.journal({
      last: SHOWN,
      method: method.value || undefined,
      operation: operation.value || undefined,
      status: status.value || undefined,
      task_id: taskId.value.trim() || undefined,
    });
    const shown = list.requests.filter((entry) => !faulted.checked || entry.fault !== null).reverse();
    entries = new Map(shown.map((entry) => [entry.seq, entry]));
    const latest =
      list.requests.length === SHOWN ? `the ${SHOWN} latest requests` : count(list.requests.length, 'request');
    summary.textContent = faulted.checked ? `${shown.length} with a fault among ${latest}` : latest;
    syncRows(
      body,
      shown.map((entry) => ({
        key: String(entry.seq),
        attributes: { 'data-operation': entry.operation ?? '', 'data-status': String(entry.status ?? '') },
        cells: [
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              'aria-label': `Details of request ${entry.seq}`,
              onclick: () => show(entry.seq),
            },
            String(entry.seq),
          ),
          entry.time.slice(11, 23),
          entry.method,
          entry.operation ?? h('span', { class: 'muted' }, entry.path),
          h(
            'span',
            { class: `badge tone-${statusTone(entry.status)}` },
            entry.status === null ? 'none' : String(entry.status),
          ),
          `${entry.duration_ms.toFixed(1)} ms`,
          entry.fault ? h('span', { class: 'badge tone-bad' }, `⚡ ${entry.fault.rule} ${entry.fault.effect}`) : '–',
        ],
      })),
    );
  };

  return { title: 'Journal', element, topics: ['journal'], refresh: () => refresh() };
}
