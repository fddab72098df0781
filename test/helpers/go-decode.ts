// A strict JSON decoder with Go's encoding/json rules, and the golangsdk structs the Terraform provider decodes SMS
// answers into (chnsz/golangsdk openstack/sms/v3/{tasks,sources}/results.go as vendored by
// terraform-provider-huaweicloud). It reads the raw text, so a Go int field refuses `1.0`, `1e3` and `"1"` as Go
// does, a string field refuses a number, a struct field refuses an array; null leaves a field at its zero value and
// unknown keys are ignored. Values come back as Go would hold them: absent fields at their zero value, int64 beyond
// 2^53 as bigint.

export type GoScalar = 'string' | 'bool' | 'int' | 'int64' | 'float32' | 'float64' | 'any';

export interface GoStruct {
  /** The Go type name as error messages print it, e.g. tasks.MigrateTask. */
  readonly struct: string;
  /** JSON key → type, as the struct's json tags give them. */
  readonly fields: Readonly<Record<string, GoType>>;
}

export type GoType = GoScalar | GoStruct | { readonly slice: GoType } | { readonly map: GoType };

/** Every type error the decode met (Go reports the first and goes on; this keeps them all), or a syntax error. */
export class GoDecodeError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(errors.join('\n'));
    this.name = 'GoDecodeError';
  }
}

// ---- the raw tree: numbers keep their literal text

