// The rules of the emulated source server operations: registration (and registering again), listing, the overview,
// the error list, renames, changestate, disk info and deletes, each write in one transaction of the write queue;
// and the mock's own administration of sources (seeds, PUT and DELETE /_mock/sources), which knows no vendor rules.
// States move as life-cycle.ts says; the checks are checks.ts's.
import { randomUUID } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { WriteQueue } from '../../db/write-queue.js';
import type { Clock } from '../../lib/clock.js';
import { ApiError } from '../../lib/errors.js';
import {
  type ListErrorServersQuery,
  type ListServersQuery,
  RegisterServerBody,
  type UpdateCopyStateBody,
  type UpdateDiskInfoBody,
  type UpdateServerNameBody,
} from '../../schemas/index.js';
import { DEFAULT_AGENT_TIMEOUT_MS, isConnected, recentSince } from '../agent/repository.js';
import { hasErrors, type ShownCheck } from './checks.js';
import {
  CHANGESTATE_COPY_STATES,
  CHANGESTATE_MIGRATION_CYCLES,
  changestateCopyState,
  changestateIgnored,
  changestateMigrationCycle,
} from './life-cycle.js';
import { checksOf, listedServer, showServerBody } from './render.js';
import type {
  JsonObject,
  SourceFields,
  SourceFilter,
  SourceRecord,
  SourceRepository,
  TaskSummary,
} from './repository.js';
import { COLUMNS } from './repository.js';

/** ShowOverview's counts, by the SDK's keys. */
export type Overview = Record<(typeof OVERVIEW_STATES)[number] | 'unconfigured', number>;

export interface MigrationError {
  error_json: string;
  host_name: string | null;
  name: string;
  source_id: string;
  source_ip: string | null;
  target_ip: string | null;
}

/** A source server in the ShowServer shape, as seeds and the mock control API give it. */
export type SourceDocument = { id: string } & Record<string, unknown>;

export interface SourceService {
  /** Registers a source server, or registers one again: answers its id. */
  register(body: RegisterServerBody): Promise<string>;
  /** The ShowServer body; 404 for an unknown id. */
  show(id: string): JsonObject;
  list(query: ListServersQuery): { count: number; source_servers: JsonObject[] };
  overview(): Overview;
  listErrors(query: ListErrorServersQuery): { count: number; migration_errors: MigrationError[] };
  rename(id: string, body: UpdateServerNameBody): Promise<void>;
  changeState(id: string, body: UpdateCopyStateBody): Promise<void>;
  updateDiskInfo(id: string, body: UpdateDiskInfoBody): Promise<void>;
  /** Deletes a source server that no task names. */
  delete(id: string): Promise<void>;
  /** Deletes every one of `ids`, or none. */
  deleteMany(ids: readonly string[]): Promise<void>;

  /** The mock's own: inserts or replaces whole sources (seed files, PUT /_mock/sources/{id}). */
  putDocuments(documents: readonly SourceDocument[]): Promise<void>;
  /** The mock's own: deletes a source whatever names it. False when there was none. */
  remove(id: string): Promise<boolean>;
  /** The ShowServer body of a source, or undefined. */
  find(id: string): JsonObject | undefined;
}

export interface SourceServiceOptions {
  readonly sources: SourceRepository;
  readonly writes: WriteQueue;
  readonly clock: Clock;
  /**
   * How long after its agent was last heard from a server shows connected (ms of mock time; the agent's channel's
   * rule, src/sms/agent/repository.ts); DEFAULT_AGENT_TIMEOUT_MS when omitted.
   */
  readonly agentTimeoutMs?: number | undefined;
}

/** The overview's state keys (the SDK's ShowOverviewResponse, less `unconfigured`). */
const OVERVIEW_STATES = [
  'waiting',
  'replicate',
  'syncing',
  'stopped',
  'deleting',
  'cutovering',
  'unavailable',
  'stopping',
  'skipping',
  'finished',
  'initialize',
  'error',
  'cloning',
] as const;

/** Lists answer this many sources when `limit` is 0 or absent (ListServers: "0 means the default of 200"). */
const DEFAULT_LIMIT = 200;

/** Body fields that columns hold rather than the registration: the id and what the source shows. */
const NOT_REGISTERED = new Set(['id', 'state', 'migration_cycle']);
/** The RegisterServer model's fields a registration stores: a field the model lacks is not kept. */
const REGISTERED_FIELDS = Object.keys(RegisterServerBody.properties).filter((field) => !NOT_REGISTERED.has(field));

