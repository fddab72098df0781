// A source server's registration body of our own, with no test framework attached: the source server tests, and the
// dashboard's browser scene (which also runs outside vitest), send it.

export type Body = Record<string, unknown>;

/** A Linux agent's registration that passes every check. */
export function linuxRegistration(changes: Body = {}): Body {
  return {
    ip: '192.168.0.10',
    name: 'web-01',
    hostname: 'web-01.local',
    os_type: 'LINUX',
    os_version: 'CENTOS_7_9_64BIT',
    firmware: 'BIOS',
    cpu_quantity: 2,
    memory: 4018196480,
    agent_version: '25.2.0',
    kernel_version: '3.10.0-1160',
    boot_loader: 'GRUB',
    has_rsync: true,
    paravirtualization: false,
    raw_devices: '',
    has_tc: true,
    disks: [
      {
        name: '/dev/vda',
        partition_style: 'MBR',
        device_use: 'BOOT',
        size: 42949672960,
        used_size: 10737418240,
        physical_volumes: [
          {
            name: '/dev/vda1',
            device_use: 'OS',
            file_system: 'ext4',
            mount_point: '/',
            index: 0,
            size: 42948624384,
            used_size: 10737418240,
            uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
          },
        ],
      },
    ],
    volume_groups: [],
    btrfs_list: [],
    networks: [
      {
        name: 'eth0',
        ip: '192.168.0.10',
        netmask: '255.255.255.0',
        gateway: '192.168.0.1',
        mtu: 1500,
        mac: 'fa:16:3e:00:00:01',
      },
    ],
    ...changes,
  };
}
