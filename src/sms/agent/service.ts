// The agent's side of the service: the configuration an agent reads when it starts (ShowConfig), the command it polls
// for (ShowCommand) and the results it reports (UpdateCommandResult). A command comes from a task action (the action
// table's agentCommand, stored as tasks.agent_command) and is handed out until its result is reported; a STOP's
// result settles the stop a live agent was waited for, a failed START fails the task. Every write goes through the
// write queue, one transaction per request. What no source says is marked chosen.
import type { WriteQueue } from '../../db/write-queue.js';
import type { Clock } from '../../lib/clock.js';
import { ApiError } from '../../lib/errors.js';
import type { ShowCommandResponse, ShowConfigResponse, UpdateCommandResultBody } from '../../schemas/index.js';
import { sourceMoveAfter } from '../sources/life-cycle.js';
import { isSyncStep, runningSubtask } from '../tasks/plans.js';
import type { LiveFields } from '../tasks/render.js';
import type { PlanStep, TaskRecord, TaskRepository } from '../tasks/repository.js';
import { ACTIONS, type ActionMove } from '../tasks/state-machine.js';
import { type AgentRepository, type AgentTask, isConnected, isLiveAgent, isRecent } from './repository.js';

export interface AgentService {
  /** The ShowConfig body: the same for every agent. */
  config(): ShowConfigResponse;
  /** Records the poll and answers the server's command; 404 for an unknown server. */
  command(serverId: string): Promise<ShowCommandResponse>;
  /** Applies a command's result where it is the pending one; 404 for an unknown server, 400 for a bad error. */
  reportResult(serverId: string, body: UpdateCommandResultBody): Promise<void>;
  /** Whether an agent polled for the source server's commands within the timeout, at `now`. */
  hasLiveAgent(sourceId: string, now: number): boolean;
  /** The live-agent rule on a stored poll time, for readers that have it already. */
  isLiveAgent(polledAt: number | null, now: number): boolean;
  /** Whether a source shows connected at `now` (its flag, and its agent heard from within the timeout). */
  isConnected(source: { connected: boolean; last_visit_time: TaskRecord['create_date'] }, now: number): boolean;
  /** ShowTask's `connected` at read time: false once the task's source server was not heard from in time. */
  readonly live: LiveFields;
  /** The disconnect timeout, ms of mock time. */
  readonly timeoutMs: number;
}

export interface AgentServiceOptions {
  readonly agents: AgentRepository;
  readonly tasks: TaskRepository;
  readonly writes: WriteQueue;
  readonly clock: Clock;
  /** How long a server stays connected, and its agent live, after it was last heard from (ms of mock time). */
  readonly timeoutMs: number;
}

/** The commands ShowCommand hands out with the task id while the task stands so (chosen: the command in force). */
type StatusCommand = 'START' | 'TASK_NOT_STARTED' | 'TASK_HAS_STOPPED' | 'TASK_HAS_FINISHED';

/**
 * What ShowCommand answers when no command is pending, by the task's state. READY (and a task with no state):
 * TASK_NOT_STARTED. A task at work (RUNNING, SYNCING, SKIPPING): START, the command in force, whether or not its
 * result came: an agent at work carries on, one that restarted picks its task up again (chosen). Paused, failed or
 * going away (ABORTING, ABORT, MIGRATE_FAIL, SYNC_FAIL, DELETING, RESETING): TASK_HAS_STOPPED (chosen for all but
 * ABORTING and ABORT). Finished (MIGRATE_SUCCESS, SYNC_SUCCESS): TASK_HAS_FINISHED.
 */
export const COMMAND_BY_STATE: Readonly<Record<string, StatusCommand>> = {
  READY: 'TASK_NOT_STARTED',
  RUNNING: 'START',
  SYNCING: 'START',
  SKIPPING: 'START',
  ABORTING: 'TASK_HAS_STOPPED',
  ABORT: 'TASK_HAS_STOPPED',
  MIGRATE_FAIL: 'TASK_HAS_STOPPED',
  SYNC_FAIL: 'TASK_HAS_STOPPED',
  DELETING: 'TASK_HAS_STOPPED',
  RESETING: 'TASK_HAS_STOPPED',
  MIGRATE_SUCCESS: 'TASK_HAS_FINISHED',
  SYNC_SUCCESS: 'TASK_HAS_FINISHED',
};

