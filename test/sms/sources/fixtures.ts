// What the source server tests send and read: registration bodies of our own that pass every check, the checks they
// show, a registration done through the API, and a source's stored row.
import type { Db } from '../../../src/db/database.js';
import { parseJson, stringifyJson } from '../../../src/lib/json.js';
import { type Body, linuxRegistration } from '../../helpers/registrations.js';
import { api, type TestApp } from '../../helpers.js';

export { type Body, linuxRegistration };

/** A Windows agent's registration that passes every check. */
export function windowsRegistration(changes: Body = {}): Body {
  return {
    ip: '10.0.0.20',
    name: 'win-01',
    hostname: 'WIN-01',
    os_type: 'WINDOWS',
    os_version: 'WINDOWS2016_64BIT',
    firmware: 'UEFI',
    cpu_quantity: 4,
    memory: 17171075072,
    agent_version: '25.2.0',
    system_dir: 'C:\\Windows\\System32',
    oem_system: false,
    driver_files: false,
    system_services: false,
    account_rights: true,
    disks: [
      {
        name: 'Disk 0',
        partition_style: 'GPT',
        device_use: 'BOOT',
        size: 85897247744,
        used_size: 20000000000,
        physical_volumes: [
          { name: 'C:\\', device_use: 'OS', file_system: 'NTFS', size: 85792390656, used_size: 20000000000 },
        ],
      },
    ],
    networks: [{ name: 'Ethernet0', ip: '10.0.0.20', mac: '00:50:56:00:00:20' }],
    ...changes,
  };
}

export const LINUX_CHECKS = [
  'OS_VERSION',
  'CPU',
  'MEMORY',
  'PARAVIRTUALIZATION',
  'FIRMWARE',
  'BOOT_LOADER',
  'RSYNC',
  'RAW_DEVICES',
  'DISK_INFO',
  'PARTITION_STYLE',
  'FILE_SYSTEM',
];

export const WINDOWS_CHECKS = [
  'OS_VERSION',
  'FIRMWARE',
  'CPU',
  'MEMORY',
  'SYSTEM_ROOT',
  'PARTITION_STYLE',
  'FILE_SYSTEM',
  'FREE_SPACE',
  'OEM_SYSTEM',
  'DRIVER_FILE',
  'SERVICE',
  'ACCOUNT_RIGHTS',
];

/** A finding of a check, as `checks[]` shows it. */
export interface Finding {
  result: 'WARN' | 'ERROR';
  error_code: string;
  error_or_warn: string;
  error_params: string;
}

/** The checks of an OS as ShowServer shows them: OK but for the findings given by check name. */
export function checksOf(names: readonly string[], findings: Record<string, Finding> = {}): Body[] {
  return names.map((name, index) => ({
    id: index + 1,
    params: [],
    name,
    result: 'OK',
    error_code: null,
    error_or_warn: null,
    error_params: '',
    ...findings[name],
  }));
}

/** Registers through the API and answers the id (fails the test on anything but 200); int64 values may be bigint. */
export async function register(t: TestApp, body: Body): Promise<string> {
  const response = await api(t.app, {
    method: 'POST',
    url: '/v3/sources',
    payload: stringifyJson(body),
    headers: { 'content-type': 'application/json' },
  });
  if (response.statusCode !== 200) throw new Error(`RegisterServer answered ${response.statusCode}: ${response.body}`);
  return (response.json() as { id: string }).id;
}

/** A source's stored row, integers exact, the registration parsed (undefined when there is none). */
export function sourceRow(db: Db, id: string): Body | undefined {
  const row = db.prepare('SELECT * FROM sources WHERE id = ?').safeIntegers(true).get(id) as Body | undefined;
  if (row === undefined) return undefined;
  return { ...row, registration: parseJson(row.registration as string) };
}

/** A task in the ShowTask shape that migrates the source `sourceId`. */
export function taskFor(sourceId: string, id = `task-of-${sourceId}`, changes: Body = {}): Body & { id: string } {
  return {
    id,
    name: 'MigrationTask',
    type: 'MIGRATE_BLOCK',
    os_type: 'LINUX',
    state: 'READY',
    create_date: 1700000000000,
    source_server: { id: sourceId, name: 'web-01' },
    ...changes,
  };
}

/** Every source row, by id: compared before and after a request that must change nothing. */
export function sourceRows(db: Db): unknown[] {
  return db.prepare('SELECT * FROM sources ORDER BY id').safeIntegers(true).all();
}
