// Sending a body that is already JSON text: the route's response schema describes it, nothing serializes it again.
import type { FastifyReply } from 'fastify';

export const JSON_UTF8 = 'application/json; charset=utf-8';

export function sendJson(reply: FastifyReply, text: string, status = 200): FastifyReply {
  return reply.code(status).header('content-type', JSON_UTF8).send(text);
}
