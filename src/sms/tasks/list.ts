// The ListTasks read model: the query as filters and a page, and each task in the list's own item shape
// (TasksResponseBody: fewer fields than ShowTask, nested objects cut to theirs), every field present, null where the
// task has no value.
import { type ListTasksQuery, type ListTasksResponse, TasksResponseBody, withNulls } from '../../schemas/index.js';
import type { ListedTask, TaskFilters } from './repository.js';

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

/** The ListTasks body: how many tasks match, and the page of them. */
export function listBody(count: number, page: readonly ListedTask[]): ListTasksResponse {
  return { count, tasks: page.map(listItem) };
}
