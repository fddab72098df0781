// What the task life-cycle tests share: registered source servers (rows of the sources table, as RegisterServer
// leaves them), CreateTask bodies, the stored state of a task and its source, and a strict reading of integer fields.
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import type { Db } from '../../../src/db/database.js';

export interface SourceRow {
  id: string;
  name?: string;
  ip?: string | null;
  ipv6?: string | null;
  os_type?: string | null;
  os_version?: string | null;
  oem_system?: boolean;
  state?: string;
  migration_cycle?: string | null;
  connected?: boolean;
  enterprise_project_id?: string | null;
}

/** Puts a registered source server in the sources table, checks passed: waiting, in the check stage. */
export function registerSource(db: Db, row: SourceRow): void {
  db.prepare(
    `INSERT INTO sources (id, name, ip, ipv6, first_mac, os_type, state, migration_cycle, connected,
       enterprise_project_id, add_date, registration)
     VALUES (@id, @name, @ip, @ipv6, @first_mac, @os_type, @state, @migration_cycle, @connected,
       @enterprise_project_id, @add_date, @registration)`,
  ).run({
    id: row.id,
    name: row.name ?? `host-${row.id}`,
    ip: row.ip === undefined ? '192.168.0.10' : row.ip,
    ipv6: row.ipv6 ?? null,
    first_mac: 'fa:16:3e:00:00:01',
    os_type: row.os_type === undefined ? 'LINUX' : row.os_type,
    state: row.state ?? 'waiting',
    migration_cycle: row.migration_cycle === undefined ? 'checking' : row.migration_cycle,
    connected: row.connected === false ? 0 : 1,
    enterprise_project_id: row.enterprise_project_id ?? null,
    add_date: 1700000000000,
    registration: JSON.stringify({
      os_version: row.os_version === undefined ? 'CENTOS_7_9_64BIT' : row.os_version,
      oem_system: row.oem_system ?? false,
      agent_version: '25.2.0',
    }),
  });
}

export interface StoredSource {
  state: string;
  migration_cycle: string | null;
  state_action_time: number | null;
}

/** A source server's state, cycle and state action time as stored. */
export function storedSource(db: Db, id: string): StoredSource | undefined {
  return db.prepare('SELECT state, migration_cycle, state_action_time FROM sources WHERE id = ?').get(id) as
    | StoredSource
    | undefined;
}

/** The body the Terraform provider sends for its acceptance test's task (template target, no name or vm_id). */
export function terraformBody(sourceId: string): Record<string, unknown> {
  return {
    name: 'MigrationTask',
    priority: 1,
    type: 'MIGRATE_FILE',
    os_type: 'LINUX',
    region_name: 'cn-north-4',
    region_id: 'cn-north-4',
    project_name: 'cn-north-4',
    project_id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    source_server: { id: sourceId },
    target_server: {
      disks: [
        {
          name: '/dev/vda',
          size: 42949672960,
          device_use: 'BOOT',
          physical_volumes: [
            {
              name: '/dev/vda1',
              size: 42948606976,
              device_use: 'OS',
              file_system: 'ext4',
              mount_point: '/',
              index: 0,
              used_size: 2853855232,
            },
          ],
        },
      ],
    },
    vm_template_id: 'template-1',
    use_public_ip: true,
    start_target_server: true,
    syncing: false,
    exist_server: false,
    auto_start: true,
    use_ipv6: true,
    start_network_check: true,
    speed_limit: 10,
    over_speed_threshold: 50.0,
    is_need_consistency_check: true,
    need_migration_test: true,
  };
}

/** A small CreateTask body: what a request must hold, and what a test adds. */
export function createBody(sourceId: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'web-01',
    type: 'MIGRATE_FILE',
    os_type: 'LINUX',
    region_name: 'region-a',
    region_id: 'region-a',
    project_name: 'proj',
    project_id: 'p-1',
    source_server: { id: sourceId },
    target_server: { vm_id: 'vm-1', name: 'web-01-target', disks: [] },
    ...changes,
  };
}

type SchemaNode = {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
};

/** The value with every property the schema declares, null where it has none, at every depth (as answers are). */
export function filled(of: object, value: unknown): unknown {
  const schema = of as SchemaNode;
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => (schema.items ? filled(schema.items, item) : item));
  if (schema.properties === undefined || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(schema.properties).map(([name, child]) => [name, filled(child, record[name])]),
  );
}

/**
 * Every integer field of `schema` in the answer's text that is not a plain integer literal (`1.0`, `1e3`, `"1"`), by
 * path: what a strict decoder (golangsdk's Go structs) refuses. Empty when the answer decodes.
 */
export function looseIntegers(text: string, schema: object): string[] {
  const found: string[] = [];
  const walk = (node: SchemaNode, value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (node.type === 'integer') {
      if (!isLosslessNumber(value)) found.push(`${path}: ${JSON.stringify(value)}`);
      else if (!/^-?\d+$/.test(value.value)) found.push(`${path}: ${value.value}`);
      return;
    }
    if (node.type === 'array' && Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(node.items ?? {}, item, `${path}[${index}]`);
      return;
    }
    if (node.properties !== undefined && typeof value === 'object' && !isLosslessNumber(value)) {
      for (const [name, child] of Object.entries(node.properties)) {
        walk(child, (value as Record<string, unknown>)[name], path === '' ? name : `${path}.${name}`);
      }
    }
  };
  walk(schema as SchemaNode, parseLossless(text), '');
  return found;
}
