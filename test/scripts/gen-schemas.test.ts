import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify from 'fastify';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  DEFAULT_DOCS_DIR,
  factsFrom,
  GENERATED_DIR,
  generateFrom,
  main,
  readFacts,
  SPEC_DIR,
} from '../../scripts/gen-schemas.js';
import { factsDifferences, factsFromPages } from '../../scripts/schema-gen/facts.js';
import { GenerateError, generate } from '../../scripts/schema-gen/generate.js';
import { formatJson } from '../../scripts/schema-gen/json.js';
import { PageError, parsePage } from '../../scripts/schema-gen/parse.js';
import { applyPatches, type Patch } from '../../scripts/schema-gen/patches.js';
import {
  loadOperations,
  loadSpec,
  type OperationEntry,
  type Spec,
  SpecError,
  type SpecModel,
} from '../../scripts/schema-gen/spec.js';
import { operationIds, operations } from '../../src/schemas/generated/operations.js';
import {
  ShowTaskResponse,
  SubTask,
  SubTaskInput,
  UpdateTaskBody,
  UpdateTaskSpeedBody,
  VolumeGroups,
  VolumeGroupsInput,
} from '../../src/schemas/generated/sms-v3.js';

const haveDocs = existsSync(DEFAULT_DOCS_DIR);
const HAND_SPEC = join(import.meta.dirname, 'fixtures', 'hand-spec');

const scratch = mkdtempSync(join(tmpdir(), 'sms-mock-gen-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let scratchCount = 0;
const scratchDir = (): string => {
  const dir = join(scratch, String(scratchCount++));
  cpSync(HAND_SPEC, dir, { recursive: true });
  return dir;
};

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

const WIDGET_ENTRY: OperationEntry = {
  operationId: 'UpdateWidget',
  method: 'PUT',
  path: '/v3/widgets/{widget_id}',
  resource: 'widget_id',
  tag: 'Widgets',
  summary: 'Update a widget',
  schemas: 'page',
};

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

  it('reads a query parameter table', () => {
    const page = parsePage(ZH_PAGE.replace('表1 路径参数', '表1 查询参数'), 'zh');
    expect(page.tables[0]?.kind).toBe('query');
  });

  it('fails loudly on what it cannot read', () => {
    expect(() => parsePage(ZH_PAGE.replace('Array of Part objects', 'Map of parts'), 'zh')).toThrow(PageError);
    expect(() => parsePage(ZH_PAGE.replace('表3 Part', '表3 零件 表'), 'zh')).toThrow(/not a known table kind/);
    expect(() => parsePage(ZH_PAGE.replace('PUT /v3/widgets/{widget_id}', ''), 'zh')).toThrow(/no request line/);
  });
});

