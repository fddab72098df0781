import { describe, expect, it } from 'vitest';
import { CHECKS_BY_OS, checkCode, environmentChecks, hasErrors } from '../../../src/sms/sources/checks.js';
import {
  type Body,
  checksOf,
  type Finding,
  LINUX_CHECKS,
  linuxRegistration,
  WINDOWS_CHECKS,
  windowsRegistration,
} from './fixtures.js';

const error = (name: string, error_params: string, error_or_warn: string): Record<string, Finding> => ({
  [name]: { result: 'ERROR', error_code: checkCode(name as never), error_or_warn, error_params },
});
const warn = (name: string, error_params: string, error_or_warn: string): Record<string, Finding> => ({
  [name]: { result: 'WARN', error_code: checkCode(name as never), error_or_warn, error_params },
});

describe('environmentChecks', () => {
  it('lists the checks of each OS in the order ShowServer shows them', () => {
    expect(CHECKS_BY_OS.LINUX).toEqual(LINUX_CHECKS);
    expect(CHECKS_BY_OS.WINDOWS).toEqual(WINDOWS_CHECKS);
    expect(environmentChecks('SOLARIS', {})).toEqual([]);
    expect(environmentChecks(null, {})).toEqual([]);
  });

  it('passes a complete registration, every item in the EnvironmentCheck shape', () => {
    expect(environmentChecks('LINUX', linuxRegistration())).toEqual(checksOf(LINUX_CHECKS));
    expect(environmentChecks('WINDOWS', windowsRegistration())).toEqual(checksOf(WINDOWS_CHECKS));
  });

  it('codes: SMS.6504 for OS_VERSION (seen in the field), the others chosen and distinct', () => {
    const names = [...new Set([...LINUX_CHECKS, ...WINDOWS_CHECKS])];
    const codes = names.map((name) => checkCode(name as never));
    expect(checkCode('OS_VERSION')).toBe('SMS.6504');
    expect(new Set(codes).size).toBe(names.length);
    for (const code of codes) expect(code).toMatch(/^SMS\.\d{4}$/);
  });

  const linux: [string, Body, Record<string, Finding>][] = [
    [
      'boot loader missing',
      { boot_loader: undefined },
      error('BOOT_LOADER', 'boot_loader', 'boot_loader is not reported'),
    ],
    [
      'boot loader not GRUB',
      { boot_loader: 'LILO' },
      error('BOOT_LOADER', 'boot_loader', 'only GRUB is supported as the boot loader'),
    ],
    ['has_rsync missing', { has_rsync: null }, error('RSYNC', 'has_rsync', 'has_rsync is not reported')],
    [
      'rsync not installed',
      { has_rsync: false },
      warn('RSYNC', 'has_rsync', 'rsync is not installed: file-level migration needs it'),
    ],
    [
      'paravirtualization missing',
      { paravirtualization: undefined },
      error('PARAVIRTUALIZATION', 'paravirtualization', 'paravirtualization is not reported'),
    ],
    [
      'raw devices missing',
      { raw_devices: undefined },
      error('RAW_DEVICES', 'raw_devices', 'raw_devices is not reported'),
    ],
    [
      'raw devices present',
      { raw_devices: '/dev/raw/raw1' },
      warn('RAW_DEVICES', 'raw_devices', 'raw devices are not migrated'),
    ],
    [
      'no disks, no volume groups, no Btrfs list',
      { disks: [], volume_groups: undefined, btrfs_list: null },
      error('DISK_INFO', 'disks,volume_groups,btrfs_list', 'disks, volume_groups, btrfs_list not reported'),
    ],
    [
      'a disk without a partition style',
      { disks: [linuxRegistration().disks, { name: '/dev/vdb', partition_style: '' }].flat() },
      error('PARTITION_STYLE', 'disks[1].partition_style', 'disks[1].partition_style not reported'),
    ],
    ['no firmware', { firmware: undefined }, warn('FIRMWARE', 'firmware', 'firmware is not reported')],
    ['no CPU count', { cpu_quantity: 0 }, warn('CPU', 'cpu_quantity', 'cpu_quantity is not reported')],
    ['no memory', { memory: undefined }, warn('MEMORY', 'memory', 'memory is not reported')],
    ['no OS version', { os_version: '' }, error('OS_VERSION', 'os_version', 'os_version is not reported')],
  ];
  it.each(linux)('Linux: %s', (_what, changes, findings) => {
    const checks = environmentChecks('LINUX', linuxRegistration(changes));
    expect(checks).toEqual(checksOf(LINUX_CHECKS, findings));
    expect(hasErrors(checks)).toBe(Object.values(findings).some((f) => f.result === 'ERROR'));
  });

  it('Linux: memory beyond 2^53 counts as reported', () => {
    expect(environmentChecks('LINUX', linuxRegistration({ memory: 9223372036854775807n }))).toEqual(
      checksOf(LINUX_CHECKS),
    );
  });

  const windows: [string, Body, Record<string, Finding>][] = [
    ['no system directory', { system_dir: '' }, error('SYSTEM_ROOT', 'system_dir', 'system_dir is not reported')],
    ['driver files missing', { driver_files: true }, error('DRIVER_FILE', 'driver_files', 'driver files are missing')],
    [
      'driver_files not reported',
      { driver_files: undefined },
      error('DRIVER_FILE', 'driver_files', 'driver_files is not reported'),
    ],
    [
      'abnormal services',
      { system_services: true },
      error('SERVICE', 'system_services', 'some system services are abnormal'),
    ],
    [
      'account rights short',
      { account_rights: false },
      error('ACCOUNT_RIGHTS', 'account_rights', 'the account rights do not suffice'),
    ],
    ['an OEM edition', { oem_system: true }, warn('OEM_SYSTEM', 'oem_system', 'the OS is an OEM edition')],
    [
      'a disk without a partition style',
      { disks: [{ name: 'Disk 0', size: 1 }] },
      error('PARTITION_STYLE', 'disks[0].partition_style', 'disks[0].partition_style not reported'),
    ],
  ];
  it.each(windows)('Windows: %s', (_what, changes, findings) => {
    const checks = environmentChecks('WINDOWS', windowsRegistration(changes));
    expect(checks).toEqual(checksOf(WINDOWS_CHECKS, findings));
    expect(hasErrors(checks)).toBe(Object.values(findings).some((f) => f.result === 'ERROR'));
  });

  it('Windows: the v1 agent example (all three flags true) fails the driver and service checks', () => {
    const checks = environmentChecks(
      'WINDOWS',
      windowsRegistration({ driver_files: true, system_services: true, account_rights: true }),
    );
    expect(checks.filter((c) => c.result !== 'OK').map((c) => c.name)).toEqual(['DRIVER_FILE', 'SERVICE']);
  });

  it('the Linux fields do not matter to Windows checks, nor the Windows ones to Linux checks', () => {
    expect(environmentChecks('WINDOWS', windowsRegistration({ boot_loader: 'LILO', has_rsync: false }))).toEqual(
      checksOf(WINDOWS_CHECKS),
    );
    expect(environmentChecks('LINUX', linuxRegistration({ driver_files: true, system_dir: '' }))).toEqual(
      checksOf(LINUX_CHECKS),
    );
  });
});
