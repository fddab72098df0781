// What routing tells about a request: the operation it reached and the task id in its path (journal and fault rules).
import type { FastifyRequest } from 'fastify';

/** The route's operationId (`ShowTask`, ...), or null for a path no operation serves. */
export function operationOf(request: FastifyRequest): string | null {
  return (request.routeOptions.schema?.operationId as string | undefined) ?? null;
}

/** The `task_id` path parameter, or null. */
export function taskIdOf(request: FastifyRequest): string | null {
  return (request.params as { task_id?: string } | undefined)?.task_id ?? null;
}