/** The stop move of the action table: ABORTING, settling in ABORT; the source stopping, then stopped. */
const STOP = ACTIONS.RUNNING.stop as ActionMove;

/** The error code a failed START without one of its own leaves on the task (chosen: the code field reports give). */
export const DEFAULT_START_ERROR = 'SMS.1404';
const ERROR_CODE = /^SMS\.\d{4}$/;
/** ShowTask's error_json holds at most this many characters. */
const MAX_ERROR_JSON = 1024;

/**
 * The ShowConfig answer. The SDK lists mainRegion, obs_domain, disktype and process_and_it "and what is added later";
 * the doc example answers mainRegion and disktype SATA with two regions by region_name and project_name. The mock has
 * no region of its own: cn-north-4 (the Terraform provider's SMS endpoint), its OBS domain, and process_and_it
 * "false" are chosen. Two keys are the mock's own: agent_timeout, the disconnect timeout in seconds (--agent-timeout),
 * and command_interval, a poll interval that keeps an agent connected (a fifth of it, at least a second).
 */
export function agentConfig(timeoutMs: number): ShowConfigResponse {
  return {
    config: {
      mainRegion: 'cn-north-4',
      obs_domain: 'obs.cn-north-4.myhuaweicloud.com',
      disktype: 'SATA',
      process_and_it: 'false',
      agent_timeout: String(Math.floor(timeoutMs / 1000)),
      command_interval: String(Math.max(1, Math.floor(timeoutMs / 5000))),
    },
    regions: [
      { region_name: 'cn-north-4', project_name: 'cn-north-4' },
      { region_name: 'ap-southeast-3', project_name: 'ap-southeast-3' },
    ],
  };
}

