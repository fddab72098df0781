// Seed files: a JSON array of tasks, or {"tasks": [...], "sources": [...], "simulation": {...}} (any may be left
// out), each task in the ShowTask shape and each source server in the ShowServer shape, with an id; the simulation
// profile as PUT /_mock/simulation takes it.
import { readFileSync } from 'node:fs';
import { JsonDepthError, MAX_JSON_DEPTH, nestsDeeperThan, parseJson, restoreInt64, standInInt64 } from '../lib/json.js';
import { createChecker } from '../lib/validation.js';
import { SeedTask } from '../schemas/index.js';
import type { ProfileInput } from '../sms/simulation/profiles.js';
import { checkProfileInput } from '../sms/simulation/schemas.js';
import { SeedSource } from '../sms/sources/render.js';
import type { SourceDocument } from '../sms/sources/service.js';
import { duplicateSubTaskId } from '../sms/tasks/service.js';
import type { TaskDocument } from './admin.js';

export class SeedError extends Error {}

/** Compiled on first use only: the schema is large, and most starts have no seed. */
const checkSeedTask = createChecker(SeedTask as object, 'task');
const checkSeedSource = createChecker(SeedSource as object, 'source');

/** What a seed puts in: tasks and source servers, and the simulated agent's default profile. */
export interface Seed {
  readonly tasks: TaskDocument[];
  readonly sources: SourceDocument[];
  readonly simulation?: ProfileInput;
}

/** Checks and returns the source servers of a seed. Throws SeedError naming the bad one. */
export function seedSources(list: readonly unknown[]): SourceDocument[] {
  return list.map((source, index) => {
    const id = (source as { id?: unknown } | null)?.id;
    const name = typeof id === 'string' ? `source '${id}'` : `source ${index}`;
    if (nestsDeeperThan(source, MAX_JSON_DEPTH)) {
      throw new SeedError(`${name}: nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const fixups = standInInt64(source);
    const problem = checkSeedSource(source);
    restoreInt64(fixups);
    if (problem !== undefined) throw new SeedError(`${name}: ${problem}`);
    return source as SourceDocument;
  });
}

/**
 * Checks and returns what a seed document (already parsed) puts in: an array of tasks, or an object with a "tasks"
 * array, a "sources" array, a "simulation" profile (the simulated agent's default), or several of them. Throws SeedError naming the bad task or source.
 */
export function seedDocument(document: unknown): Seed {
  if (Array.isArray(document)) return { tasks: seedTasks(document), sources: [] };
  const lists = document !== null && typeof document === 'object' ? (document as Record<string, unknown>) : {};
  const { tasks, sources, simulation } = lists;
  const wrong = (tasks !== undefined && !Array.isArray(tasks)) || (sources !== undefined && !Array.isArray(sources));
  if (wrong || (tasks === undefined && sources === undefined && simulation === undefined)) {
    throw new SeedError(
      'a seed must be an array of tasks or an object with a "tasks" array, a "sources" array, a "simulation" profile, or several of them',
    );
  }
  let profile: ProfileInput | undefined;
  if (simulation !== undefined) {
    const checked = checkProfileInput(simulation);
    if ('error' in checked) throw new SeedError(`simulation: ${checked.error}`);
    profile = checked.input;
  }
  return {
    tasks: tasks === undefined ? [] : seedTasks(tasks),
    sources: sources === undefined ? [] : seedSources(sources as unknown[]),
    ...(profile === undefined ? {} : { simulation: profile }),
  };
}

/** Checks and returns the tasks of a seed document (already parsed). Throws SeedError naming the bad task. */
export function seedTasks(document: unknown): TaskDocument[] {
  const list = Array.isArray(document)
    ? document
    : document !== null && typeof document === 'object' && Array.isArray((document as { tasks?: unknown }).tasks)
      ? (document as { tasks: unknown[] }).tasks
      : undefined;
  if (!list) throw new SeedError('a seed must be an array of tasks or an object with a "tasks" array');
  return list.map((task, index) => {
    const id = (task as { id?: unknown } | null)?.id;
    const name = typeof id === 'string' ? `task '${id}'` : `task ${index}`;
    // Before anything walks the task: a task built in code may even hold a cycle.
    if (nestsDeeperThan(task, MAX_JSON_DEPTH)) {
      throw new SeedError(`${name}: nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const fixups = standInInt64(task);
    const problem = checkSeedTask(task);
    restoreInt64(fixups);
    if (problem !== undefined) throw new SeedError(`${name}: ${problem}`);
    const duplicate = duplicateSubTaskId((task as TaskDocument).sub_tasks);
    if (duplicate !== undefined) throw new SeedError(`${name}: ${duplicate}`);
    return task as TaskDocument;
  });
}

/** The tasks of a seed file (its sources: readSeed). */
export function readSeedFile(path: string): TaskDocument[] {
  return readSeed(path).tasks;
}

/** The tasks and source servers of a seed file. Throws SeedError naming the file and what is wrong in it. */
export function readSeed(path: string): Seed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SeedError(`cannot read seed file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    // The tasks and sources sit one or two levels down ({"tasks": [...]}); each is then held to the limit a body is.
    document = parseJson(text, undefined, MAX_JSON_DEPTH + 2);
  } catch (error) {
    if (error instanceof JsonDepthError) {
      throw new SeedError(`seed file ${path}: a task nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    throw new SeedError(`seed file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return seedDocument(document);
  } catch (error) {
    throw new SeedError(`seed file ${path}: ${(error as Error).message}`);
  }
}
