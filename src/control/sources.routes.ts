// /_mock/sources: put and delete stored source servers as the mock's administrator (no vendor rules: a source a task
// names may be deleted here).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Core } from '../core.js';
import { ApiError } from '../lib/errors.js';
import { ErrorResponse, ShowServerResponse } from '../schemas/index.js';
import { SourceDocument } from '../sms/sources/render.js';

const SourceIdParams = Type.Object({ source_id: Type.String({ minLength: 1, maxLength: 255 }) });
const tags = ['mock'];

export const sourceControlRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const { sources } = core;

  app.put(
    '/sources/:source_id',
    {
      schema: {
        operationId: 'MockPutSource',
        summary: 'Insert or replace a source server, given in the ShowServer shape',
        tags,
        params: SourceIdParams,
        body: SourceDocument,
        response: { 200: ShowServerResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const { source_id } = request.params;
      const document = request.body as Record<string, unknown>;
      if (document.id !== undefined && document.id !== null && document.id !== source_id) {
        throw new ApiError('invalidParameter', `id '${String(document.id)}' differs from the path's '${source_id}'`);
      }
      await sources.putDocuments([{ ...document, id: source_id }]);
      return sources.show(source_id);
    },
  );

  app.delete(
    '/sources/:source_id',
    {
      schema: {
        operationId: 'MockDeleteSource',
        summary: 'Delete a source server, whatever task names it',
        tags,
        params: SourceIdParams,
        response: { 204: Type.Null(), 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!(await sources.remove(request.params.source_id))) {
        throw new ApiError('sourceNotFound', request.params.source_id);
      }
      return reply.code(204).send(null);
    },
  );
};