describe('pages → facts', () => {
  const pagesDir = (pages: Record<string, string>): string => {
    const dir = join(scratch, `pages-${scratchCount++}`);
    cpSync(HAND_SPEC, dir, { recursive: true });
    for (const [file, text] of Object.entries(pages)) writeFileSync(join(dir, file), text);
    return dir;
  };

  it('takes tables from the newest page and required flags from any page, under export names', () => {
    const facts = factsFromPages(pagesDir({ 'w.zh.txt': ZH_PAGE, 'w.en.txt': EN_PAGE }), [WIDGET_ENTRY]);
    const op = facts.operations.UpdateWidget;
    expect(op?.pages).toEqual([
      { file: 'w.zh.txt', updated: '2025-01-02' },
      { file: 'w.en.txt', updated: '2024-05-06' },
    ]);
    expect(op?.models.map((m) => [m.name, m.kind, m.page, m.table, m.status])).toEqual([
      ['UpdateWidgetParams', 'params', 'w.zh.txt', '路径参数', undefined],
      ['UpdateWidgetBody', 'body', 'w.zh.txt', '请求Body参数', undefined],
      ['Part', 'model', 'w.zh.txt', 'Part', undefined],
      ['UpdateWidgetResponse', 'response', 'w.zh.txt', '响应Body参数', 200],
    ]);
    // count is only on the older page: its tables do not add fields, only flags.
    expect(op?.models[1]?.fields).toEqual([
      { name: 'color', type: 'String', required: true, facts: { enum: ['RED', 'BLUE'] } },
      { name: 'size', type: 'Long', facts: { minimum: '0', maximum: '9223372036854775807' } },
      { name: 'parts', type: 'Array of Part objects', facts: { minItems: 0, maxItems: 10 } },
    ]);
  });

  it('fails when two pages give one field different bounds or required flags', () => {
    const zh = ZH_PAGE.replace('size\nLong', 'count\nInteger\n数量\n最大值:100\nsize\nLong');
    expect(() => factsFromPages(pagesDir({ 'w.zh.txt': zh, 'w.en.txt': EN_PAGE }), [WIDGET_ENTRY])).toThrow(
      /UpdateWidget UpdateWidgetBody.count: pages disagree on maximum \(100 vs 2048\)/,
    );
    const en = EN_PAGE.replace('color\nYes', 'color\nNo');
    const other = EN_PAGE.replace('Updated on 2024-05-06', 'Updated on 2023-01-01');
    expect(() =>
      factsFromPages(pagesDir({ 'a.en.txt': other, 'b.en.txt': en, 'w.zh.txt': ZH_PAGE }), [WIDGET_ENTRY]),
    ).toThrow(/UpdateWidgetBody.color: pages disagree on required/);
  });

  it('names what differs between committed and fresh facts, operation by operation', () => {
    const fresh = factsFromPages(pagesDir({ 'w.zh.txt': ZH_PAGE }), [WIDGET_ENTRY]);
    const op = fresh.operations.UpdateWidget;
    if (!op) throw new Error('no facts');
    const reordered = { ...op, models: [...op.models].reverse() };
    const changed = structuredClone(op);
    changed.models.splice(2, 1);
    expect(factsDifferences(fresh, fresh)).toEqual([]);
    expect(factsDifferences({ operations: { A: op, B: op } }, { operations: { A: changed, B: reordered } })).toEqual([
      'A Part: gone',
      'B: models are in another order',
    ]);
    expect(factsDifferences({ operations: { A: op } }, { operations: { B: op } })).toEqual([
      'A: no longer given by the pages',
      'B: not in the committed facts',
    ]);
  });

  it('writes facts the formatter leaves as they are', () => {
    const facts = factsFromPages(pagesDir({ 'w.zh.txt': ZH_PAGE }), [WIDGET_ENTRY]);
    const text = formatJson(facts);
    expect(JSON.parse(text)).toEqual(facts);
    expect(text).toContain('      "pages": [{ "file": "w.zh.txt", "updated": "2025-01-02" }],\n');
    expect(text).toContain(
      '            { "name": "parts", "type": "Array of Part objects", "facts": { "minItems": 0, "maxItems": 10 } }\n',
    );
  });
});

describe('the committed spec', () => {
  it('generates exactly the committed modules (golden files)', () => {
    const files = generateFrom();
    expect([...files.keys()].sort()).toEqual(['operations.ts', 'sms-v3.ts']);
    for (const [file, text] of files) expect(text).toBe(readFileSync(join(GENERATED_DIR, file), 'utf8'));
  });

  it('every patch has a reason', () => {
    const { patches } = loadSpec(SPEC_DIR);
    expect(patches.length).toBeGreaterThan(0);
    for (const patch of patches) expect(patch.reason.length, JSON.stringify(patch)).toBeGreaterThan(20);
  });

  it('no patch restates a policy rule', () => {
    const restated = loadSpec(SPEC_DIR).patches.filter(
      (p) => p.op === 'setRequired' && p.fields.some((f) => f === 'X-Auth-Token' || /Params$/.test(p.model)),
    );
    expect(restated).toEqual([]);
  });

  it.skipIf(!haveDocs)('holds the facts the doc pages give', () => {
    expect(factsFrom(DEFAULT_DOCS_DIR)).toEqual(readFacts());
  });

  it('holds facts only: every model names the page and table it came from', () => {
    for (const [id, op] of Object.entries(readFacts().operations)) {
      expect(op.pages?.length, id).toBeGreaterThan(0);
      for (const model of op.models) {
        expect(
          op.pages?.map((p) => p.file),
          `${id} ${model.name}`,
        ).toContain(model.page);
        expect(model.table, `${id} ${model.name}`).toBeTruthy();
      }
    }
  });
});