/** Task states whose source ListErrorServers lists. */
const FAILED_TASK_STATES = new Set(['MIGRATE_FAIL', 'SYNC_FAIL']);

/**
 * Columns a mock document sets directly (its id and every column but the two the repository derives from the
 * registration); the rest of it is the registration.
 */
const DOCUMENT_COLUMNS = new Set<string>([
  'id',
  ...COLUMNS.filter((column) => column !== 'first_mac' && column !== 'registration'),
]);
/** Document fields computed from the source's task, never stored. */
const DERIVED_FIELDS = new Set(['current_task', 'replicatesize', 'totalsize']);

function isRecord(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Text given and not empty, else undefined. */
function given(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The first network's MAC of a registration or document, or null. */
function firstMacOf(networks: unknown): string | null {
  const first = Array.isArray(networks) ? networks[0] : undefined;
  return isRecord(first) && typeof first.mac === 'string' ? first.mac : null;
}

/** The address rules the schema cannot state: a MAC on the first network, ip or ipv6, each of its family. */
function checkRegistration(body: RegisterServerBody): void {
  if (given(body.networks[0]?.mac) === undefined) {
    throw new ApiError('invalidParameter', 'networks[0].mac must not be empty');
  }
  const ip = given(body.ip);
  const ipv6 = given(body.ipv6);
  if (ip === undefined && ipv6 === undefined) throw new ApiError('invalidParameter', 'ip or ipv6 is required');
  if (ip !== undefined && !isIPv4(ip)) throw new ApiError('invalidParameter', 'ip must be an IPv4 address');
  if (ipv6 !== undefined && !isIPv6(ipv6)) throw new ApiError('invalidParameter', 'ipv6 must be an IPv6 address');
}

/** What the registration stores of a body: the model's fields as sent, less those the columns hold. */
function registrationOf(body: RegisterServerBody): JsonObject {
  const sent = body as unknown as JsonObject;
  const registration: JsonObject = {};
  for (const field of REGISTERED_FIELDS) if (field in sent) registration[field] = sent[field];
  return registration;
}

/**
 * The state after the source's checks were run again (a registration, new disk information): a source waiting or
 * unavailable becomes unavailable when a check fails and waiting when none does; any other state is the migration's
 * and stays.
 */
function stateAfterChecks(current: string | undefined, checks: readonly ShownCheck[]): string {
  if (current !== undefined && current !== 'waiting' && current !== 'unavailable') return current;
  return hasErrors(checks) ? 'unavailable' : 'waiting';
}

function limitOf(limit: number | undefined): number {
  return limit === undefined || limit === 0 ? DEFAULT_LIMIT : limit;
}

/** ListServers' query as the repository's filter: `ip` wins over `ipv6`, `migproject` names the column. */
function filterOf(query: ListServersQuery): SourceFilter {
  return {
    state: query.state,
    name: query.name,
    id: query.id,
    ip: query.ip,
    ipv6: query.ip === undefined ? query.ipv6 : undefined,
    migration_cycle: query.migration_cycle,
    connected: query.connected,
    enterprise_project_id: query.enterprise_project_id,
    migprojectid: query.migproject,
    vm_id: query.vm_id,
    is_consistency_result_exist: query.is_consistency_result_exist,
  };
}

/** The error_json of a source whose task failed: the task's own, or a code-less one when it has none. */
function taskErrorJson(task: TaskSummary): string {
  return given(task.error_json) ?? JSON.stringify({ error_code: '', error_param: '[]' });
}

/** The error_json of a source whose checks failed: the first failing check's code, the fields it names. */
function checkErrorJson(checks: readonly ShownCheck[]): string {
  const failed = checks.find((check) => check.result === 'ERROR');
  const fields = typeof failed?.error_params === 'string' && failed.error_params !== '' ? failed.error_params : '';
  return JSON.stringify({
    error_code: failed?.error_code ?? '',
    error_param: JSON.stringify(fields === '' ? [] : fields.split(',')),
  });
}

/** The columns and registration of a mock document; defaults as a registration would leave them. */
function fieldsOfDocument(document: SourceDocument, now: number): SourceFields {
  const registration: JsonObject = {};
  for (const [field, value] of Object.entries(document)) {
    if (!DOCUMENT_COLUMNS.has(field) && !DERIVED_FIELDS.has(field)) registration[field] = value;
  }
  const osType = (document.os_type as string | null | undefined) ?? null;
  const addDate = (document.add_date as SourceFields['add_date'] | null | undefined) ?? now;
  const state =
    (document.state as string | null | undefined) ??
    stateAfterChecks(undefined, checksOf({ os_type: osType, registration }));
  return {
    name: (document.name as string | null | undefined) ?? document.id,
    ip: (document.ip as string | null | undefined) ?? null,
    ipv6: (document.ipv6 as string | null | undefined) ?? null,
    first_mac: firstMacOf(document.networks),
    os_type: osType,
    state,
    migration_cycle: (document.migration_cycle as string | null | undefined) ?? 'checking',
    connected: (document.connected as boolean | null | undefined) ?? true,
    enterprise_project_id: (document.enterprise_project_id as string | null | undefined) ?? null,
    migprojectid: (document.migprojectid as string | null | undefined) ?? null,
    add_date: addDate,
    // A server put in counts as heard from then (connected for the agent timeout), unless the document says when.
    last_visit_time: (document.last_visit_time as SourceFields['last_visit_time'] | undefined) ?? now,
    state_action_time: (document.state_action_time as SourceFields['state_action_time'] | undefined) ?? addDate,
    stage_action_time: (document.stage_action_time as SourceFields['stage_action_time'] | undefined) ?? addDate,
    registration,
  };
}

export function createSourceService({
  sources,
  writes,
  clock,
  agentTimeoutMs = DEFAULT_AGENT_TIMEOUT_MS,
}: SourceServiceOptions): SourceService {
  /** The source as shown at `now`: connected only while its agent was heard from within the timeout. */
  function asNow(source: SourceRecord, now: number): SourceRecord {
    const connected = isConnected(source, now, agentTimeoutMs);
    return connected === source.connected ? source : { ...source, connected };
  }

  function bodyOf(source: SourceRecord): JsonObject {
    const task = sources.currentTask(source.id);
    const sizes = task === undefined ? undefined : sources.lastReport(task.id);
    return showServerBody(asNow(source, clock.now()), task, sizes);
  }

  function found(id: string): SourceRecord {
    const source = sources.find(id);
    if (source === undefined) throw new ApiError('sourceNotFound', id);
    return source;
  }

  /** Refuses to delete a source that is unknown or that a task names. */
  function deleteChecked(id: string): void {
    if (!sources.exists(id)) throw new ApiError('sourceNotFound', id);
    if (sources.hasTask(id)) throw new ApiError('sourceHasTask', id);
    sources.delete(id);
  }

  return {
    register(body) {
      try {
        checkRegistration(body);
      } catch (error) {
        return Promise.reject(error);
      }
      const registration = registrationOf(body);
      const firstMac = firstMacOf(body.networks) as string;
      const ip = given(body.ip) ?? null;
      const ipv6 = given(body.ipv6) ?? null;
      const checks = checksOf({ os_type: body.os_type, registration });
      const fresh = randomUUID();
      const now = clock.now();
      return writes.run(() => {
        const claimed = given(body.id);
        const id = claimed ?? sources.findByIdentity(body.name, firstMac) ?? fresh;
        const stored = sources.find(id);
        const reported = { name: body.name, ip, ipv6, first_mac: firstMac, os_type: body.os_type, registration };
        if (stored === undefined) {
          sources.put(id, {
            ...reported,
            state: stateAfterChecks(undefined, checks),
            migration_cycle: 'checking',
            connected: true,
            enterprise_project_id: null,
            migprojectid: null,
            add_date: now,
            last_visit_time: now,
            state_action_time: now,
            stage_action_time: now,
          });
          return id;
        }
        // Registering again: what the agent reports is refreshed; the id, registration date, enterprise project,
        // migration project, disk adjustments and the migration's state stay.
        const adjustments = stored.registration.adjustments;
        const state = stateAfterChecks(stored.state, checks);
        sources.update(id, {
          ...reported,
          registration: adjustments === undefined ? registration : { ...registration, adjustments },
          connected: true,
          last_visit_time: now,
          ...(state === stored.state ? {} : { state, state_action_time: now }),
        });
        return id;
      });
    },

    show(id) {
      return bodyOf(found(id));
    },

    list(query) {
      const now = clock.now();
      const filter: SourceFilter = { ...filterOf(query), connectedSince: recentSince(now, agentTimeoutMs) };
      const count = sources.count(filter);
      const listed = sources.list(filter, limitOf(query.limit), query.offset ?? 0).map((source) => {
        const task = sources.currentTask(source.id);
        const sizes = task === undefined ? undefined : sources.lastReport(task.id);
        return listedServer(asNow(source, now), task, sizes);
      });
      return { count, source_servers: listed };
    },

    overview() {
      const overview = Object.fromEntries([...OVERVIEW_STATES, 'unconfigured'].map((key) => [key, 0])) as Overview;
      for (const { state, hasTask, count } of sources.stateCounts()) {
        // Each source counts once: waiting with no task is a source whose target is not configured yet.
        const key = state === 'waiting' && !hasTask ? 'unconfigured' : state;
        if (key in overview) overview[key as keyof Overview] += count;
      }
      return overview;
    },

    listErrors(query) {
      const filter: SourceFilter = { enterprise_project_id: query.enterprise_project_id };
      const errors: MigrationError[] = [];
      for (const source of sources.list(filter, -1, 0)) {
        const task = sources.currentTask(source.id);
        let errorJson: string | undefined;
        if (task !== undefined && FAILED_TASK_STATES.has(task.state ?? '')) {
          errorJson = taskErrorJson(task);
        } else {
          const checks = checksOf(source);
          if (hasErrors(checks)) errorJson = checkErrorJson(checks);
        }
        if (errorJson === undefined) continue;
        errors.push({
          error_json: errorJson,
          host_name: (source.registration.hostname as string | null | undefined) ?? null,
          name: source.name,
          source_id: source.id,
          source_ip: source.ip ?? source.ipv6,
          target_ip: task?.migration_ip ?? null,
        });
      }
      const offset = query.offset ?? 0;
      return { count: errors.length, migration_errors: errors.slice(offset, offset + limitOf(query.limit)) };
    },

    rename(id, body) {
      return writes.run(() => {
        const source = found(id);
        const fields: Partial<SourceFields> = {};
        if (typeof body.name === 'string') fields.name = body.name;
        if ('migprojectid' in body) fields.migprojectid = body.migprojectid ?? null;
        // Disk and volume group changes take effect only while no target is configured (no task names the source).
        const adjusts = 'disks' in body || 'volume_groups' in body;
        if (adjusts && !sources.hasTask(id)) {
          const adjustments: JsonObject = isRecord(source.registration.adjustments)
            ? { ...source.registration.adjustments }
            : {};
          if ('disks' in body) adjustments.disks = body.disks ?? null;
          if ('volume_groups' in body) adjustments.volume_groups = body.volume_groups ?? null;
          fields.registration = { ...source.registration, adjustments };
        }
        sources.update(id, fields);
      });
    },

    changeState(id, body) {
      return writes.run(() => {
        const stage = sources.stage(id);
        if (stage === undefined) throw new ApiError('sourceNotFound', id);
        const state = changestateCopyState(body.copystate);
        if (state === undefined) {
          throw new ApiError('invalidParameter', `copystate must be one of: ${CHANGESTATE_COPY_STATES.join(', ')}`);
        }
        const cycle = changestateMigrationCycle(body.migrationcycle);
        if (cycle === undefined) {
          throw new ApiError(
            'invalidParameter',
            `migrationcycle must be one of: ${CHANGESTATE_MIGRATION_CYCLES.join(', ')}`,
          );
        }
        // In these states the real service leaves the source as it is and still answers 200.
        if (changestateIgnored(stage.state)) return;
        sources.setStage(id, state, cycle, clock.now());
      });
    },

    updateDiskInfo(id, body) {
      return writes.run(() => {
        const source = found(id);
        const registration: JsonObject = { ...source.registration };
        if ('disks' in body) registration.disks = body.disks ?? null;
        if ('volumegroups' in body) registration.volume_groups = body.volumegroups ?? null;
        if ('btrfs_list' in body) registration.btrfs_list = body.btrfs_list ?? null;
        // Recommended target disks a mock document set were for the old disks.
        if ('disks' in body || 'volumegroups' in body || 'btrfs_list' in body) delete registration.init_target_server;
        const state = stateAfterChecks(source.state, checksOf({ os_type: source.os_type, registration }));
        sources.update(id, {
          registration,
          ...(state === source.state ? {} : { state, state_action_time: clock.now() }),
        });
      });
    },

    delete(id) {
      return writes.run(() => deleteChecked(id));
    },

    deleteMany(ids) {
      return writes.run(() => {
        for (const id of new Set(ids)) deleteChecked(id);
      });
    },

    putDocuments(documents) {
      const now = clock.now();
      return writes.run(() => {
        for (const document of documents) sources.put(document.id, fieldsOfDocument(document, now));
      });
    },

    remove(id) {
      return writes.run(() => sources.delete(id));
    },

    find(id) {
      const source = sources.find(id);
      return source && bodyOf(source);
    },
  };
}