/** ShowCommand's answer for a server: its pending command, else what its task's state says. */
export function commandFor(task: AgentTask | undefined): ShowCommandResponse {
  if (task === undefined) return { command_name: 'TASK_NOT_STARTED', command_param: null };
  const name = task.agent_command ?? COMMAND_BY_STATE[task.state ?? ''] ?? 'TASK_NOT_STARTED';
  return { command_name: name as ShowCommandResponse['command_name'], command_param: { task_id: task.id } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The error_json a failed START leaves, from result_detail's error_code and error_param when given: a code `SMS.`
 * and four digits; params an array of strings, or a string holding one as JSON (as error_json carries it). Refused
 * with 400 naming the field otherwise, before anything is written.
 */
export function errorJsonOf(detail: UpdateCommandResultBody['result_detail']): string {
  const given = isRecord(detail) ? detail : {};
  let code = DEFAULT_START_ERROR;
  if ('error_code' in given) {
    if (typeof given.error_code !== 'string' || !ERROR_CODE.test(given.error_code)) {
      throw new ApiError('invalidParameter', 'result_detail.error_code must be SMS. and four digits, such as SMS.1404');
    }
    code = given.error_code;
  }
  let params = '[]';
  if ('error_param' in given) {
    const param = given.error_param;
    const isList = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string');
    let list: unknown;
    if (typeof param === 'string') {
      try {
        list = JSON.parse(param);
      } catch {
        list = undefined;
      }
    }
    if (isList(param)) params = JSON.stringify(param);
    else if (typeof param === 'string' && isList(list)) params = param;
    else {
      throw new ApiError(
        'invalidParameter',
        'result_detail.error_param must be an array of strings, or a string holding one as JSON',
      );
    }
  }
  const errorJson = JSON.stringify({ error_code: code, error_param: params });
  if (errorJson.length > MAX_ERROR_JSON) {
    throw new ApiError('invalidParameter', `result_detail makes an error_json over ${MAX_ERROR_JSON} characters`);
  }
  return errorJson;
}

/**
 * Where a task a failed STOP leaves goes back to (chosen: the stop did not happen): SYNCING when what runs is
 * continuous or incremental sync (nothing left in the plan, a sync step or a clone running), RUNNING otherwise.
 */
function stateBeforeStop(plan: readonly PlanStep[]): 'RUNNING' | 'SYNCING' {
  const running = runningSubtask(plan);
  return running === null || running === 'CLONE_VM' || isSyncStep(running) ? 'SYNCING' : 'RUNNING';
}

export function createAgentService({ agents, tasks, writes, clock, timeoutMs }: AgentServiceOptions): AgentService {
  /** Moves the task to `state` and its source to what that moment shows, clearing the command; in the caller's write. */
  function moveTask(task: AgentTask, sourceId: string, state: string, now: number, errorJson?: string): void {
    const plan = tasks.plan(task.id);
    tasks.update(task.id, {
      agent_command: null,
      state,
      ...(errorJson === undefined ? {} : { error_json: errorJson }),
    });
    const move = sourceMoveAfter({ state, currentSubtask: runningSubtask(plan) }, now);
    if (move !== undefined) tasks.moveSource(sourceId, move);
  }

  /** What the pending command's result does to the server's task, in the caller's write. */
  function applyResult(
    task: AgentTask,
    sourceId: string,
    body: UpdateCommandResultBody,
    errorJson: string,
    now: number,
  ): void {
    const failed = body.result === 'fail';
    if (body.command_name === 'STOP' && task.state === STOP.to) {
      if (!failed) {
        // Paused: it moves nothing (as a stop settled at once shows).
        tasks.update(task.id, { agent_command: null, state: STOP.settle as string, migrate_speed: 0 });
        tasks.moveSource(sourceId, { state: STOP.source?.settle as string, at: now });
      } else {
        moveTask(task, sourceId, stateBeforeStop(tasks.plan(task.id)), now);
      }
      return;
    }
    if (body.command_name === 'START' && failed && (task.state === 'RUNNING' || task.state === 'SYNCING')) {
      moveTask(task, sourceId, task.state === 'RUNNING' ? 'MIGRATE_FAIL' : 'SYNC_FAIL', now, errorJson);
      return;
    }
    // A START that succeeded, a SKIP or PREMIGRATE (their moves settled already), a STOP the task no longer waits for.
    tasks.update(task.id, { agent_command: null });
  }

  const live: LiveFields = (task, now) => {
    const visit = (task as TaskRecord & { source_last_visit_time?: TaskRecord['create_date'] }).source_last_visit_time;
    if (task.connected !== true || visit === undefined || visit === null) return undefined;
    return isRecent(visit, now, timeoutMs) ? undefined : { connected: false };
  };

  return {
    config: () => agentConfig(timeoutMs),

    command(serverId) {
      const now = clock.now();
      return writes.run(() => {
        if (!agents.heardFrom(serverId, now, true)) throw new ApiError('sourceNotFound', serverId);
        return commandFor(agents.taskOf(serverId));
      });
    },

    reportResult(serverId, body) {
      let errorJson: string;
      try {
        errorJson = errorJsonOf(body.result_detail);
      } catch (error) {
        return Promise.reject(error);
      }
      const now = clock.now();
      return writes.run(() => {
        if (!agents.heardFrom(serverId, now, false)) throw new ApiError('sourceNotFound', serverId);
        const task = agents.taskOf(serverId);
        // A result for no task, or for a command that is not the pending one, is accepted and changes nothing more.
        if (task === undefined || task.agent_command !== body.command_name) return;
        applyResult(task, serverId, body, errorJson, now);
      });
    },

    hasLiveAgent: (sourceId, now) => agents.hasLiveAgent(sourceId, now),
    isLiveAgent: (polledAt, now) => isLiveAgent(polledAt, now, timeoutMs),
    isConnected: (source, now) => isConnected(source, now, timeoutMs),
    live,
    timeoutMs,
  };
}