describe('the operation registry', () => {
  it('lists exactly the operations of spec/operations.json, in order', () => {
    const entries = loadOperations(SPEC_DIR);
    expect(operationIds).toEqual(entries.map((e) => e.operationId));
    expect(Object.keys(operations)).toEqual(entries.map((e) => e.operationId));
    for (const entry of entries) {
      const { schemas: _from, ...rest } = entry;
      const op = operations[entry.operationId as keyof typeof operations];
      expect({
        operationId: op.operationId,
        method: op.method,
        path: op.path,
        resource: op.resource,
        tag: op.tag,
        summary: op.summary,
      }).toEqual(rest);
      expect(op.url).toBe(entry.path.replace(/\{(\w+)\}/g, ':$1'));
    }
  });

  it('keeps the TypeBox types, so a route declared from it gets typed params, headers and body', async () => {
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    const { UpdateTask } = operations;
    app.route({
      method: UpdateTask.method,
      url: UpdateTask.url,
      schema: UpdateTask.schema,
      handler: async (request) => {
        expectTypeOf(request.params.task_id).toEqualTypeOf<string>();
        expectTypeOf(request.headers['x-auth-token']).toEqualTypeOf<string | undefined>();
        expectTypeOf(request.body.speed_limit).toEqualTypeOf<number | null | undefined>();
        return { id: request.params.task_id };
      },
    });
    const reply = await app.inject({ method: 'PUT', url: '/v3/tasks/t1', payload: { speed_limit: 5 } });
    await app.close();
    expect([reply.statusCode, reply.json()]).toEqual([200, { id: 't1' }]);
  });

  it('carries the schemas of each operation, with only the statuses the pages define', () => {
    expect(operations.ShowTask.schema.response[200]).toBe(ShowTaskResponse);
    expect(Object.keys(operations.ShowTask.schema.response)).toEqual(['200']);
    expect(Object.keys(operations.UpdateTask.schema)).toEqual(['params', 'headers', 'body', 'response']);
    expect(operations.UpdateTask.schema.body).toBe(UpdateTaskBody);
    expect(Object.keys(operations.UpdateTask.schema.response)).toEqual(['200', '403']);
    expect(operations.UpdateTaskSpeed.schema.body).toBe(UpdateTaskSpeedBody);
    expect(Object.keys(operations.UpdateTaskSpeed.schema.response)).toEqual(['200', '403']);
  });
});

describe('generating from a hand spec', () => {
  it('gives the expected module and registry (golden files)', () => {
    const files = generateFrom(HAND_SPEC);
    expect([...files.keys()]).toEqual(['sms-v3.ts', 'operations.ts']);
    for (const [file, text] of files) {
      expect(text).toBe(readFileSync(join(HAND_SPEC, 'expected', `${file}.txt`), 'utf8'));
    }
  });

  it('applies the policy rules: X-Auth-Token optional, path parameters required', () => {
    const module = generateFrom(HAND_SPEC).get('sms-v3.ts') ?? '';
    expect(module).toContain(
      "'x-auth-token': Type.Optional(Type.String({ minLength: 1, description: 'IAM user token.' })),",
    );
    expect(module).toContain("widget_id: Type.String({ minLength: 1, maxLength: 36, description: 'Widget id.' }),");
  });

  it('emits a model two operations share once, and query parameters under querystring', () => {
    const files = generateFrom(HAND_SPEC);
    expect(files.get('sms-v3.ts')?.match(/export const Widget =/g)).toHaveLength(1);
    expect(files.get('sms-v3.ts')).toContain('/** A widget. Used by ListWidgets, ShowWidget. */');
    expect(files.get('operations.ts')).toContain('      querystring: ListWidgetsQuery,\n');
  });

  it('refuses a hand-written operation without its source', () => {
    const dir = scratchDir();
    const file = join(dir, 'handwritten', 'widgets.json');
    const spec = JSON.parse(readFileSync(file, 'utf8'));
    delete spec.operations.ShowWidget.source;
    writeFileSync(file, JSON.stringify(spec));
    expect(() => loadSpec(dir)).toThrow(SpecError);
    expect(() => loadSpec(dir)).toThrow(/ShowWidget: a hand-written operation needs a source/);
  });

  it('refuses an operation whose method or path differs from operations.json', () => {
    const dir = scratchDir();
    const file = join(dir, 'operations.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"path": "/v3/widgets",', '"path": "/v3/gadgets",'));
    expect(() => loadSpec(dir)).toThrow(/ListWidgets: GET \/v3\/gadgets, but handwritten\/widgets.json says/);
  });

  it('fails on a description no model uses, and on a field without one', () => {
    const dir = scratchDir();
    const file = join(dir, 'descriptions.json');
    const descriptions = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...descriptions, 'Widget.colour': 'Colour.', Gadget: 'A gadget.' }));
    expect(() => generateFrom(dir)).toThrow('spec/descriptions.json: no model uses Gadget, Widget.colour');
    const { 'Widget.size': _size, ...without } = descriptions;
    writeFileSync(file, JSON.stringify(without));
    expect(() => generateFrom(dir)).toThrow('no description for Widget.size (spec/descriptions.json)');
  });
});

