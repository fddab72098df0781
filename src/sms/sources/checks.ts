// The environment checks a source server shows (`checks[]`): which checks each OS runs, in the order ShowServer lists
// them (DOCv1 ShowServer examples), and what each reads from the registration. Pure: ShowServer, ListServers and the
// state a registration leaves are all computed from what is stored, so the checks always match it.

export type CheckResult = 'OK' | 'WARN' | 'ERROR';

/** One item of `checks[]`, in the SDK's EnvironmentCheck shape. */
export interface EnvironmentCheck {
  /** The check's place in its OS's list, from 1. */
  readonly id: number;
  readonly params: string[];
  readonly name: string;
  readonly result: CheckResult;
  /** null when the check passed. */
  readonly error_code: string | null;
  /** What is wrong, null when the check passed. */
  readonly error_or_warn: string | null;
  /** The registration fields the finding is about, comma separated; empty when the check passed. */
  readonly error_params: string;
}

/** What a registration reports, as stored: the RegisterServer body's fields. */
export type Registration = Readonly<Record<string, unknown>>;

interface Finding {
  readonly result: Exclude<CheckResult, 'OK'>;
  readonly fields: string;
  readonly message: string;
}

type Judge = (registration: Registration) => Finding | undefined;

interface CheckRule {
  /** The error code a finding carries: SMS.6504 for OS_VERSION (3P field report), the others chosen. */
  readonly code: string;
  readonly judge: Judge;
}

const error = (fields: string, message: string): Finding => ({ result: 'ERROR', fields, message });
const warn = (fields: string, message: string): Finding => ({ result: 'WARN', fields, message });

const absent = (value: unknown): boolean => value === undefined || value === null;
const notReported = (field: string): Finding => error(field, `${field} is not reported`);

/** A boolean field that must be reported and passes at `passing`. */
function flag(field: string, passing: boolean, failure: string): Judge {
  return (registration) => {
    const value = registration[field];
    if (typeof value !== 'boolean') return notReported(field);
    return value === passing ? undefined : error(field, failure);
  };
}

const passes: Judge = () => undefined;

const osVersion: Judge = (registration) => {
  const value = registration.os_version;
  return typeof value === 'string' && value !== '' ? undefined : notReported('os_version');
};

const firmware: Judge = (registration) =>
  absent(registration.firmware) ? warn('firmware', 'firmware is not reported') : undefined;

const cpu: Judge = (registration) => {
  const value = registration.cpu_quantity;
  return typeof value === 'number' && value >= 1 ? undefined : warn('cpu_quantity', 'cpu_quantity is not reported');
};

const memory: Judge = (registration) => {
  const value = registration.memory;
  const reported = (typeof value === 'number' || typeof value === 'bigint') && value > 0;
  return reported ? undefined : warn('memory', 'memory is not reported');
};

const systemRoot: Judge = (registration) => {
  const value = registration.system_dir;
  return typeof value === 'string' && value !== '' ? undefined : notReported('system_dir');
};

function disksOf(registration: Registration): readonly unknown[] {
  return Array.isArray(registration.disks) ? registration.disks : [];
}

/** Every disk needs a partition style: any text (EVS names them, MBR and GPT the usual), never empty. */
const partitionStyle: Judge = (registration) => {
  const missing = disksOf(registration)
    .map((disk, index) => ({ disk: disk as Record<string, unknown> | null, index }))
    .filter(({ disk }) => typeof disk?.partition_style !== 'string' || disk.partition_style === '')
    .map(({ index }) => `disks[${index}].partition_style`);
  return missing.length === 0 ? undefined : error(missing.join(','), `${missing.join(', ')} not reported`);
};

const oemSystem: Judge = (registration) =>
  registration.oem_system === true ? warn('oem_system', 'the OS is an OEM edition') : undefined;

const paravirtualization: Judge = (registration) =>
  typeof registration.paravirtualization === 'boolean' ? undefined : notReported('paravirtualization');

const bootLoader: Judge = (registration) => {
  const value = registration.boot_loader;
  if (absent(value)) return notReported('boot_loader');
  return value === 'GRUB' ? undefined : error('boot_loader', 'only GRUB is supported as the boot loader');
};

