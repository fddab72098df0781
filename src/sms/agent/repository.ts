// SQL of the agent's channel, and the two rules of time it keeps: a source server is connected while its agent was
// heard from within the disconnect timeout, and it has a live agent while one polled ShowCommand within it. Both
// count on the mock clock. Synchronous, prepared once per connection; every method runs in the caller's transaction.
import type { Db } from '../../db/database.js';
import type { Int64Value } from '../../lib/json.js';

/** How long a source server stays connected, and its agent live, after it was last heard from: 5 minutes (chosen). */
export const DEFAULT_AGENT_TIMEOUT_MS = 5 * 60_000;

/**
 * Whether a time lies within `timeoutMs` before `now` (or after it: a clock set back does not disconnect anyone).
 * Exactly `timeoutMs` ago still counts; a millisecond more does not.
 */
export function isRecent(at: Int64Value, now: number, timeoutMs: number): boolean {
  return typeof at === 'bigint' ? at >= BigInt(Math.floor(now - timeoutMs)) : at >= now - timeoutMs;
}

/** The live-agent rule: an agent polled ShowCommand for the server within the timeout. */
export function isLiveAgent(polledAt: Int64Value | null, now: number, timeoutMs: number): boolean {
  return polledAt !== null && isRecent(polledAt, now, timeoutMs);
}

/** The live-agent rule in SQL, for a sources row aliased `s`: one parameter, `now - timeout` (liveSince). */
export const LIVE_AGENT_SQL = '(s.agent_polled_at IS NOT NULL AND s.agent_polled_at >= ?)';

/** The parameter of LIVE_AGENT_SQL and CONNECTED_SQL: the oldest time that still counts as recent. */
export function recentSince(now: number, timeoutMs: number): number {
  return now - timeoutMs;
}

/** What `connected` is worked out from: the stored flag and when the agent was last heard from. */
export interface Connection {
  readonly connected: boolean;
  readonly last_visit_time: Int64Value | null;
}

/**
 * Whether a source server shows connected at `now`: its stored flag (a registration, a poll or a result sets it; a
 * mock document may clear it), as long as its agent was heard from within the timeout. A server with no
 * last_visit_time at all has no time to count from: its flag holds.
 */
export function isConnected(source: Connection, now: number, timeoutMs: number): boolean {
  if (!source.connected) return false;
  return source.last_visit_time === null || isRecent(source.last_visit_time, now, timeoutMs);
}

/** isConnected in SQL, for a sources row aliased `s`: one parameter, `now - timeout` (recentSince). */
export const CONNECTED_SQL = '(s.connected = 1 AND (s.last_visit_time IS NULL OR s.last_visit_time >= ?))';

/** What the channel reads of a server's task: the one ShowServer shows as its current task. */
export interface AgentTask {
  readonly id: string;
  readonly state: string | null;
  /** The command handed out until its result is reported, null when none. */
  readonly agent_command: string | null;
}

export interface AgentRepository {
  /** Whether an agent polled ShowCommand for the source server within the timeout, at `now`. */
  hasLiveAgent(sourceId: string, now: number): boolean;
  /**
   * The agent of the source server was heard from at `now`: last_visit_time is now and the server is connected;
   * with `polled`, agent_polled_at is now too (it asked for its commands). False when no server has that id.
   */
  heardFrom(sourceId: string, now: number, polled: boolean): boolean;
  /** The server's task (the newest by creation, ties by id, should several name it), undefined when none. */
  taskOf(sourceId: string): AgentTask | undefined;
}

export interface AgentRepositoryOptions {
  /** How long after its last poll an agent counts as live, in ms of mock time. */
  readonly timeoutMs: number;
}

export function createAgentRepository(db: Db, { timeoutMs }: AgentRepositoryOptions): AgentRepository {
  const selectLive = db.prepare(`SELECT 1 FROM sources s WHERE s.id = ? AND ${LIVE_AGENT_SQL}`).pluck();
  const updateHeard = db.prepare('UPDATE sources SET last_visit_time = ?, connected = 1 WHERE id = ?');
  const updatePolled = db.prepare(
    'UPDATE sources SET last_visit_time = ?, agent_polled_at = ?, connected = 1 WHERE id = ?',
  );
  // Through the index on the generated source_server_id; the order is ShowServer's current task's.
  const selectTask = db.prepare(
    `SELECT id, state, agent_command FROM tasks WHERE source_server_id = ?
     ORDER BY create_date DESC, id LIMIT 1`,
  );

  return {
    hasLiveAgent(sourceId, now) {
      return selectLive.get(sourceId, recentSince(now, timeoutMs)) !== undefined;
    },

    heardFrom(sourceId, now, polled) {
      const changed = polled ? updatePolled.run(now, now, sourceId) : updateHeard.run(now, sourceId);
      return changed.changes > 0;
    },

    taskOf(sourceId) {
      return selectTask.get(sourceId) as AgentTask | undefined;
    },
  };
}