describe('models shared by name', () => {
  const spec = (patches: Patch[] = []): Spec => {
    const base = loadSpec(HAND_SPEC);
    return { ...base, patches: [...base.patches, ...patches] };
  };
  const widget = (s: Spec, operation: string): SpecModel | undefined =>
    s.models.get(operation)?.models.find((m) => m.name === 'Widget');

  it('fail generation when two operations give one name different facts', () => {
    const s = spec();
    const model = widget(s, 'ShowWidget');
    if (!model?.fields[2]) throw new Error('fixture changed');
    model.fields[2].facts = { enum: ['NEW', 'USED', 'BROKEN'] };
    expect(() => generate(s)).toThrow(GenerateError);
    expect(() => generate(s)).toThrow(
      /model Widget differs between ListWidgets and ShowWidget: state: .*"NEW","USED"\].* in ListWidgets, .*"BROKEN".* in ShowWidget/,
    );
  });

  it('pass once a patch reconciles them or the variant is named apart', () => {
    const reconcile: Patch = {
      op: 'setFacts',
      operation: 'ListWidgets',
      model: 'Widget',
      field: 'state',
      facts: { enum: ['NEW', 'USED', 'BROKEN'] },
      override: true,
      reason: 'Both sides know the third state.',
    };
    const reconciled = spec([reconcile]);
    const show = widget(reconciled, 'ShowWidget');
    if (!show?.fields[2]) throw new Error('fixture changed');
    show.fields[2].facts = { enum: ['NEW', 'USED', 'BROKEN'] };
    expect(generate(reconciled).get('sms-v3.ts')).toContain("StringEnum(['NEW', 'USED', 'BROKEN']");

    const rename: Patch = {
      op: 'renameModel',
      operation: 'ShowWidget',
      model: 'Widget',
      to: 'WidgetShown',
      reason: 'r',
    };
    const base = spec([rename]);
    const shown = widget(base, 'ShowWidget');
    if (!shown) throw new Error('fixture changed');
    shown.fields.pop();
    const renamed: Spec = {
      ...base,
      descriptions: {
        ...base.descriptions,
        WidgetShown: 'A widget as shown.',
        'WidgetShown.id': 'Widget id.',
        'WidgetShown.size': 'Size.',
      },
    };
    const module = generate(renamed).get('sms-v3.ts') ?? '';
    expect(module).toContain('export const WidgetShown = Type.Object(');
    expect(module).toContain('  widget: Nullable(WidgetShown),');
  });

  it('fail when one is read from requests and written in responses while it has required fields', () => {
    const s = spec();
    // ShowWidget now reads a Widget from its request body instead of answering one.
    s.models.get('ShowWidget')?.models.splice(1, 2, {
      name: 'ShowWidgetBody',
      kind: 'body',
      fields: [{ name: 'widget', type: 'Widget object', facts: {} }],
    });
    expect(() => generate(s)).toThrow(
      /model Widget differs between ListWidgets and ShowWidget: read from requests in one and written in responses in the other, with required id/,
    );
  });
});

