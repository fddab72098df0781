// Journals every answered request except the mock's own (routes marked internal), just before its answer goes out:
// once a client has its answer, the journal already shows the request, and the database already holds what it
// wrote. Unknown paths are journaled too: a client calling a wrong URL is what a journal is read for.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Journal, JournalRecord } from '../control/journal.js';
import type { Clock } from '../lib/clock.js';
import { resourceIdOf, routeFacts, stateOf } from '../plugins/request-state.js';

/** The journal's record of a request; `status` null when it got no answer (a fault dropped it). */
export function journalRecord(request: FastifyRequest, status: number | null, time: number): JournalRecord {
  const state = stateOf(request);
  const facts = routeFacts(request);
  const resourceId = resourceIdOf(request);
  return {
    time,
    method: request.method,
    url: request.url,
    operation: facts.operation ?? null,
    resourceId,
    taskId: facts.resource === 'task_id' ? resourceId : null,
    status,
    requestId: request.id,
    durationMs: performance.now() - state.startedAt,
    headers: request.headers,
    body: state.bodyText,
    fault: state.fault,
  };
}

export interface JournalingOptions {
  readonly journal: Journal;
  readonly clock: Clock;
}

async function journaling(app: FastifyInstance, { journal, clock }: JournalingOptions): Promise<void> {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (routeFacts(request).internal !== true) journal.record(journalRecord(request, reply.statusCode, clock.now()));
    done(null, payload);
  });
}

export default fp(journaling, { name: 'journal', dependencies: ['request-state'] });
