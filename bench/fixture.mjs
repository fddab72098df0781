// The task and request bodies both benchmarked servers serve, so they answer with the same bytes.

const SUBTASKS = [
  'CREATE_CLOUD_SERVER',
  'SSL_CONFIG',
  'ATTACH_AGENT_IMAGE',
  'FORMAT_DISK_LINUX',
  'MIGRATE_LINUX_BLOCK',
];

export const TASK_ID = 'bench-task';

export const task = {
  id: TASK_ID,
  name: 'bench-task',
  type: 'MIGRATE_BLOCK',
  os_type: 'LINUX',
  state: 'READY',
  priority: 1,
  speed_limit: 0,
  start_target_server: true,
  create_date: 1763960000000,
  region_id: 'region-a',
  region_name: 'Region A',
  project_id: '0123456789abcdef0123456789abcdef',
  project_name: 'region-a_project',
  vm_template_id: 'b6f3a1c2-0000-4000-8000-000000000001',
  source_server: {
    id: 'a0b1c2d3-0000-4000-8000-000000000002',
    ip: '192.168.0.10',
    name: 'web-01',
    os_type: 'LINUX',
    os_version: 'CENTOS_7_9_64BIT',
    oem_system: false,
    state: 'replicate',
    migration_cycle: 'replicating',
  },
  target_server: {
    id: 'c4d5e6f7-0000-4000-8000-000000000003',
    vm_id: 'd8e9f0a1-0000-4000-8000-000000000004',
    name: 'web-01-target',
    ip: '192.168.1.10',
    os_type: 'LINUX',
    os_version: 'CENTOS_7_9_64BIT',
    disks: [
      {
        id: 88008,
        name: '/dev/vda',
        disk_id: '0',
        size: 42949672960,
        used_size: 12884901888,
        device_use: 'OS',
        os_disk: true,
        partition_style: 'MBR',
        physical_volumes: [
          {
            id: 135055,
            name: '/dev/vda1',
            index: 1,
            device_use: 'BOOT',
            file_system: 'xfs',
            mount_point: '/boot',
            size: 1073741824,
            used_size: 209715200,
            free_size: 864026624,
            uuid: '6f1c0c4e-1b2a-4c3d-9e8f-000000000005',
          },
          {
            id: 135056,
            name: '/dev/vda2',
            index: 2,
            device_use: 'OS',
            file_system: 'xfs',
            mount_point: '/',
            size: 41875931136,
            used_size: 12675186688,
            free_size: 29200744448,
            uuid: '7a2d1d5f-2c3b-4d4e-8f90-000000000006',
          },
        ],
      },
    ],
    volume_groups: [],
    btrfs_list: [],
  },
  sub_tasks: SUBTASKS.map((name, index) => ({ id: 7278 + index, name, progress: 0, user_op: 'REPLICATE' })),
};

export const updateBody = JSON.stringify({
  name: 'bench-task-renamed',
  speed_limit: 100,
  region_name: 'region-b',
  migration_ip: '192.168.1.10',
});

export const progressBody = JSON.stringify({
  subtask_name: 'MIGRATE_LINUX_BLOCK',
  progress: 42,
  replicatesize: 4509715660,
  totalsize: 10737418240,
  process_trace: 'copying /dev/vda1',
  migrate_speed: 98.5,
  compress_rate: 1.2,
  remain_time: 300,
  total_cpu_usage: 35.5,
  agent_cpu_usage: 4.2,
});

/** A Linux source server's registration that passes every check (ListTasks and the simulation start from it). */
export const REGISTER = {
  name: 'bench-src',
  hostname: 'bench-src',
  ip: '192.168.0.10',
  os_type: 'LINUX',
  os_version: 'CENTOS_7_9_64BIT',
  agent_version: '25.2.0',
  firmware: 'BIOS',
  boot_loader: 'GRUB',
  has_rsync: true,
  paravirtualization: true,
  raw_devices: '',
  cpu_quantity: 2,
  memory: 4018196480,
  disks: [
    {
      name: '/dev/vda',
      partition_style: 'MBR',
      device_use: 'BOOT',
      size: 42949672960,
      used_size: 12884901888,
      physical_volumes: [
        {
          name: '/dev/vda1',
          device_use: 'OS',
          file_system: 'xfs',
          mount_point: '/',
          index: 0,
          size: 42948624384,
          used_size: 12884901888,
        },
      ],
    },
  ],
  volume_groups: [],
  btrfs_list: [],
  networks: [{ name: 'eth0', ip: '192.168.0.10', netmask: '255.255.255.0', mtu: 1500, mac: 'fa:16:3e:00:00:01' }],
};

const HEADERS = { 'content-type': 'application/json', 'x-auth-token': 'bench' };

/** A request that must answer 200: its parsed body and its size in bytes. */
export async function call(url, method = 'GET', body = undefined) {
  const response = await fetch(url, {
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return { body: text === '' ? {} : JSON.parse(text), bytes: Buffer.byteLength(text) };
}

/**
 * Registers source `${prefix}-${index}` with `usedBytes` on its disk (what the simulated agent copies), creates its
 * task and starts it, under `profile` when given (else the default); answers the task's id.
 */
export async function startTask(base, { prefix, index, usedBytes, profile }) {
  const name = `${prefix}-${index}`;
  const mac = `fa:16:3e:00:${Math.floor(index / 256)
    .toString(16)
    .padStart(2, '0')}:${(index % 256).toString(16).padStart(2, '0')}`;
  const [disk] = REGISTER.disks;
  const { body: source } = await call(`${base}/v3/sources`, 'POST', {
    ...REGISTER,
    name,
    hostname: name,
    disks: [{ ...disk, size: 2 * usedBytes, used_size: usedBytes, physical_volumes: [] }],
    networks: [{ ...REGISTER.networks[0], mac }],
  });
  const { body: task } = await call(`${base}/v3/tasks`, 'POST', {
    name,
    type: 'MIGRATE_FILE',
    os_type: 'LINUX',
    region_name: 'region-a',
    region_id: 'region-a',
    project_name: 'proj',
    project_id: 'p-1',
    source_server: { id: source.id },
    target_server: { vm_id: `vm-${index}`, name: `${name}-target`, disks: [] },
  });
  if (profile) await call(`${base}/_mock/tasks/${task.id}/simulation`, 'PUT', { profile });
  await call(`${base}/v3/tasks/${task.id}/action`, 'POST', { operation: 'start' });
  return task.id;
}