const rsync: Judge = (registration) => {
  const value = registration.has_rsync;
  if (typeof value !== 'boolean') return notReported('has_rsync');
  return value ? undefined : warn('has_rsync', 'rsync is not installed: file-level migration needs it');
};

const rawDevices: Judge = (registration) => {
  const value = registration.raw_devices;
  if (typeof value !== 'string') return notReported('raw_devices');
  return value === '' ? undefined : warn('raw_devices', 'raw devices are not migrated');
};

/** Disks must be reported, and the volume groups and Btrfs lists too ([] when there are none). */
const diskInfo: Judge = (registration) => {
  const missing: string[] = [];
  if (disksOf(registration).length === 0) missing.push('disks');
  if (!Array.isArray(registration.volume_groups)) missing.push('volume_groups');
  if (!Array.isArray(registration.btrfs_list)) missing.push('btrfs_list');
  return missing.length === 0 ? undefined : error(missing.join(','), `${missing.join(', ')} not reported`);
};

const RULES = {
  OS_VERSION: { code: 'SMS.6504', judge: osVersion },
  FIRMWARE: { code: 'SMS.6505', judge: firmware },
  CPU: { code: 'SMS.6506', judge: cpu },
  MEMORY: { code: 'SMS.6507', judge: memory },
  SYSTEM_ROOT: { code: 'SMS.6508', judge: systemRoot },
  PARTITION_STYLE: { code: 'SMS.6509', judge: partitionStyle },
  FILE_SYSTEM: { code: 'SMS.6510', judge: passes },
  FREE_SPACE: { code: 'SMS.6511', judge: passes },
  OEM_SYSTEM: { code: 'SMS.6512', judge: oemSystem },
  // The SDK's texts: driver_files "whether driver files are missing", system_services "whether abnormal services
  // exist", account_rights "whether the rights suffice".
  DRIVER_FILE: { code: 'SMS.6513', judge: flag('driver_files', false, 'driver files are missing') },
  SERVICE: { code: 'SMS.6514', judge: flag('system_services', false, 'some system services are abnormal') },
  ACCOUNT_RIGHTS: { code: 'SMS.6515', judge: flag('account_rights', true, 'the account rights do not suffice') },
  PARAVIRTUALIZATION: { code: 'SMS.6516', judge: paravirtualization },
  BOOT_LOADER: { code: 'SMS.6517', judge: bootLoader },
  RSYNC: { code: 'SMS.6518', judge: rsync },
  RAW_DEVICES: { code: 'SMS.6519', judge: rawDevices },
  DISK_INFO: { code: 'SMS.6520', judge: diskInfo },
} as const satisfies Record<string, CheckRule>;

export type CheckName = keyof typeof RULES;

/** The checks of each OS, in the order ShowServer lists them (DOCv1 ShowServer examples). */
export const CHECKS_BY_OS: Readonly<Record<'WINDOWS' | 'LINUX', readonly CheckName[]>> = {
  WINDOWS: [
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
  ],
  LINUX: [
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
  ],
};

/** The error code a check's finding carries. */
export function checkCode(name: CheckName): string {
  return RULES[name].code;
}

/** The checks of a registration of `osType` (none for an OS the mock does not know). */
export function environmentChecks(osType: string | null | undefined, registration: Registration): EnvironmentCheck[] {
  const names = osType === 'WINDOWS' || osType === 'LINUX' ? CHECKS_BY_OS[osType] : [];
  return names.map((name, index) => {
    const finding = RULES[name].judge(registration);
    return {
      id: index + 1,
      params: [],
      name,
      result: finding?.result ?? 'OK',
      error_code: finding ? RULES[name].code : null,
      error_or_warn: finding?.message ?? null,
      error_params: finding?.fields ?? '',
    };
  });
}

/** A check as a source shows it: computed here, or as a mock document gave it. */
export type ShownCheck = Readonly<Partial<Record<keyof EnvironmentCheck, unknown>>>;

/** Whether any check failed outright (a warning does not count). */
export function hasErrors(checks: readonly ShownCheck[]): boolean {
  return checks.some((check) => check.result === 'ERROR');
}
