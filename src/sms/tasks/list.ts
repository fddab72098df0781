// The ListTasks read model: the query as filters and a page, and each task in the list's own item shape
// (TasksResponseBody: fewer fields than ShowTask, nested objects cut to theirs), every field present, null where the
// task has no value. Items are kept serialized between commits, as ShowTask bodies are (render.ts): a page is its
// ids, read from the tasks' rowids alone, and the items kept for them; only tasks not kept since the last commit are
// read in full.
import type { WriteQueue } from '../../db/write-queue.js';
import { stringifyJson } from '../../lib/json.js';
import { type ListTasksQuery, TasksResponseBody, withNulls } from '../../schemas/index.js';
import type { ListedTask, TaskFilters, TaskRepository } from './repository.js';

/** Tasks per page when the query gives no limit, or 0 (the schema's default; 0 reads as "the default" too). */
export const DEFAULT_LIMIT = 100;

/** The filters a query gives, each an exact match. */
export function filtersOf(query: ListTasksQuery): TaskFilters {
  return {
    state: query.state,
    name: query.name,
    id: query.id,
    source_server_id: query.source_server_id,
    enterprise_project_id: query.enterprise_project_id,
  };
}

/** The page a query asks for: `limit` tasks (0 or none: DEFAULT_LIMIT) after skipping `offset` records. */
export function pageOf(query: ListTasksQuery): { limit: number; offset: number } {
  const limit = query.limit === undefined || query.limit === 0 ? DEFAULT_LIMIT : query.limit;
  return { limit, offset: query.offset ?? 0 };
}

/** A listed task in the ListTasks item shape. */
export function listItem({ task, special_config }: ListedTask): TasksResponseBody {
  return withNulls(TasksResponseBody, { ...task, special_config }) as TasksResponseBody;
}

/** How many serialized items are kept: a page's worth many times over, bounded for a long-lived server. */
const MAX_KEPT = 10_000;

export interface TaskListOptions {
  readonly tasks: Pick<TaskRepository, 'count' | 'pageIds' | 'listed'>;
  readonly writes: Pick<WriteQueue, 'generation'>;
}

/** The ListTasks body, serialized, for a query: how many tasks match, and the page of them. */
export function createTaskList({ tasks, writes }: TaskListOptions): (query: ListTasksQuery) => string {
  const kept = new Map<string, string>();
  let keptAt = writes.generation;
  return (query) => {
    if (keptAt !== writes.generation) {
      kept.clear();
      keptAt = writes.generation;
    }
    const filters = filtersOf(query);
    const { limit, offset } = pageOf(query);
    const ids = tasks.pageIds(filters, limit, offset);
    const missing = ids.filter((id) => !kept.has(id));
    if (missing.length > 0) {
      for (const [id, listed] of tasks.listed(missing)) {
        // Maps iterate in insertion order: the item kept longest goes first.
        if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value as string);
        kept.set(id, stringifyJson(listItem(listed)));
      }
    }
    const items: string[] = [];
    for (const id of ids) {
      const item = kept.get(id);
      if (item !== undefined) items.push(item);
    }
    return `{"count":${tasks.count(filters)},"tasks":[${items.join(',')}]}`;
  };
}
