// The ListTasks read model: the query as filters and a page, and each task in the list's own item shape
// (TasksResponseBody: fewer fields than ShowTask, nested objects cut to theirs), every field present, null where the
// task has no value.
import { type ListTasksQuery, type ListTasksResponse, TasksResponseBody } from '../../schemas/index.js';
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

type SchemaNode = {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
};

/** The value cut to the schema: every property it declares, null where the value has none, at every depth. */
function project(schema: SchemaNode, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.map((item) => project(items, item)) : value;
  }
  const properties = schema.properties;
  if (properties === undefined || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name in properties) out[name] = project(properties[name] as SchemaNode, record[name]);
  return out;
}

const ITEM = TasksResponseBody as unknown as SchemaNode;

/** A listed task in the ListTasks item shape. */
export function listItem({ task, special_config }: ListedTask): TasksResponseBody {
  return project(ITEM, { ...task, special_config }) as TasksResponseBody;
}

/** The ListTasks body: how many tasks match, and the page of them. */
export function listBody(count: number, page: readonly ListedTask[]): ListTasksResponse {
  return { count, tasks: page.map(listItem) };
}
