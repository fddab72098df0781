// Pieces more than one view draws: a task's state badge, a progress bar, a link to a task.
import { h } from '../dom.js';
import { STATE_MARKS, stateTone } from '../format.js';

/** The state as text with a mark of its own; the colour only repeats what they say. */
export function stateBadge(state: string | null): HTMLElement {
  const name = state ?? 'unknown';
  return h(
    'span',
    { class: `badge tone-${stateTone(state)}`, 'data-state': name },
    h('span', { 'aria-hidden': 'true' }, STATE_MARKS[name] ?? '•'),
    ` ${name}`,
  );
}

/** A native progress element with its figure beside it, named for screen readers. */
export function progressBar(value: number, label: string): HTMLElement {
  const shown = Math.max(0, Math.min(100, value));
  return h(
    'span',
    { class: 'progress' },
    h('progress', { max: 100, value: shown, 'aria-label': label }),
    h('span', { class: 'figure' }, `${shown.toFixed(shown === 100 || shown === 0 ? 0 : 1)}\u00a0%`),
  );
}

export function taskLink(id: string, name: string | null): HTMLAnchorElement {
  return h('a', { href: `#/tasks/${encodeURIComponent(id)}` }, name ?? id);
}