type Node =
  | { kind: 'object'; entries: [string, Node][] }
  | { kind: 'array'; items: Node[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; raw: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// Control characters inside are left for JSON.parse to refuse.
const STRING = /"(?:[^"\\]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;

function parse(text: string): Node {
  let at = 0;
  const fail = (what: string): never => {
    throw new GoDecodeError([`invalid JSON at offset ${at}: ${what}`]);
  };
  const skip = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const unquote = (literal: string): string => {
    try {
      return JSON.parse(literal) as string;
    } catch {
      return fail('a control character in a string');
    }
  };
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    const found = pattern.exec(text)?.[0];
    if (found !== undefined) at += found.length;
    return found;
  };
  const value = (depth: number): Node => {
    if (depth > 10_000) fail('nested too deep');
    skip();
    const c = text[at];
    if (c === '{') {
      at++;
      const entries: [string, Node][] = [];
      skip();
      if (text[at] === '}') {
        at++;
        return { kind: 'object', entries };
      }
      for (;;) {
        skip();
        const key = match(STRING) ?? fail('expected a string key');
        skip();
        if (text[at++] !== ':') fail("expected ':'");
        entries.push([unquote(key), value(depth + 1)]);
        skip();
        const next = text[at++];
        if (next === '}') return { kind: 'object', entries };
        if (next !== ',') fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at++;
      const items: Node[] = [];
      skip();
      if (text[at] === ']') {
        at++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        const next = text[at++];
        if (next === ']') return { kind: 'array', items };
        if (next !== ',') fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: 'string', value: unquote(match(STRING) ?? fail('bad string')) };
    if (text.startsWith('true', at)) {
      at += 4;
      return { kind: 'bool', value: true };
    }
    if (text.startsWith('false', at)) {
      at += 5;
      return { kind: 'bool', value: false };
    }
    if (text.startsWith('null', at)) {
      at += 4;
      return { kind: 'null' };
    }
    const raw = match(NUMBER);
    if (raw !== undefined) return { kind: 'number', raw };
    return fail(`unexpected ${c === undefined ? 'end of input' : `'${c}'`}`);
  };
  const root = value(0);
  skip();
  if (at !== text.length) fail('data after the top-level value');
  return root;
}

// ---- decoding into Go types

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FLOAT32_MAX = 3.4028234663852886e38;
const INTEGER = /^-?(?:0|[1-9]\d*)$/;

function typeName(type: GoType): string {
  if (typeof type === 'string') return type === 'any' ? 'interface {}' : type;
  if ('struct' in type) return type.struct;
  if ('slice' in type) return `[]${typeName(type.slice)}`;
  return `map[string]${typeName(type.map)}`;
}

/** Go's zero value of a type: what a field holds when its key is absent or null. */
export function zero(type: GoType): unknown {
  if (typeof type !== 'string') {
    if ('struct' in type) return Object.fromEntries(Object.entries(type.fields).map(([k, t]) => [k, zero(t)]));
    return null;
  }
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'any':
      return null;
    default:
      return 0;
  }
}

/** interface{}: numbers become float64, as Go decodes them. */
function generic(node: Node): unknown {
  switch (node.kind) {
    case 'object':
      return Object.fromEntries(node.entries.map(([k, v]) => [k, generic(v)]));
    case 'array':
      return node.items.map(generic);
    case 'number':
      return Number(node.raw);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

interface Context {
  /** The outermost struct's name, which Go's messages start the field path with. */
  readonly root: string | undefined;
  readonly errors: string[];
}

function decodeNode(node: Node, type: GoType, path: readonly string[], context: Context): unknown {
  const where = () =>
    context.root !== undefined && path.length > 0 ? `Go struct field ${context.root}.${path.join('.')}` : `Go value`;
  const refuse = (literal?: string) => {
    const what = node.kind === 'bool' ? 'bool' : node.kind;
    context.errors.push(
      `json: cannot unmarshal ${what}${literal ? ` ${literal}` : ''} into ${where()} of type ${typeName(type)}`,
    );
    return zero(type);
  };
  if (node.kind === 'null') return zero(type);
  if (type === 'any') return generic(node);
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        return node.kind === 'string' ? node.value : refuse();
      case 'bool':
        return node.kind === 'bool' ? node.value : refuse();
      case 'int':
      case 'int64': {
        if (node.kind !== 'number') return refuse();
        if (!INTEGER.test(node.raw)) return refuse(node.raw);
        const big = BigInt(node.raw);
        if (big < INT64_MIN || big > INT64_MAX) return refuse(node.raw);
        return Number.isSafeInteger(Number(big)) ? Number(big) : big;
      }
      case 'float32':
      case 'float64': {
        if (node.kind !== 'number') return refuse();
        const n = Number(node.raw);
        if (!Number.isFinite(n) || (type === 'float32' && Math.abs(n) > FLOAT32_MAX)) return refuse(node.raw);
        return n;
      }
    }
  }
  if ('slice' in type) {
    if (node.kind !== 'array') return refuse();
    return node.items.map((item) => decodeNode(item, type.slice, path, context));
  }
  if ('map' in type) {
    if (node.kind !== 'object') return refuse();
    return Object.fromEntries(node.entries.map(([k, v]) => [k, decodeNode(v, type.map, [...path, k], context)]));
  }
  if (node.kind !== 'object') return refuse();
  const out = zero(type) as Record<string, unknown>;
  const names = Object.keys(type.fields);
  // Go names the outermost struct without its package: MigrateTask.sub_tasks.progress.
  const root = type.struct.slice(type.struct.lastIndexOf('.') + 1);
  const inner: Context = context.root === undefined ? { root, errors: context.errors } : context;
  for (const [key, value] of node.entries) {
    // An exact key first, else Go's case-insensitive match.
    const field = key in type.fields ? key : names.find((name) => name.toLowerCase() === key.toLowerCase());
    if (field === undefined) continue;
    out[field] = decodeNode(value, type.fields[field] as GoType, [...path, field], inner);
  }
  return out;
}

/** Decodes `text` into `type` as Go's json.Unmarshal would, throwing every type error met. */
export function goDecode<T = Record<string, unknown>>(text: string, type: GoType): T {
  const context: Context = { root: undefined, errors: [] };
  const value = decodeNode(parse(text), type, [], context);
  if (context.errors.length > 0) throw new GoDecodeError(context.errors);
  return value as T;
}

/** The body as Go's interface{} holds it (FlattenResponse, PathSearch): numbers as float64. */
export function goGeneric(text: string): unknown {
  return generic(parse(text));
}

/** The names of the top-level keys whose values are arrays (golangsdk's pager concatenates every one). */
export function topLevelArrays(text: string): string[] {
  const root = parse(text);
  return root.kind === 'object' ? root.entries.filter(([, v]) => v.kind === 'array').map(([k]) => k) : [];
}

// ---- golangsdk openstack/sms/v3/tasks (results.go)

const slice = (type: GoType) => ({ slice: type });
const struct = (name: string, fields: Record<string, GoType>): GoStruct => ({ struct: name, fields });

const LogicalVolumes = struct('tasks.LogicalVolumes', {
  block_count: 'int',
  block_size: 'int',
  file_system: 'string',
  inode_size: 'int',
  mount_point: 'string',
  name: 'string',
  size: 'int64',
  used_size: 'int64',
  free_size: 'int64',
});

const VolumeGroups = struct('tasks.VolumeGroups', {
  components: 'string',
  free_size: 'int64',
  logical_volumes: slice(LogicalVolumes),
  name: 'string',
  size: 'int64',
});

const BtrfsFileSystem = struct('tasks.BtrfsFileSystem', {
  name: 'string',
  label: 'string',
  uuid: 'string',
  device: 'string',
  size: 'int64',
  nodesize: 'int',
  sectorsize: 'int',
  data_profile: 'string',
  system_profile: 'string',
  metadata_profile: 'string',
  global_reserve1: 'string',
  g_vol_used_size: 'int64',
  default_subvolid: 'string',
  default_subvol_name: 'string',
  default_subvol_mountpath: 'string',
  subvolumn: slice(
    struct('tasks.BtrfsSubvolumn', {
      uuid: 'string',
      is_snapshot: 'string',
      subvol_id: 'string',
      parent_id: 'string',
      subvol_name: 'string',
      subvol_mount_path: 'string',
    }),
  ),
});

const TaskSourceServer = struct('tasks.SourceServer', {
  id: 'string',
  ip: 'string',
  name: 'string',
  hostname: 'string',
  os_type: 'string',
  os_version: 'string',
  firmware: 'string',
  cpu_quantity: 'int',
  memory: 'int',
  disks: slice(
    struct('tasks.ServerDisk', {
      name: 'string',
      partition_style: 'string',
      device_use: 'string',
      size: 'int64',
      used_size: 'int64',
      physical_volumes: slice(
        struct('tasks.PhysicalVolume', {
          device_use: 'string',
          file_system: 'string',
          index: 'int',
          mount_point: 'string',
          name: 'string',
          size: 'int64',
          used_size: 'int64',
          uuid: 'string',
          size_per_cluster: 'int',
        }),
      ),
      os_disk: 'bool',
      relation_name: 'string',
    }),
  ),
  btrfs_list: slice(BtrfsFileSystem),
  networks: slice(
    struct('tasks.NetWork', {
      name: 'string',
      ip: 'string',
      netmask: 'string',
      gateway: 'string',
      mtu: 'int',
      mac: 'string',
      id: 'string',
    }),
  ),
  domain_id: 'string',
  has_rsync: 'bool',
  paravirtualization: 'bool',
  raw_devices: 'string',
  driver_files: 'bool',
  system_services: 'bool',
  account_rights: 'bool',
  boot_loader: 'string',
  system_dir: 'string',
  volume_groups: slice(VolumeGroups),
  agent_version: 'string',
});

const TaskTargetServer = struct('tasks.TaskTargetServer', {
  id: 'string',
  vm_id: 'string',
  name: 'string',
  ip: 'string',
  os_type: 'string',
  os_version: 'string',
  system_dir: 'string',
  disks: slice(
    struct('tasks.TargetDisk', {
      device_use: 'string',
      disk_id: 'string',
      name: 'string',
      physical_volumes: slice(
        struct('tasks.TargetPhysicalVolumes', {
          device_use: 'string',
          file_system: 'string',
          index: 'int',
          mount_point: 'string',
          name: 'string',
          size: 'int64',
          used_size: 'int64',
          uuid: 'string',
        }),
      ),
      size: 'int64',
      used_size: 'int64',
    }),
  ),
  volume_groups: slice(VolumeGroups),
  btrfs_list: slice('string'),
  image_disk_id: 'string',
  cutovered_snapshot_ids: 'string',
});

const TaskCloneServer = struct('tasks.CloneServer', {
  vm_id: 'string',
  name: 'string',
  clone_error: 'string',
  clone_state: 'string',
  error_msg: 'string',
});

/** What the provider's wait for RUNNING decodes GET /v3/tasks/{id} into (tasks.Get). */
export const MigrateTask = struct('tasks.MigrateTask', {
  name: 'string',
  type: 'string',
  os_type: 'string',
  id: 'string',
  priority: 'int',
  start_target_server: 'bool',
  enterprise_project_id: 'string',
  migration_ip: 'string',
  region_name: 'string',
  region_id: 'string',
  project_name: 'string',
  project_id: 'string',
  vm_template_id: 'string',
  source_server: TaskSourceServer,
  target_server: TaskTargetServer,
  state: 'string',
  connected: 'bool',
  migrate_speed: 'float32',
  compress_rate: 'float32',
  error_json: 'string',
  create_date: 'int',
  start_date: 'int',
  finish_date: 'int',
  estimate_complete_time: 'int',
  remain_seconds: 'int',
  total_time: 'int',
  target_snapshot_id: 'string',
  clone_server: TaskCloneServer,
  sub_tasks: slice(
    struct('tasks.SubTask', {
      name: 'string',
      progress: 'int',
      start_date: 'int',
      end_date: 'int',
      migrate_speed: 'float32',
      user_op: 'string',
      process_trace: 'string',
    }),
  ),
});

/** tasks.CreateResp: what POST /v3/tasks answers; the provider needs a non-empty id. */
export const CreateResp = struct('tasks.CreateResp', { id: 'string' });

// ---- golangsdk openstack/sms/v3/sources (results.go)

const SourcePhysicalVolumes = struct('sources.PhysicalVolumes', {
  device_use: 'string',
  file_system: 'string',
  index: 'int',
  mount_point: 'string',
  name: 'string',
  size: 'int64',
  used_size: 'int64',
  uuid: 'string',
});

/** An item of GET /v3/sources as the sms_source_servers data source decodes it (sources.SourceServer). */
export const SourceServer = struct('sources.SourceServer', {
  id: 'string',
  ip: 'string',
  name: 'string',
  state: 'string',
  connected: 'bool',
  add_date: 'int64',
  agent_version: 'string',
  os_type: 'string',
  os_version: 'string',
  oem_system: 'bool',
  enterprise_project_id: 'string',
  cpu_quantity: 'int',
  memory: 'int64',
  current_task: struct('sources.Task', {
    id: 'string',
    name: 'string',
    type: 'string',
    state: 'string',
    estimate_complete_time: 'int64',
    start_date: 'int64',
    speed_limit: 'float32',
    migrate_speed: 'float32',
    compress_rate: 'float32',
    start_target_server: 'bool',
    vm_template_id: 'string',
    region_id: 'string',
    project_name: 'string',
    project_id: 'string',
    target_server: struct('sources.TargetServer', { vm_id: 'string', name: 'string' }),
    clone_server: struct('sources.CloneServer', {
      vm_id: 'string',
      name: 'string',
      clone_error: 'string',
      clone_state: 'string',
      error_msg: 'string',
    }),
    log_collect_status: 'string',
    exist_server: 'bool',
    use_public_ip: 'bool',
    remain_seconds: 'int64',
  }),
  checks: slice(
    struct('sources.Check', {
      id: 'int',
      params: slice('string'),
      name: 'string',
      result: 'string',
      error_code: 'string',
      error_params: 'string',
    }),
  ),
  init_target_server: struct('sources.InitTargetServer', {
    disks: slice(
      struct('sources.ServerDisk', {
        name: 'string',
        size: 'int64',
        device_use: 'string',
        physical_volumes: slice(SourcePhysicalVolumes),
      }),
    ),
  }),
  migration_cycle: 'string',
  replicatesize: 'int64',
  totalsize: 'int64',
  stage_action_time: 'int64',
  last_visit_time: 'int64',
  state_action_time: 'int64',
});

/** One page of GET /v3/sources (sources.ExtractSourceServers). */
export const SourceServerPage = struct('sources.SourceServerPage', { source_servers: slice(SourceServer) });

/**
 * What the sms_source_server resource's Read asserts on GET /v3/sources/{id} beyond the struct: `current_task` an
 * object or null (an array breaks the struct above), and its `clone_server` null or absent (the resource type-asserts
 * a non-null clone_server to an array, the struct wants an object: only null satisfies both). Empty when it holds.
 */
export function sourceServerReadProblems(text: string): string[] {
  const body = goGeneric(text) as Record<string, unknown>;
  const task = body.current_task;
  if (task === undefined || task === null) return [];
  if (typeof task !== 'object' || Array.isArray(task)) return [`current_task is ${JSON.stringify(task)}`];
  const clone = (task as Record<string, unknown>).clone_server;
  return clone === undefined || clone === null ? [] : [`current_task.clone_server is ${JSON.stringify(clone)}`];
}

// ---- what the provider reads through generic maps, typed as its schema and flatteners use the values

/** GET /v3/tasks as the sms_tasks data source pages it (gjson values set into TypeInt/TypeFloat/TypeBool). */
export const TaskListPage = struct('sms.TaskListPage', {
  count: 'int',
  tasks: slice(
    struct('sms.Task', {
      id: 'string',
      name: 'string',
      type: 'string',
      os_type: 'string',
      state: 'string',
      estimate_complete_time: 'int64',
      create_date: 'int64',
      priority: 'int',
      speed_limit: 'int',
      migrate_speed: 'float64',
      compress_rate: 'float64',
      start_target_server: 'bool',
      error_json: 'string',
      total_time: 'int64',
      migration_ip: 'string',
      sub_tasks: slice(
        struct('sms.SubTask', {
          id: 'int64',
          name: 'string',
          progress: 'int',
          start_date: 'int64',
          end_date: 'int64',
          process_trace: 'string',
        }),
      ),
      source_server: struct('sms.SourceServer', {
        id: 'string',
        ip: 'string',
        name: 'string',
        os_type: 'string',
        os_version: 'string',
        oem_system: 'bool',
        state: 'string',
      }),
      enterprise_project_id: 'string',
      target_server: struct('sms.TargetServer', {
        id: 'string',
        vm_id: 'string',
        name: 'string',
        ip: 'string',
        os_type: 'string',
        os_version: 'string',
      }),
      log_collect_status: 'string',
      clone_server: struct('sms.CloneServer', { vm_id: 'string', name: 'string' }),
      syncing: 'bool',
      network_check_info: struct('sms.NetworkCheckInfo', {
        domain_connectivity: 'bool',
        destination_connectivity: 'bool',
        network_delay: 'float64',
        network_jitter: 'float64',
        migration_speed: 'float64',
        loss_percentage: 'float64',
        cpu_usage: 'float64',
        mem_usage: 'float64',
        evaluation_result: 'string',
      }),
      special_config: slice(
        struct('sms.SpecialConfig', { config_key: 'string', config_value: 'string', config_status: 'string' }),
      ),
      total_cpu_usage: 'float64',
      agent_cpu_usage: 'float64',
      total_mem_usage: 'float64',
      agent_mem_usage: 'float64',
      total_disk_io: 'float64',
      agent_disk_io: 'float64',
      need_migration_test: 'bool',
    }),
  ),
});

/** The sms_task resource's Read of GET /v3/tasks/{id} (generic map): the fields it sets, as their schema types. */
export const TaskRead = struct('sms.TaskRead', {
  region_name: 'string',
  project_id: 'string',
  type: 'string',
  os_type: 'string',
  vm_template_id: 'string',
  source_server: struct('sms.TaskReadSource', { id: 'string' }),
  target_server: struct('sms.TaskReadTarget', {
    vm_id: 'string',
    name: 'string',
    disks: slice(
      struct('sms.TaskReadDisk', {
        device_use: 'string',
        name: 'string',
        size: 'float64',
        used_size: 'float64',
        disk_id: 'string',
        physical_volumes: slice(
          struct('sms.TaskReadVolume', {
            device_use: 'string',
            name: 'string',
            size: 'float64',
            used_size: 'float64',
            file_system: 'string',
            mount_point: 'string',
            index: 'int',
            uuid: 'string',
          }),
        ),
      }),
    ),
  }),
  start_target_server: 'bool',
  migration_ip: 'string',
  state: 'string',
  enterprise_project_id: 'string',
  migrate_speed: 'float64',
  speed_limit: 'int',
  use_public_ip: 'bool',
  syncing: 'bool',
  use_ipv6: 'bool',
  need_migration_test: 'bool',
});

/** GET /v3/tasks/{id}/speed-limit as the Read flattens it. */
export const SpeedLimits = struct('sms.SpeedLimits', {
  speed_limit: slice(
    struct('sms.SpeedLimit', { start: 'string', end: 'string', speed: 'int', over_speed_threshold: 'float64' }),
  ),
});

/** GET /v3/tasks/{id}/configuration-setting as the Read flattens it. */
export const ConfigurationSetting = struct('sms.ConfigurationSetting', {
  migrate_type: 'string',
  configurations: slice(
    struct('sms.Configuration', { config_key: 'string', config_value: 'string', config_status: 'string' }),
  ),
});

/** GET /v3/tasks/{id}/passphrase as the Read sets it. */
export const Passphrase = struct('sms.Passphrase', { passphrase: 'string' });

/** An error answer: golangsdk keeps the body as text; the vendor's shape has both fields as strings. */
export const ErrorBody = struct('sms.Error', { error_code: 'string', error_msg: 'string' });

/** Answers whose body the provider ignores (action, speed-limit, configuration-setting, delete): any JSON. */
export const Ignored: GoType = 'any';
