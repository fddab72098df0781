// npm run gen:docs: writes the task life-cycle tables into README.md, between the transitions markers, from the
// tables the service runs on (src/sms/tasks/state-machine.ts, src/sms/tasks/plans.ts), and the list of emulated
// operations between the operations markers, from the registry (spec/operations.json through the generated
// operations.ts). `--check` exits 1 when a block differs from what they give; `--readme <path>` names another file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS } from '../src/lib/errors.js';
import { operations } from '../src/schemas/generated/operations.js';
import { FAMILIES, PLANS } from '../src/sms/tasks/plans.js';
import {
  ACTIONS,
  type ActionGuard,
  type ActionOutcome,
  completion,
  GUARDS,
  isRefusal,
  REFUSALS,
  TASK_OPERATIONS,
  TASK_STATES,
  type TaskEvent,
  TRANSITIONS,
} from '../src/sms/tasks/state-machine.js';

const COMMAND = 'npm run gen:docs';
export const START_MARKER = '<!-- transitions:start -->';
export const END_MARKER = '<!-- transitions:end -->';
export const DEFAULT_README = join(import.meta.dirname, '..', 'README.md');
/** Where a README without the block gets it: a section of its own, before this heading (else at the end). */
const SECTION = '## Task life cycle';
const INSERT_BEFORE = '## Control API';

const GUARD_MARKS: Record<ActionGuard, string> = { syncingTask: '¹', needMigrationTest: '²', checkingConsistency: '³' };

function cell(outcome: ActionOutcome): string {
  if (isRefusal(outcome)) return `\`${ERRORS[outcome.error].code}\``;
  const to = outcome.settle === undefined ? outcome.to : `${outcome.to}→${outcome.settle}`;
  return outcome.when === undefined ? to : `${to}${GUARD_MARKS[outcome.when]}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

function actionsTable(): string[] {
  const header = ['state', ...TASK_OPERATIONS.map((op) => `\`${op}\``)];
  const rows = TASK_STATES.map((state) => [`\`${state}\``, ...TASK_OPERATIONS.map((op) => cell(ACTIONS[state][op]))]);
  const errors = [...new Set(Object.values(REFUSALS))].map((name) => {
    const { status, code, message } = ERRORS[name];
    const ops = TASK_OPERATIONS.filter((op) => REFUSALS[op] === name).map((op) => `\`${op}\``);
    return `- \`${code}\` (${status}, ${ops.join(', ')}): ${message}`;
  });
  const guards = (Object.keys(GUARD_MARKS) as ActionGuard[]).map(
    (guard) => `${GUARD_MARKS[guard]} only when ${GUARDS[guard].label}; otherwise the operation's error.`,
  );
  return [
    '`POST /v3/tasks/{task_id}/action` by task state: the state written (`A→B`: written as `A`, settling in `B` at',
    'once when no live agent must acknowledge), or the error code answered.',
    '',
    ...guards.map((line) => `- ${line}`),
    '',
    ...table(header, rows),
    '',
    ...errors,
  ];
}

function eventsTable(): string[] {
  const rows: string[][] = [];
  for (const state of TASK_STATES) {
    for (const [event, move] of Object.entries(TRANSITIONS[state] ?? {}) as [TaskEvent, { to: string }][]) {
      const stamps = TRANSITIONS[state]?.[event]?.stamps ?? [];
      rows.push([`first progress report`, `\`${state}\``, `\`${move.to}\``, stamps.map((s) => `\`${s}\``).join(', ')]);
    }
  }
  const kinds = [
    { label: 'a task without syncing', syncing: false, launched: false, incremental: false },
    { label: 'an incremental sync', syncing: false, launched: false, incremental: true },
    { label: 'a syncing task, replication', syncing: true, launched: false, incremental: false },
    { label: 'a syncing task, after test/cutover', syncing: true, launched: true, incremental: false },
  ];
  for (const state of TASK_STATES) {
    const found = new Map<string, { labels: string[]; stamps: string }>();
    for (const { label, ...task } of kinds) {
      const move = completion(state, task);
      if (move === undefined) continue;
      const stamps = (move.stamps ?? []).map((s) => `\`${s}\``).join(', ');
      const key = `${move.to} ${stamps}`;
      const same = found.get(key);
      if (same) same.labels.push(label);
      else found.set(key, { labels: [label], stamps });
    }
    for (const [key, { labels, stamps }] of found) {
      const to = key.split(' ')[0] as string;
      rows.push([`every subtask at 100: ${labels.join(' or ')}`, `\`${state}\``, `\`${to}\``, stamps]);
    }
  }
  return table(['event', 'from', 'to', 'stamps'], rows);
}

