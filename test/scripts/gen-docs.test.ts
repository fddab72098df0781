import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_README,
  END_MARKER,
  main,
  renderBlock,
  renderOperations,
  START_MARKER,
  withBlock,
  withOperations,
} from '../../scripts/gen-docs.js';
import { ERRORS } from '../../src/lib/errors.js';
import { operations } from '../../src/schemas/generated/operations.js';
import { TASK_OPERATIONS, TASK_STATES } from '../../src/sms/tasks/state-machine.js';

const scratch = mkdtempSync(join(tmpdir(), 'sms-mock-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;
const copy = (text: string): string => {
  const file = join(scratch, `README-${count++}.md`);
  writeFileSync(file, text);
  return file;
};

const quiet = () => {
  const lines: string[] = [];
  return { lines, options: { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) } };
};

const README = readFileSync(DEFAULT_README, 'utf8');

describe('gen:docs', () => {
  it('--check passes on the committed README', () => {
    const { lines, options } = quiet();
    expect(main(['--check'], options)).toBe(0);
    expect(lines.join('\n')).toContain('matches the tables');
  });

  it('--check fails on a copy whose block was changed, and writing puts it back', () => {
    const changed = README.replace('| `READY` | RUNNING |', '| `READY` | SYNCING |');
    expect(changed).not.toBe(README);
    const file = copy(changed);
    const { lines, options } = quiet();
    expect(main(['--check', '--readme', file], options)).toBe(1);
    expect(lines.join('\n')).toContain('out of date; run npm run gen:docs');
    expect(readFileSync(file, 'utf8')).toBe(changed);
    expect(main(['--readme', file], options)).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(README);
    expect(main(['--check', '--readme', file], options)).toBe(0);
  });

  it('leaves everything outside the markers as it is', () => {
    const start = README.indexOf(START_MARKER);
    const end = README.indexOf(END_MARKER);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const outside = `${README.slice(0, start)}${README.slice(end)}`;
    const emptied = `${README.slice(0, start + START_MARKER.length)}${README.slice(end)}`;
    const rewritten = withBlock(emptied, renderBlock());
    expect(rewritten).toBe(README);
    const again = rewritten.replace(/<!-- transitions:start -->[\s\S]*<!-- transitions:end -->/, '');
    expect(again).toBe(outside.replace(START_MARKER, '').replace(END_MARKER, ''));
  });

  it('adds a Task life cycle section before the control API section when the markers are missing', () => {
    const without = '# Title\n\nintro\n\n## Usage\n\ntext\n\n## Control API (`/_mock`)\n\nmore\n';
    const file = copy(without);
    const { options } = quiet();
    expect(main(['--check', '--readme', file], options)).toBe(1);
    expect(main(['--readme', file], options)).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(
      text.startsWith('# Title\n\nintro\n\n## Usage\n\ntext\n\n## Task life cycle\n\n<!-- transitions:start -->'),
    ).toBe(true);
    expect(text.endsWith('<!-- transitions:end -->\n\n## Control API (`/_mock`)\n\nmore\n')).toBe(true);
    expect(main(['--check', '--readme', file], options)).toBe(0);
    // Without that section it goes at the end.
    expect(withBlock('# Title\n\ntext\n\n\n', '\nX\n')).toBe(
      '# Title\n\ntext\n\n## Task life cycle\n\n<!-- transitions:start -->\nX\n<!-- transitions:end -->\n',
    );
  });

  it('renders a row per state and a column per operation, with codes from the error table', () => {
    const block = renderBlock();
    const header = block.split('\n').find((line) => line.startsWith('| state |')) ?? '';
    expect(
      header
        .split('|')
        .slice(2, -1)
        .map((c) => c.trim().replaceAll('`', '')),
    ).toEqual([...TASK_OPERATIONS]);
    for (const state of TASK_STATES) expect(block).toContain(`| \`${state}\` |`);
    expect(block).toContain('| `READY` | RUNNING | `SMS.1038` |');
    expect(block).toContain('ABORTING→ABORT');
    expect(block).toContain('RUNNING¹');
    for (const code of [ERRORS.resumeNotAllowed.code, ERRORS.launchNotAllowed.code, ERRORS.taskTypeMismatch.code]) {
      expect(block).toContain(code);
    }
    expect(block).toContain('`MIGRATE_WINDOWS_BLOCK`');
  });

  it('asks for a path after --readme', () => {
    const { lines, options } = quiet();
    expect(main(['--readme'], options)).toBe(2);
    expect(lines).toEqual(['gen:docs: --readme needs a path']);
  });
});

describe('gen:docs operations block', () => {
  it('lists every operation of the registry with where its schemas come from', () => {
    const block = renderOperations();
    for (const op of Object.values(operations)) {
      expect(block).toContain(`| ${op.operationId} | \`${op.method} ${op.path}\` |`);
    }
    expect(block).toContain('| ShowTask | `GET /v3/tasks/{task_id}` | Show a migration task | doc pages |');
    expect(block).toContain(
      '| CreateTask | `POST /v3/tasks` | Create a migration task | hand spec `spec/handwritten/create-task.json` |',
    );
  });

  it('adds the block under its heading when the markers are missing, and replaces it when present', () => {
    const bare = '# x\n\n## What the emulated operations do\n\ntext\n';
    const once = withOperations(bare, renderOperations());
    expect(once.indexOf('<!-- operations:start -->')).toBeGreaterThan(once.indexOf('## What the emulated'));
    expect(withOperations(once, renderOperations())).toBe(once);
    expect(withOperations(once.replace('| ShowTask |', '| Gone |'), renderOperations())).toBe(once);
  });
});
