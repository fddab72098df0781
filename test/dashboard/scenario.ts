// A migration scene built over HTTP against a listening sms-mock, as an agent and a client would: source servers
// registered, tasks created and started, some under profiles of their own. The dashboard's browser tests drive it.
// Plain data and fetch: it runs inside vitest and in a script alike.
import { linuxRegistration } from '../helpers/registrations.js';

const TOKEN = { 'x-auth-token': 'dashboard-test' };

export async function call<T = unknown>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? TOKEN : { ...TOKEN, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export interface SceneTask {
  readonly name: string;
  /** Bytes on the source's disk: what the simulated agent copies. */
  readonly usedBytes?: number;
  /** A simulation profile of the task's own (else the default). */
  readonly profile?: string;
  /** Created, not started. */
  readonly idle?: boolean;
  readonly speedLimit?: number;
}

/** Registers a source per task, creates the task and starts it (unless idle); answers the task ids by name. */
export async function buildScene(base: string, tasks: readonly SceneTask[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let n = 10;
  for (const task of tasks) {
    n++;
    const used = task.usedBytes ?? 10_737_418_240;
    const ip = `192.168.0.${n}`;
    const registration = linuxRegistration({ name: task.name, ip, hostname: `${task.name}.local` });
    const [disk] = registration.disks as { size: number; used_size: number; physical_volumes: object[] }[];
    Object.assign(disk as object, { size: 4 * used, used_size: used, physical_volumes: [] });
    registration.networks = [{ name: 'eth0', ip, mac: `fa:16:3e:00:00:${n.toString(16).padStart(2, '0')}` }];
    const { id: sourceId } = await call<{ id: string }>(base, 'POST', '/v3/sources', registration);
    const { id } = await call<{ id: string }>(base, 'POST', '/v3/tasks', {
      name: task.name,
      type: 'MIGRATE_FILE',
      os_type: 'LINUX',
      region_name: 'cn-north-4',
      region_id: 'cn-north-4',
      project_name: 'cn-north-4',
      project_id: 'project-1',
      source_server: { id: sourceId },
      target_server: { vm_id: `vm-${n}`, name: `${task.name}-target`, disks: [] },
      ...(task.speedLimit === undefined ? {} : { speed_limit: task.speedLimit }),
    });
    if (task.profile !== undefined) {
      await call(base, 'PUT', `/_mock/tasks/${id}/simulation`, { profile: task.profile });
    }
    if (task.idle !== true) await call(base, 'POST', `/v3/tasks/${id}/action`, { operation: 'start' });
    ids.set(task.name, id);
  }
  return ids;
}
