import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCS_DIR, GENERATED_DIR, generateFrom, loadPatches } from '../../scripts/gen-schemas.js';
import { applyPatches, emitModule, GenerateError, type Patch } from '../../scripts/schema-gen/generate.js';
import { PageError, parsePage } from '../../scripts/schema-gen/parse.js';
import { ShowTaskResponse } from '../../src/schemas/generated/show-task.js';
import { UpdateTaskBody } from '../../src/schemas/generated/update-task.js';
import { UpdateTaskSpeedBody } from '../../src/schemas/generated/update-task-speed.js';

const haveDocs = existsSync(DEFAULT_DOCS_DIR);

/** An invented page in the layout of the Chinese reference pages (required column header, no values). */
const ZH_PAGE = `更新时间:2025-01-02 GMT+08:00
URI
PUT /v3/widgets/{widget_id}
表1 路径参数
参数
是否必选
参数类型
描述
widget_id
String
组件ID
最小长度:1
最大长度:36
表2 请求Body参数
参数
是否必选
参数类型
描述
color
String
颜色
枚举值:
  • RED
  • BLUE
size
Long
大小
最小值:0
最大值:9223372036854775807
parts
Array of Part objects
零件
数组长度:0 - 10
表3 Part
参数
是否必选
参数类型
描述
weight
Double
重量
最小值:0
最大值:100.5
visible
Boolean
可见
缺省值:true
响应参数
状态码:200
表4 响应Body参数
参数
参数类型
描述
id
String
ID
请求示例
`;

/** The same kind of page in the English layout, with the required column filled in. */
const EN_PAGE = `Updated on 2024-05-06 GMT+08:00
PUT /v3/widgets/{widget_id}
Table 1 Request body parameters
Parameter
Mandatory
Type
Description
color
Yes
String
The color.
The value can be:
  • RED
  • BLUE
count
No
Integer
How many.
Minimum value: 0
Maximum value: 2,048
Example Request
`;

describe('parsePage', () => {
  it('reads a page in the Chinese layout', () => {
    const page = parsePage(ZH_PAGE, 'zh');
    expect([page.method, page.path, page.updated]).toEqual(['PUT', '/v3/widgets/{widget_id}', '2025-01-02']);
    expect(page.tables.map((t) => [t.kind, t.title, t.status])).toEqual([
      ['params', '路径参数', undefined],
      ['body', '请求Body参数', undefined],
      ['model', 'Part', undefined],
      ['response', '响应Body参数', 200],
    ]);
    expect(page.tables[1]?.fields).toEqual([
      { name: 'color', type: 'String', facts: { enum: ['RED', 'BLUE'] } },
      { name: 'size', type: 'Long', facts: { minimum: '0', maximum: '9223372036854775807' } },
      { name: 'parts', type: 'Array of Part objects', facts: { minItems: 0, maxItems: 10 } },
    ]);
    expect(page.tables[2]?.fields).toEqual([
      { name: 'weight', type: 'Double', facts: { minimum: '0', maximum: '100.5' } },
      { name: 'visible', type: 'Boolean', facts: { default: 'true' } },
    ]);
  });

  it('reads required flags and comma-grouped numbers in the English layout', () => {
    const page = parsePage(EN_PAGE, 'en');
    expect(page.tables[0]?.fields).toEqual([
      { name: 'color', type: 'String', required: true, facts: { enum: ['RED', 'BLUE'] } },
      { name: 'count', type: 'Integer', required: false, facts: { minimum: '0', maximum: '2048' } },
    ]);
  });

  it('fails loudly on what it cannot read', () => {
    expect(() => parsePage(ZH_PAGE.replace('Array of Part objects', 'Map of parts'), 'zh')).toThrow(PageError);
    expect(() => parsePage(ZH_PAGE.replace('表3 Part', '表3 零件 表'), 'zh')).toThrow(/not a known table kind/);
    expect(() => parsePage(ZH_PAGE.replace('PUT /v3/widgets/{widget_id}', ''), 'zh')).toThrow(/no request line/);
  });
});