describe('bounds and patches', () => {
  const withField = (type: string, facts: Record<string, unknown>): Spec => {
    const s = loadSpec(HAND_SPEC);
    for (const op of s.models.values()) {
      const field = op.models.find((m) => m.name === 'Widget')?.fields.find((f) => f.name === 'size');
      if (!field) throw new Error('fixture changed');
      field.type = type;
      field.facts = facts;
    }
    return s;
  };

  it('refuses an Integer bound an int32 cannot hold, naming model, field and where it came from', () => {
    expect(() => generate(withField('Integer', { minimum: '0', maximum: '4294967296' }))).toThrow(
      'ListWidgets Widget.size (sdk: huaweicloudsdkwidget/v3/model/list_widgets_request.py): maximum 4294967296 does ' +
        'not fit an Integer (int32); patch the bound, or the type to Long, in spec/patches.json',
    );
    expect(() => generate(withField('Integer', { minimum: '-2147483649' }))).toThrow(
      /minimum -2147483649 does not fit/,
    );
    expect(() => generate(withField('Integer', { minimum: '-2147483648', maximum: '2147483647' }))).not.toThrow();
    expect(() => generate(withField('Long', { minimum: '0', maximum: '4294967296' }))).not.toThrow();
    expect(() => generate(withField('Long', { maximum: '9223372036854775808' }))).toThrow(/does not fit a Long/);
  });

  it('names the page for page facts', () => {
    const s = loadSpec(SPEC_DIR);
    const patches = s.patches.filter((p) => !(p.op === 'setFacts' && p.field === 'block_count'));
    expect(() => generate({ ...s, patches })).toThrow(
      'ShowTask LogicalVolumes.block_count (page show-task.zh.txt): maximum 4294967296 does not fit an Integer (int32)',
    );
  });

  it('refuses a patch that targets a missing model or field, has no reason, or contradicts a stated fact', () => {
    const working = () => new Map([['ListWidgets', loadSpec(HAND_SPEC).models.get('ListWidgets')?.models ?? []]]);
    const missingField: Patch = {
      op: 'setRequired',
      operation: 'ListWidgets',
      model: 'Widget',
      fields: ['nope'],
      required: true,
      reason: 'r',
    };
    expect(() => applyPatches(working(), [missingField])).toThrow(/no field Widget.nope/);
    expect(() => applyPatches(working(), [{ ...missingField, model: 'Gadget' }])).toThrow(
      /no model ListWidgets.Gadget/,
    );
    expect(() => applyPatches(working(), [{ ...missingField, fields: ['size'], reason: ' ' }])).toThrow(
      /has no reason/,
    );
    const contradicts: Patch = {
      op: 'setFacts',
      operation: 'ListWidgets',
      model: 'Widget',
      field: 'state',
      facts: { enum: ['OLD'] },
      reason: 'r',
    };
    expect(() => applyPatches(working(), [contradicts])).toThrow(/contradicts the page's enum/);
    expect(() => applyPatches(working(), [{ ...contradicts, override: true }])).not.toThrow();
  });
});

describe('npm run gen:check', () => {
  const run = (argv: string[], options: Parameters<typeof main>[1] = {}) => {
    const lines: string[] = [];
    const code = main(argv, { log: (l) => lines.push(l), error: (l) => lines.push(`! ${l}`), env: {}, ...options });
    return { code, lines };
  };

  it('checks the committed modules without the doc pages, and says it could not compare the facts', () => {
    const { code, lines } = run(['--check', join(scratch, 'no-such-docs')]);
    expect(code).toBe(0);
    expect(lines).toEqual([
      'gen:check: 2 generated modules match spec/',
      `gen:check: doc pages not found at ${join(scratch, 'no-such-docs')}: the committed facts were not compared with them`,
    ]);
  });

  it('fails without the doc pages when SMS_MOCK_REQUIRE_DOCS=1', () => {
    const { code, lines } = run(['--check', join(scratch, 'no-such-docs')], { env: { SMS_MOCK_REQUIRE_DOCS: '1' } });
    expect(code).toBe(1);
    expect(lines[1]).toMatch(/^! gen:check: doc pages not found at .*, and SMS_MOCK_REQUIRE_DOCS=1 requires them$/);
  });

  it('fails when a generated module differs or is not generated at all', () => {
    const generatedDir = join(scratch, `generated-${scratchCount++}`);
    run([], { generatedDir, specDir: HAND_SPEC });
    writeFileSync(join(generatedDir, 'operations.ts'), '// edited\n');
    writeFileSync(join(generatedDir, 'old.ts'), '// left over\n');
    const { code, lines } = run(['--check', join(scratch, 'no-such-docs')], { generatedDir, specDir: HAND_SPEC });
    expect(code).toBe(1);
    expect(lines.slice(0, 3)).toEqual([
      '! gen:check: operations.ts differs from what spec/ gives',
      '! gen:check: old.ts is not generated from spec/',
      '! gen:check: run npm run gen:schemas and commit the result',
    ]);
  });

  it('compares the committed facts with the doc pages when they are there', () => {
    const specDir = scratchDir();
    writeFileSync(
      join(specDir, 'operations.json'),
      formatJson({ operations: [...loadOperations(HAND_SPEC), WIDGET_ENTRY] }),
    );
    const descriptions = JSON.parse(readFileSync(join(specDir, 'descriptions.json'), 'utf8'));
    const described = ['UpdateWidgetParams', 'UpdateWidgetBody', 'Part', 'UpdateWidgetResponse'].concat(
      ['UpdateWidgetParams.widget_id', 'UpdateWidgetBody.color', 'UpdateWidgetBody.size', 'UpdateWidgetBody.parts'],
      ['Part.weight', 'Part.visible', 'UpdateWidgetResponse.id'],
    );
    for (const key of described) descriptions[key] = `${key}.`;
    writeFileSync(join(specDir, 'descriptions.json'), JSON.stringify(descriptions));
    const docs = join(specDir, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'w.zh.txt'), ZH_PAGE);
    const generatedDir = join(specDir, 'out');

    expect(run(['--refresh', docs], { specDir }).code).toBe(0);
    expect(Object.keys(readFacts(specDir).operations)).toEqual(['UpdateWidget']);
    expect(run([], { specDir, generatedDir }).code).toBe(0);
    const check = () => run(['--check', docs], { specDir, generatedDir });
    expect(check()).toEqual({
      code: 0,
      lines: [
        'gen:check: 2 generated modules match spec/',
        `gen:check: sms-v3.facts.json matches the doc pages in ${docs}`,
      ],
    });

    writeFileSync(join(docs, 'w.zh.txt'), ZH_PAGE.replace('最大长度:36', '最大长度:64'));
    const { code, lines } = check();
    expect(code).toBe(1);
    expect(lines).toContain('! gen:check: sms-v3.facts.json: UpdateWidget UpdateWidgetParams: facts differ');
    expect(lines).toContain(
      '! gen:check: the doc pages give other facts: run npm run spec:refresh, then npm run gen:schemas',
    );
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

  it('keep the request and response variants apart where their pages differ', () => {
    expect(ajv.compile(SubTask)({ id: 1 })).toBe(false);
    expect(ajv.compile(SubTask)({ id: 1, progress: null })).toBe(true);
    expect(ajv.compile(SubTaskInput)({ id: 1 })).toBe(true);
    expect(update({ sub_tasks: [{ id: 1 }] })).toBe(true);
    const volumes = (n: number) => ({ logical_volumes: Array.from({ length: n }, () => ({})) });
    expect(ajv.compile(VolumeGroups)(volumes(255))).toBe(true);
    expect(ajv.compile(VolumeGroups)(volumes(256))).toBe(false);
    expect(ajv.compile(VolumeGroupsInput)(volumes(50))).toBe(true);
    expect(ajv.compile(VolumeGroupsInput)(volumes(51))).toBe(false);
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
