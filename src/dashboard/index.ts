// The dashboard at /_mock/ui: the page and its assets (built by `npm run build` into dist/ui, served from the
// package), the read routes its views draw from (/_mock/ui/api/...) and the event stream that tells it when to read
// again. Like the rest of /_mock it is the mock's own: never journaled, never faulted, not authenticated. Its
// controls call the documented /_mock API; nothing here changes state.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_PRESETS } from '../control/faults.js';
import type { Core } from '../core.js';
import { sendJson } from '../http/reply.js';
import { ApiError } from '../lib/errors.js';
import { stringifyJson } from '../lib/json.js';
import { markInternal } from '../plugins/request-state.js';
import { operationIds } from '../schemas/generated/operations.js';
import { ErrorResponse } from '../schemas/index.js';
import { PRESETS } from '../sms/simulation/profiles.js';
import { TASK_OPERATIONS, TASK_STATES } from '../sms/tasks/state-machine.js';
import { PACKAGE } from '../version.js';
import { createEventFeed, type EventFeedOptions } from './events.js';
import { createReadModels, type ReadModels } from './read-models.js';
import {
  BoardQuery,
  BoardResponse,
  MetaResponse,
  NoQuery,
  SeriesQuery,
  SeriesResponse,
  SourcesResponse,
  TaskParams,
  TaskViewResponse,
} from './schemas.js';

/** dist/ui from the sources (src/dashboard), from the bundled entry points (dist/src) and from tsc's output. */
const ASSET_FOLDERS = ['../../dist/ui', '../ui', '../../ui'].map((relative) =>
  fileURLToPath(new URL(relative, import.meta.url)),
);

/** The folder holding the built page, or undefined when `npm run build` never ran here. */
export function assetFolder(): string | undefined {
  return ASSET_FOLDERS.find((folder) => existsSync(`${folder}/index.html`));
}

export interface DashboardOptions {
  readonly core: Core;
  /** Aborted when the server starts closing: the event streams end. */
  readonly closing: AbortSignal;
  readonly events?: EventFeedOptions;
}

const tags = ['dashboard'];

// @fastify/send (conditional requests, ranges, content types, no way out of the folder) is loaded on the first asset
// request: the server starts as fast with the dashboard as without.
type Send = typeof import('@fastify/send').default;
let loadSend: Promise<Send> | undefined;

async function sendAsset(request: FastifyRequest, reply: FastifyReply, path: string): Promise<FastifyReply> {
  const root = assetFolder();
  if (root === undefined) {
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send('The dashboard is not built here: run `npm run build` (npm ci does it), then reload.\n');
  }
  loadSend ??= import('@fastify/send').then((module) => module.default);
  const send = await loadSend;
  const sent = await send(request.raw, path, {
    root,
    index: false,
    dotfiles: 'deny',
    // The page names its assets without a version: a browser asks again (and gets 304) rather than running stale code.
    cacheControl: false,
  });
  // A file that is not there (or not to be served: a folder, a dot file) is a path no route serves.
  if (sent.type === 'error') throw new ApiError('routeNotFound', `${request.method} ${request.url}`);
  // The reply itself is answered: Fastify then waits for the stream rather than ending the answer empty.
  return reply
    .code(sent.statusCode)
    .headers({ ...sent.headers, 'cache-control': 'no-cache' })
    .send(sent.stream);
}

export const dashboard: FastifyPluginAsyncTypebox<DashboardOptions> = async (app, { core, closing, events }) => {
  markInternal(app);
  const feed = createEventFeed(core, events);
  closing.addEventListener('abort', () => feed.close(), { once: true });
  // Statements are prepared on the first read, not at start.
  let models: ReadModels | undefined;
  const read = (): ReadModels => {
    models ??= createReadModels(core);
    return models;
  };

  app.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.redirect('/_mock/ui/', 302));
  app.get('/ui/', { schema: { hide: true } }, (request, reply) => sendAsset(request, reply, '/index.html'));
  app.get<{ Params: { '*': string } }>('/ui/assets/*', { schema: { hide: true } }, (request, reply) =>
    sendAsset(request, reply, `/assets/${request.params['*']}`),
  );

  app.get(
    '/ui/api/meta',
    {
      schema: {
        operationId: 'DashboardMeta',
        querystring: NoQuery,
        summary: 'What the dashboard offers in its menus: operations, states, actions, presets',
        tags,
        response: { 200: MetaResponse, 400: ErrorResponse },
      },
    },
    () => ({
      version: PACKAGE.version,
      operations: [...operationIds].sort(),
      task_states: [...TASK_STATES],
      task_actions: [...TASK_OPERATIONS],
      fault_presets: Object.keys(ERROR_PRESETS),
      fault_effects: ['error', 'latency', 'drop', 'empty'],
      simulation_profiles: [...PRESETS],
    }),
  );

  app.get(
    '/ui/api/board',
    {
      schema: {
        operationId: 'DashboardBoard',
        summary: 'The task board: every task (newest first) with its state, progress, current subtask and speed',
        tags,
        querystring: BoardQuery,
        response: { 200: BoardResponse, 400: ErrorResponse },
      },
    },
    (request) => read().board(request.query),
  );

  app.get(
    '/ui/api/tasks/:task_id',
    {
      schema: {
        operationId: 'DashboardTask',
        summary: "A task's view: its board row, subtask timeline and speed-limit rules",
        tags,
        params: TaskParams,
        response: { 200: TaskViewResponse, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    (request) => {
      const view = read().task(request.params.task_id);
      if (view === undefined) throw new ApiError('taskNotFound', request.params.task_id);
      return view;
    },
  );

  app.get(
    '/ui/api/tasks/:task_id/series',
    {
      schema: {
        operationId: 'DashboardSeries',
        summary: "A task's progress samples as chart series, bucketed on the server past `points`",
        tags,
        params: TaskParams,
        querystring: SeriesQuery,
        response: { 200: SeriesResponse, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    (request, reply) => {
      const { from, to } = request.query;
      if (from !== undefined && to !== undefined && from > to) {
        throw new ApiError('invalidParameter', 'from must not be after to');
      }
      const series = read().series(request.params.task_id, request.query);
      if (series === undefined) throw new ApiError('taskNotFound', request.params.task_id);
      // Columns of thousands of numbers: JSON.stringify is faster at plain arrays than a compiled serializer.
      sendJson(reply, stringifyJson(series));
    },
  );

  app.get(
    '/ui/api/sources',
    {
      schema: {
        operationId: 'DashboardSources',
        querystring: NoQuery,
        summary: 'Source servers with their checks, connection and current task',
        tags,
        response: { 200: SourcesResponse, 400: ErrorResponse },
      },
    },
    () => read().sources(),
  );

  app.get(
    '/ui/api/events',
    {
      schema: {
        operationId: 'DashboardEvents',
        querystring: NoQuery,
        summary: 'Server-Sent Events: `change` names what changed (store, journal, faults, clock), at most 4 a second',
        tags,
        response: { 400: ErrorResponse, 429: ErrorResponse },
      },
    },
    (_request, reply) => {
      if (closing.aborted) throw new ApiError('shuttingDown');
      if (!feed.accepts) throw new ApiError('tooManyStreams', `${feed.clients} dashboards are open`);
      reply.hijack();
      // Refused only when the client is gone already: there is nobody to answer.
      if (!feed.open(reply.raw)) reply.raw.destroy();
    },
  );
};