function plansTable(): string[] {
  const rows = PLANS.map((plan) => {
    const family = FAMILIES.find((f) => f.osType === plan.osType && f.type === plan.type);
    return [
      `\`${plan.osType}\``,
      `\`${plan.type}\``,
      plan.existServer ? 'existing' : 'created',
      plan.steps.map((s) => `\`${s}\``).join(', '),
      family?.launch.map((s) => `\`${s}\``).join(', ') ?? '',
      family ? `\`${family.sync}\`` : '',
      plan.source,
    ];
  });
  return [
    'Subtasks of a new task with `syncing=false`. With `syncing=true` the launch steps are left out until `test` or',
    '`cutover` appends them; `is_need_consistency_check` adds `CHECK_CONSISTENCY` after the data subtask; `start`',
    'after a finished migration appends the sync step, `clone_test` appends `CLONE_VM`. `WINDOWS` with `MIGRATE_FILE`',
    `has no plan (\`${ERRORS.taskTypeMismatch.code}\`).`,
    '',
    ...table(['os_type', 'type', 'target', 'subtasks', 'launch steps', 'sync step', 'evidence'], rows),
  ];
}

/** The text between the markers. */
export function renderBlock(): string {
  return [
    '',
    `<!-- Generated from src/sms/tasks/state-machine.ts and plans.ts by ${COMMAND}; do not edit by hand. -->`,
    '',
    ...actionsTable(),
    '',
    ...eventsTable(),
    '',
    ...plansTable(),
    '',
    '',
  ].join('\n');
}

/** `readme` with the block replaced by `block`, or, without markers, with a section holding it added. */
export function withBlock(readme: string, block: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start !== -1 && end > start) {
    return readme.slice(0, start + START_MARKER.length) + block + readme.slice(end);
  }
  const section = `${SECTION}\n\n${START_MARKER}${block}${END_MARKER}\n`;
  const at = readme.search(new RegExp(`^${INSERT_BEFORE}`, 'm'));
  if (at === -1) return `${readme.replace(/\n*$/, '\n\n')}${section}`;
  return `${readme.slice(0, at)}${section}\n${readme.slice(at)}`;
}

export const OPERATIONS_START = '<!-- operations:start -->';
export const OPERATIONS_END = '<!-- operations:end -->';
/** Where a README without the operations block gets it: right under this heading. */
const OPERATIONS_UNDER = '## What the emulated operations do';

/** The emulated operations, as the registry lists them, each with where its schemas come from. */
export function renderOperations(): string {
  const rows = Object.values(operations).map((op) => {
    const from = op.schemaSource.startsWith('doc pages')
      ? 'doc pages'
      : `hand spec \`${op.schemaSource.split(' ')[2]}\``;
    return [`${op.operationId}`, `\`${op.method} ${op.path}\``, op.summary, from];
  });
  return [
    '',
    `<!-- Generated from spec/operations.json by ${COMMAND}; do not edit by hand. -->`,
    '',
    `${rows.length} operations. Schemas come from the official doc pages where the folder of pages has them, else`,
    "from a hand spec written by `npm run spec:sdk` from the official SDK's models (see [Schema generation](#schema-generation)).",
    '',
    ...table(['operation', 'method and path', 'what it does', 'schemas from'], rows),
    '',
    '',
  ].join('\n');
}

/** `readme` with the operations block replaced, or added right under its section's heading. */
export function withOperations(readme: string, block: string): string {
  const start = readme.indexOf(OPERATIONS_START);
  const end = readme.indexOf(OPERATIONS_END);
  if (start !== -1 && end > start) {
    return readme.slice(0, start + OPERATIONS_START.length) + block + readme.slice(end);
  }
  const at = readme.indexOf(`${OPERATIONS_UNDER}\n`);
  if (at === -1) return readme;
  const after = at + OPERATIONS_UNDER.length + 1;
  return `${readme.slice(0, after)}\n${OPERATIONS_START}${block}${OPERATIONS_END}\n${readme.slice(after)}`;
}

export interface Options {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

export function main(argv: readonly string[], options: Partial<Options> = {}): number {
  const log = options.log ?? ((line: string) => console.log(line));
  const error = options.error ?? ((line: string) => console.error(line));
  const at = argv.indexOf('--readme');
  const path = at === -1 ? DEFAULT_README : resolve(argv[at + 1] ?? '');
  if (at !== -1 && argv[at + 1] === undefined) {
    error('gen:docs: --readme needs a path');
    return 2;
  }
  const readme = readFileSync(path, 'utf8');
  const expected = withOperations(withBlock(readme, renderBlock()), renderOperations());
  if (argv.includes('--check')) {
    if (expected !== readme) {
      error(`gen:docs: the generated blocks of ${path} are out of date; run ${COMMAND}`);
      return 1;
    }
    log(`gen:docs: ${path} matches the tables`);
    return 0;
  }
  if (expected !== readme) writeFileSync(path, expected);
  log(`gen:docs: ${expected === readme ? 'unchanged' : 'wrote'} ${path}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
