// The dashboard page: picks the view from the address (#/tasks, #/tasks/<id>, #/sources, #/journal, #/controls),
// reads it, and reads it again when the event stream says something it shows changed.
import './styles.css';
import type { Meta } from '../model.js';
import { api, RequestFailed } from './api.js';
import { fill, h, hideToast, toast } from './dom.js';
import { time } from './format.js';
import { coalesce, Live, type View } from './live.js';
import { type BoardFilter, boardView } from './views/board.js';
import { controlsView } from './views/controls.js';
import { journalView } from './views/journal.js';
import { sourcesView } from './views/sources.js';
import { taskView } from './views/task.js';

const live = new Live();
const main = document.getElementById('main') as HTMLElement;
let current: { view: View; refresh: () => void } | undefined;
let boardFilter: BoardFilter = {};

function route(meta: Meta): View {
  const path = location.hash.replace(/^#\/?/, '');
  const [name = 'tasks', ...rest] = path.split('/');
  if (name === 'tasks' && rest.length > 0) {
    let id = rest.join('/');
    try {
      id = decodeURIComponent(id);
    } catch {
      // A hand-typed address with a broken escape: the id as typed (the server answers it is not found).
    }
    return taskView(meta, id, live);
  }
  if (name === 'sources') return sourcesView();
  if (name === 'journal') return journalView(meta);
  if (name === 'controls') return controlsView(meta, live);
  return boardView(meta, boardFilter, (filter) => {
    boardFilter = { ...filter };
    current?.refresh();
  });
}

function show(meta: Meta, moveFocus: boolean): void {
  current?.view.dispose?.();
  const view = route(meta);
  const refresh = coalesce(
    () => view.refresh(),
    (error) => {
      // A read of a view already left does not speak over the one shown now.
      if (current?.view !== view) return;
      if (error instanceof RequestFailed && error.status === 404) {
        fill(
          main,
          h(
            'section',
            {},
            h('h1', {}, 'Not found'),
            h('p', {}, error.message),
            h('a', { href: '#/tasks' }, 'All tasks'),
          ),
        );
        return;
      }
      toast(error instanceof Error ? error.message : String(error));
    },
  );
  current = { view, refresh };
  // What went wrong on the last view does not follow the reader to the next.
  hideToast();
  fill(main, view.element);
  document.title = `${view.title} · sms-mock`;
  const viewName = location.hash.replace(/^#\/?/, '').split('/')[0] || 'tasks';
  for (const link of Array.from(document.querySelectorAll<HTMLAnchorElement>('nav a[data-view]'))) {
    if (link.dataset.view === viewName) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  // After a change of view the reader starts at its heading, as after a page load.
  if (moveFocus) main.focus();
  refresh();
}

async function start(): Promise<void> {
  const clockText = document.getElementById('clock') as HTMLElement;
  const liveText = document.getElementById('live') as HTMLElement;
  let meta: Meta;
  try {
    meta = await api.meta();
  } catch (error) {
    fill(main, h('p', {}, `The mock did not answer: ${String(error)}`));
    return;
  }
  live.connect((status) => {
    liveText.textContent = status;
    liveText.dataset.status = status;
  });
  live.listen((event) => {
    if (current && event.topics.some((topic) => current?.view.topics.includes(topic))) current.refresh();
  });
  // The header's clock ticks on the page, at the mock clock's rate, from the last state the server sent.
  window.setInterval(() => {
    const clock = live.clock;
    if (clock === undefined) return;
    clockText.textContent = `${time(live.now())} UTC${clock.frozen ? ' (frozen)' : clock.rate !== 1 ? ` ×${clock.rate}` : ''}`;
  }, 250);
  // Only #/... names a view: the skip link's #main moves the focus and leaves the view as it is.
  window.addEventListener('hashchange', () => {
    if (location.hash === '' || location.hash.startsWith('#/')) show(meta, true);
  });
  show(meta, false);
}

void start();
