// Reads an SMS API reference page (its text) into tables of fields with the facts the generator needs: types,
// required flags, length and value bounds, enums, defaults and array lengths. Fails loudly on what it cannot read.

export type TableKind = 'params' | 'query' | 'headers' | 'body' | 'response' | 'model';

export interface FieldFacts {
  minLength?: number;
  maxLength?: number;
  /** Kept as written: Long bounds exceed what a double holds. */
  minimum?: string;
  maximum?: string;
  default?: string;
  enum?: string[];
  minItems?: number;
  maxItems?: number;
  /** Only from a patch or a hand spec: the pages state patterns in prose. */
  pattern?: string;
}

export interface Field {
  name: string;
  /** The page's type cell: String, Integer, Long, Double, Float, Boolean, `X object`, `Array of X objects`, `Array of strings`. */
  type: string;
  /** Undefined where the page has no required column (or lost its values). */
  required?: boolean;
  facts: FieldFacts;
}

export interface Table {
  title: string;
  kind: TableKind;
  /** Response tables: the HTTP status they describe. */
  status?: number;
  fields: Field[];
}

export interface Page {
  method: string;
  path: string;
  /** YYYY-MM-DD */
  updated: string;
  tables: Table[];
}

export class PageError extends Error {}

const TABLE_START = /^(?:表|Table)\s*(\d+)\s+(.+)$/;
const TYPE = /^(String|Integer|Long|Double|Float|Boolean|Array of strings|Array of \w+ objects|\w+ object)$/;
const NAME = /^(?:[A-Za-z_][A-Za-z0-9_-]*|-)$/;
/** What a type cell looks like, known or not: a row whose type is none of TYPE must fail, not become description. */
const TYPE_LIKE = /^(?:[A-Z][a-z]+|(?:Array|Map|List|Set) of .+|\w+ objects?)$/;
const SECTION =
  /^(?:请求参数|响应参数|请求示例|响应示例|SDK代码示例|错误码|状态码|Request|Response|Example Request|Example Response|Status Codes?|Error Codes|Request Parameters|Response Parameters)$/;
const STATUS = /^(?:状态码[:：]\s*|Status code:\s*)(\d{3})$/;
const URI = /^(GET|PUT|POST|DELETE|PATCH) (\/\S+)$/;
const UPDATED = /^(?:更新时间[:：]\s*|Updated on\s+)(\d{4}-\d{2}-\d{2})/;

function kindOf(title: string): TableKind {
  if (/^(?:路径参数|Path parameters?)$/i.test(title)) return 'params';
  if (/^(?:查询参数|Query parameters?)$/i.test(title)) return 'query';
  if (/Header/i.test(title)) return 'headers';
  if (/^(?:请求Body参数|Request body parameters?)$/i.test(title)) return 'body';
  if (/^(?:响应Body参数|Response body parameters?)$/i.test(title)) return 'response';
  if (!/^\w+$/.test(title)) throw new PageError(`table '${title}': not a known table kind nor a model name`);
  return 'model';
}

const number = (text: string): string => text.replace(/,/g, '');

/** Description lines that state a fact, zh and en wording, and where each goes. */
const FACTS: ReadonlyArray<[RegExp, (m: RegExpExecArray, facts: FieldFacts) => void]> = [
  [
    /^(?:最小长度[:：]|Minimum length:)\s*([\d,]+)/,
    (m, f) => {
      f.minLength = Number(number(m[1] ?? ''));
    },
  ],
  [
    /^(?:最大长度[:：]|Maximum length:)\s*([\d,]+)/,
    (m, f) => {
      f.maxLength = Number(number(m[1] ?? ''));
    },
  ],
  [
    /^(?:最小值[:：]|Minimum value:|Minimum:)\s*(-?[\d.,]+)/,
    (m, f) => {
      f.minimum = number(m[1] ?? '');
    },
  ],
  [
    /^(?:最大值[:：]|Maximum value:|Maximum:)\s*(-?[\d.,]+)/,
    (m, f) => {
      f.maximum = number(m[1] ?? '');
    },
  ],
  [
    /^(?:缺省值[:：]|Default(?: value)?:)\s*(.+)$/,
    (m, f) => {
      f.default = (m[1] ?? '').trim();
    },
  ],
  [
    /^(?:数组长度[:：]|Array length:)\s*(\d+)\s*-\s*(\d+)/,
    (m, f) => {
      f.minItems = Number(m[1]);
      f.maxItems = Number(m[2]);
    },
  ],
];
const ENUM_START = /^(?:枚举值[:：]?|The value can be:|Enumeration values?:)$/;