describe('patches and emitted modules', () => {
  const operation = () => {
    const page = parsePage(ZH_PAGE, 'zh');
    const models = new Map(
      page.tables.map((t) => {
        const name =
          { params: 'WidgetParams', body: 'WidgetBody', response: 'WidgetResponse' }[t.kind as string] ?? t.title;
        return [name, { name, kind: t.kind, fields: t.fields }];
      }),
    );
    return new Map([
      [
        'Widget',
        { spec: { operation: 'Widget', method: 'PUT', path: '/v3/widgets/{widget_id}', file: 'w.ts' }, models },
      ],
    ]);
  };
  const descriptions = {
    WidgetParams: 'Params.',
    WidgetBody: 'Body.',
    Part: 'A part.',
    WidgetResponse: 'Response.',
    widget_id: 'Id.',
    color: 'Color.',
    size: 'Size.',
    parts: 'Parts.',
    weight: 'Weight.',
    visible: 'Visible.',
    id: 'Id.',
  };

  it('refuses a patch that targets a missing model or field, or has no reason', () => {
    const missingField: Patch = {
      op: 'setRequired',
      operation: 'Widget',
      model: 'WidgetBody',
      fields: ['nope'],
      required: true,
      reason: 'r',
    };
    expect(() => applyPatches(operation(), [missingField])).toThrow(/no field WidgetBody.nope/);
    const missingModel: Patch = {
      op: 'setFacts',
      operation: 'Widget',
      model: 'Gadget',
      field: 'x',
      facts: {},
      reason: 'r',
    };
    expect(() => applyPatches(operation(), [missingModel])).toThrow(/no model Widget.Gadget/);
    expect(() => applyPatches(operation(), [{ ...missingField, fields: ['color'], reason: '' }])).toThrow(
      GenerateError,
    );
  });

  it('emits request fields as optional and nullable unless required, with bounds, enums and defaults', () => {
    const ops = operation();
    applyPatches(ops, [
      { op: 'setRequired', operation: 'Widget', model: 'WidgetBody', fields: ['color'], required: true, reason: 'r' },
    ]);
    const source = emitModule(ops.get('Widget') as Parameters<typeof emitModule>[0], descriptions);
    expect(source).toContain("color: StringEnum(['RED', 'BLUE'], { description: 'Color.' }),");
    expect(source).toContain(
      "size: Type.Optional(Nullable(Int64({ minimum: 0, maximum: INT64_MAX, description: 'Size.' }))),",
    );
    expect(source).toContain(
      "parts: Type.Optional(Nullable(Type.Array(Part, { minItems: 0, maxItems: 10, description: 'Parts.' }))),",
    );
    expect(source).toContain(
      "visible: Type.Optional(Nullable(Type.Boolean({ default: true, description: 'Visible.' }))),",
    );
    expect(source).toContain("id: Type.Optional(Nullable(Type.String({ description: 'Id.' }))),");
    expect(source.indexOf('export const Part')).toBeLessThan(source.indexOf('export const WidgetBody'));
  });

  it('fails when a field has no description', () => {
    const { color: _unused, ...without } = descriptions;
    expect(() => emitModule(operation().get('Widget') as Parameters<typeof emitModule>[0], without)).toThrow(
      /no description for WidgetBody.color/,
    );
  });
});

describe.skipIf(!haveDocs)('generating from the doc pages', () => {
  it('gives exactly the committed modules (golden files)', () => {
    const files = generateFrom(DEFAULT_DOCS_DIR);
    expect([...files.keys()].sort()).toEqual(['show-task.ts', 'update-task-speed.ts', 'update-task.ts']);
    for (const [file, text] of files) expect(text).toBe(readFileSync(join(GENERATED_DIR, file), 'utf8'));
  });

  it('every patch has a reason', () => {
    for (const patch of loadPatches()) expect(patch.reason.length).toBeGreaterThan(20);
  });
});

describe('the generated schemas', () => {
  const ajv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, strictTypes: false });
  addFormats.default(ajv);
  const progress = ajv.compile(UpdateTaskSpeedBody);
  const update = ajv.compile(UpdateTaskBody);
  const example = {
    subtask_name: 'ATTACH_AGENT_IMAGE',
    progress: 100,
    replicatesize: 1000,
    totalsize: 100000,
    process_trace: '',
  };

  it('hold the progress report rules', () => {
    expect(progress(example)).toBe(true);
    const { progress: _p, ...missing } = example;
    expect(progress(missing)).toBe(false);
    expect(progress({ ...example, progress: 101 })).toBe(false);
    expect(progress({ ...example, subtask_name: 'SOMETHING_ELSE' })).toBe(false);
    expect(progress({ ...example, process_trace: 'x'.repeat(2049) })).toBe(false);
    expect(progress({ ...example, process_trace: 'x'.repeat(2048), migrate_speed: null })).toBe(true);
  });

  it('hold the UpdateTask rules', () => {
    expect(update({ name: 'MigrationTask', speed_limit: 1000 })).toBe(true);
    expect(update({ name: 'bad name!' })).toBe(false);
    expect(update({ speed_limit: 1001 })).toBe(false);
    expect(update({ state: 'RUNNING', sub_tasks: [{ id: 1, progress: 0 }] })).toBe(true);
  });

  const page = (file: string) => readFileSync(join(DEFAULT_DOCS_DIR, file), 'utf8');
  const exampleAfter = (text: string, marker: string) => {
    const start = text.indexOf('\n{\n', text.indexOf(marker)) + 1;
    return JSON.parse(text.slice(start, text.indexOf('\n}\n', start) + 2)) as unknown;
  };
  it.skipIf(!haveDocs)("accept the pages' own examples", () => {
    expect(update(exampleAfter(page('update-task.zh.txt'), '请求示例'))).toBe(true);
    const show = ajv.compile(ShowTaskResponse);
    expect(show(exampleAfter(page('show-task.zh.txt'), '响应示例'))).toBe(true);
  });
});
