// Building the page without a framework: an element maker, a keyed table-body update that keeps rows (and the focus
// in them) in place, and the toast that reports a refused control.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

/** `h('a', { href: '#/x', class: 'y' }, 'text')`: attributes by name, `on*` as listeners, children appended. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export interface Row {
  readonly key: string;
  readonly cells: readonly (Child | Child[])[];
  readonly attributes?: Record<string, string>;
  /** One cell across the whole table (a "nothing here" line). */
  readonly wide?: boolean;
}

/**
 * Brings a table body to `rows`: rows are matched by key and kept, a cell is rebuilt only when what it shows changed,
 * so a live update leaves the focus and the reader's place alone.
 */
export function syncRows(body: HTMLTableSectionElement, rows: readonly Row[]): void {
  const existing = new Map<string, HTMLTableRowElement>();
  for (const tr of Array.from(body.rows)) existing.set(tr.dataset.key ?? '', tr);
  let previous: HTMLTableRowElement | null = null;
  for (const row of rows) {
    let tr = existing.get(row.key);
    existing.delete(row.key);
    if (tr === undefined) {
      tr = document.createElement('tr');
      tr.dataset.key = row.key;
    }
    for (const [name, value] of Object.entries(row.attributes ?? {})) {
      if (tr.getAttribute(name) !== value) tr.setAttribute(name, value);
    }
    row.cells.forEach((cell, index) => {
      const td = (tr.cells[index] ?? tr.appendChild(document.createElement('td'))) as HTMLTableCellElement;
      const next = document.createElement('td');
      append(next, Array.isArray(cell) ? cell : [cell as Child]);
      if (td.innerHTML !== next.innerHTML) td.replaceChildren(...Array.from(next.childNodes));
    });
    while (tr.cells.length > row.cells.length) tr.deleteCell(-1);
    if (row.wide) (tr.cells[0] as HTMLTableCellElement).colSpan = 99;
    const after: ChildNode | null = previous === null ? body.firstChild : previous.nextSibling;
    if (after !== tr) body.insertBefore(tr, after);
    previous = tr;
  }
  for (const tr of existing.values()) tr.remove();
}

let toastTimer: number | undefined;

/** Says what went wrong (a refused action, a server that went away) where a screen reader announces it. */
export function toast(message: string): void {
  const element = document.getElementById('toast');
  if (element === null) return;
  element.textContent = message;
  element.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    element.hidden = true;
  }, 8000);
}

export function hideToast(): void {
  const element = document.getElementById('toast');
  if (element !== null) element.hidden = true;
}

/** A label and its control, tied by id. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id =
    control.id || `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Math.random().toString(36).slice(2, 7)}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', {}, hint) : null);
}

export function options(values: readonly string[], selected?: string, blank?: string): HTMLOptionElement[] {
  const list = values.map((value) => h('option', { value, selected: value === selected }, value));
  return blank === undefined
    ? list
    : [h('option', { value: '', selected: selected === undefined || selected === '' }, blank), ...list];
}