/** Applies one description line to the facts; returns true when the line opens an enum list. */
function readFact(line: string, facts: FieldFacts): boolean {
  for (const [pattern, apply] of FACTS) {
    const match = pattern.exec(line);
    if (match) {
      apply(match, facts);
      return false;
    }
  }
  return ENUM_START.test(line);
}

export function parsePage(text: string, source = 'page'): Page {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  let method = '';
  let path = '';
  let updated = '';
  let status: number | undefined;
  const tables: Table[] = [];

  const isTypeAt = (i: number): boolean => TYPE.test(lines[i] ?? '');
  /** Where a row starts at i: its name, then optionally Yes/No, then a type. */
  const rowAt = (i: number): { required?: boolean; typeIndex: number } | undefined => {
    if (!NAME.test(lines[i] ?? '')) return undefined;
    if (isTypeAt(i + 1)) return { typeIndex: i + 1 };
    const flag = lines[i + 1];
    if ((flag === 'Yes' || flag === 'No' || flag === '是' || flag === '否') && isTypeAt(i + 2)) {
      return { required: flag === 'Yes' || flag === '是', typeIndex: i + 2 };
    }
    return undefined;
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const date = updated ? null : UPDATED.exec(line);
    if (date) updated = date[1] ?? '';
    const uri = method ? null : URI.exec(line);
    if (uri) {
      method = uri[1] ?? '';
      path = uri[2] ?? '';
    }
    const statusLine = STATUS.exec(line);
    if (statusLine) status = Number(statusLine[1]);
    const m = TABLE_START.exec(line);
    if (!m) {
      i++;
      continue;
    }
    const title = (m[2] ?? '').trim();
    const kind = kindOf(title);
    i++;
    // Header cells, up to the description column.
    const headerStart = i;
    while (i < lines.length && lines[i] !== '描述' && lines[i] !== 'Description') i++;
    if (i >= lines.length || i - headerStart > 4) throw new PageError(`${source}: table '${title}' has no header row`);
    i++;
    const table: Table = { title, kind, fields: [] };
    if (kind === 'response') {
      if (status === undefined) throw new PageError(`${source}: response table '${title}' has no status before it`);
      table.status = status;
    }
    let field: Field | undefined;
    let inEnum = false;
    while (i < lines.length) {
      const current = lines[i] ?? '';
      if (TABLE_START.test(current) || SECTION.test(current) || STATUS.test(current)) break;
      const row = rowAt(i);
      if (row) {
        field = { name: current, type: lines[row.typeIndex] ?? '', facts: {} };
        if (row.required !== undefined) field.required = row.required;
        table.fields.push(field);
        inEnum = false;
        i = row.typeIndex + 1;
        continue;
      }
      if (!field) throw new PageError(`${source}: table '${title}': cannot read '${current}' as a row`);
      if (NAME.test(current) && TYPE_LIKE.test(lines[i + 1] ?? '')) {
        throw new PageError(`${source}: table '${title}': field '${current}' has an unknown type '${lines[i + 1]}'`);
      }
      const bullet = /^•\s*(.+)$/.exec(current);
      if (bullet && inEnum) {
        field.facts.enum = [...(field.facts.enum ?? []), (bullet[1] ?? '').trim()];
      } else {
        inEnum = readFact(current, field.facts) || (inEnum && bullet !== null);
      }
      i++;
    }
    if (table.fields.length === 0) throw new PageError(`${source}: table '${title}' has no rows`);
    tables.push(table);
  }
  if (!method) throw new PageError(`${source}: no request line (METHOD /path) found`);
  if (!updated) throw new PageError(`${source}: no update date found`);
  return { method, path, updated, tables };
}
