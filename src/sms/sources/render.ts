// What ShowServer and ListServers show of a source server: its stored columns and registration, the environment
// checks and the recommended target disks computed from the registration, its task and that task's last report.
// Every field of the answer's model is present, null where the source has no value, at every depth. Also the shape
// of a source as seeds and PUT /_mock/sources/{id} give it.
import { Type } from '@sinclair/typebox';
import {
  asDocument,
  RegisterServerBody,
  ShowServerResponse,
  SourceServersResponseBody,
  UpdateServerNameBody,
  withNulls,
} from '../../schemas/index.js';
import { Nullable, StringEnum } from '../../schemas/types.js';
import { environmentChecks, type Registration, type ShownCheck } from './checks.js';
import { CHANGESTATE_MIGRATION_CYCLES, SOURCE_STATES } from './life-cycle.js';
import type { JsonObject, ReportedSizes, SourceRecord, TaskSummary } from './repository.js';

/** Registration fields ShowServer shows as they were reported. */
const REPORTED_FIELDS = [
  'hostname',
  'os_version',
  'oem_system',
  'firmware',
  'cpu_quantity',
  'memory',
  'disks',
  'volume_groups',
  'btrfs_list',
  'networks',
  'agent_version',
  'has_tc',
  'start_type',
] as const;

function isRecord(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function records(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The checks a source shows: those a mock document set, or those its registration passes and fails. */
export function checksOf(source: Pick<SourceRecord, 'os_type' | 'registration'>): readonly ShownCheck[] {
  const given = source.registration.checks;
  if (Array.isArray(given)) return given as ShownCheck[];
  return environmentChecks(source.os_type, source.registration as Registration);
}

/**
 * The recommended target disks: one per source disk with its name, size, role and used size, and its partitions
 * with theirs (a partition without an index gets its place on the disk); the volume groups as reported. Sizes in
 * bytes, as the source's.
 */
export function initTargetServer(registration: Registration): JsonObject {
  const given = registration.init_target_server;
  if (isRecord(given)) return given;
  return {
    disks: records(registration.disks).map((disk) => ({
      name: disk.name ?? null,
      size: disk.size ?? null,
      device_use: disk.device_use ?? null,
      used_size: disk.used_size ?? null,
      physical_volumes: records(disk.physical_volumes).map((volume, index) => ({
        name: volume.name ?? null,
        size: volume.size ?? null,
        device_use: volume.device_use ?? null,
        file_system: volume.file_system ?? null,
        mount_point: volume.mount_point ?? null,
        index: volume.index ?? index,
        uuid: volume.uuid ?? null,
        used_size: volume.used_size ?? null,
      })),
    })),
    volume_groups: Array.isArray(registration.volume_groups) ? registration.volume_groups : [],
  };
}

/** The task as TaskByServerSource(s) has it; never a clone server (a client reads it as an array, another as an object). */
function taskView(task: TaskSummary): JsonObject {
  const target = task.target_server;
  return {
    id: task.id,
    name: task.name,
    type: task.type,
    state: task.state,
    estimate_complete_time: task.estimate_complete_time,
    start_date: task.start_date,
    speed_limit: task.speed_limit,
    migrate_speed: task.migrate_speed,
    compress_rate: task.compress_rate,
    start_target_server: task.start_target_server,
    vm_template_id: task.vm_template_id,
    region_id: task.region_id,
    project_name: task.project_name,
    project_id: task.project_id,
    target_server: target === null ? null : { vm_id: target.vm_id ?? null, name: target.name ?? null },
    log_collect_status: task.log_collect_status,
    exist_server: task.exist_server,
    use_public_ip: task.use_public_ip,
    clone_server: null,
    remain_seconds: task.remain_seconds,
    subtask_info: task.subtask_info,
  };
}

/** Everything ShowServer or ListServers shows of a source (each answer's model takes its own fields). */
function sourceView(source: SourceRecord, task: TaskSummary | undefined, sizes: ReportedSizes | undefined): JsonObject {
  const { registration } = source;
  const view: JsonObject = {
    id: source.id,
    ip: source.ip,
    name: source.name,
    enterprise_project_id: source.enterprise_project_id,
    add_date: source.add_date,
    os_type: source.os_type,
    state: source.state,
    connected: source.connected,
    migration_cycle: source.migration_cycle,
    state_action_time: source.state_action_time,
    last_visit_time: source.last_visit_time,
    stage_action_time: source.stage_action_time,
    init_target_server: initTargetServer(registration),
    checks: checksOf(source),
    current_task: task === undefined ? null : taskView(task),
    replicatesize: sizes?.replicatesize ?? 0,
    totalsize: sizes?.totalsize ?? 0,
    is_consistency_result_exist: false,
  };
  for (const field of REPORTED_FIELDS) view[field] = registration[field] ?? null;
  return view;
}

/** The ShowServer body of a source. */
export function showServerBody(source: SourceRecord, task?: TaskSummary, sizes?: ReportedSizes): JsonObject {
  return withNulls(ShowServerResponse, sourceView(source, task, sizes)) as JsonObject;
}

/** A source as ListServers lists it. */
export function listedServer(source: SourceRecord, task?: TaskSummary, sizes?: ReportedSizes): JsonObject {
  return withNulls(SourceServersResponseBody, sourceView(source, task, sizes)) as JsonObject;
}

const registered = RegisterServerBody.properties;

/**
 * A source server as seeds and PUT /_mock/sources/{id} give it: the ShowServer shape with every field optional
 * (types and bounds hold; `state`, `migration_cycle` and `os_type` limited to their values), plus what a source
 * stores without showing it: its IPv6 address, migration project and the registration fields the checks read.
 * `current_task`, `replicatesize` and `totalsize` are accepted and ignored: they come from the source's task.
 */
export const SourceDocument = asDocument(
  Type.Object(
    {
      ...ShowServerResponse.properties,
      state: Type.Optional(
        Nullable(StringEnum([...SOURCE_STATES, 'premiging'], { description: 'Source server state.' })),
      ),
      migration_cycle: Type.Optional(
        Nullable(StringEnum(CHANGESTATE_MIGRATION_CYCLES, { description: 'Migration cycle phase.' })),
      ),
      os_type: Type.Optional(Nullable(StringEnum(['WINDOWS', 'LINUX'], { description: 'Operating system family.' }))),
      ipv6: registered.ipv6,
      migprojectid: UpdateServerNameBody.properties.migprojectid,
      linux_block_check: registered.linux_block_check,
      domain_id: registered.domain_id,
      has_rsync: registered.has_rsync,
      paravirtualization: registered.paravirtualization,
      raw_devices: registered.raw_devices,
      driver_files: registered.driver_files,
      system_services: registered.system_services,
      account_rights: registered.account_rights,
      boot_loader: registered.boot_loader,
      system_dir: registered.system_dir,
      kernel_version: registered.kernel_version,
      io_read_wait: registered.io_read_wait,
      platform: registered.platform,
    },
    { description: 'A source server in the ShowServer shape, every field optional.' },
  ),
);

/** A seed file's source: a SourceDocument whose id is required. */
export const SeedSource = Type.Unsafe<Record<string, unknown> & { id: string }>({
  ...SourceDocument,
  required: ['id'],
});
