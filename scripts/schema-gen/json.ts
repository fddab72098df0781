// JSON as the project's formatter writes it (an object or array on one line when it fits in 120 columns, else one
// member per line), so a refreshed spec file passes the lint unchanged and its diffs stay one line per field.
const WIDTH = 120;

/** Columns a string takes; CJK characters take two, as the formatter counts them. */
function width(text: string): number {
  let n = 0;
  for (const char of text)
    n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60]/.test(char) ? 2 : 1;
  return n;
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return entries.length === 0
      ? '{}'
      : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

function format(value: unknown, indent: number, prefix: string, suffix: string): string {
  const pad = ' '.repeat(indent);
  const flat = inline(value);
  if (value === null || typeof value !== 'object' || width(pad + prefix + flat + suffix) <= WIDTH) {
    return `${pad}${prefix}${flat}${suffix}`;
  }
  const members: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((v): [string, unknown] => ['', v])
    : Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, unknown] => [`${JSON.stringify(k)}: `, v]);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  const lines = members.map(([key, member], i) => format(member, indent + 2, key, i < members.length - 1 ? ',' : ''));
  return [`${pad}${prefix}${open}`, ...lines, `${pad}${close}${suffix}`].join('\n');
}

export function formatJson(value: unknown): string {
  return `${format(value, 0, '', '')}\n`;
}
