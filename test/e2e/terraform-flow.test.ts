// The calls terraform-provider-huaweicloud makes, in its order, over a real port, every answer decoded as the
// provider's Go code decodes it (test/helpers/go-decode.ts): the huaweicloud_sms_task resource's create (source
// server read, POST /v3/tasks, start, the wait for RUNNING, speed limits and configurations), its Read, the
// sms_tasks and sms_source_servers data sources' paging, and destroy. The bodies are the provider's own
// (test/fixtures/terraform, derived from its source and acceptance tests). The wait polls by moving the mock clock.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmsMock, startMock } from '../../src/testing.js';
import {
  ConfigurationSetting,
  CreateResp,
  ErrorBody,
  GoDecodeError,
  type GoType,
  goDecode,
  goGeneric,
  Ignored,
  MigrateTask,
  Passphrase,
  SourceServer,
  SourceServerPage,
  SpeedLimits,
  sourceServerReadProblems,
  TaskListPage,
  TaskRead,
  topLevelArrays,
} from '../helpers/go-decode.js';

const fixture = (name: string) =>
  (JSON.parse(readFileSync(new URL(`../fixtures/terraform/${name}`, import.meta.url), 'utf8')) as { example: Json })
    .example;
type Json = Record<string, unknown>;

const REGISTER_BODY = fixture('register-server.json');
const CREATE_BODY = fixture('create-task-template.json');
const PROJECT_ID = '0123456789abcdef0123456789abcdef';
const TEMPLATE_ID = '3b5b1d4c-6f8e-4c43-9e0a-2d3c4b5a6f70';
/** An IPv6 address: the provider's task sends use_ipv6 true. */
const MIGRATION_IP = '2001:db8::50';
/** When the test starts the clock (frozen: only the test moves it). */
const START = '2026-11-25T10:00:00.000Z';
/** Tasks and servers besides the provider's own, so that the data sources page: 131 tasks, 211 servers. */
const EXTRA_TASKS = 130;
const EXTRA_SERVERS = 210;

let sms: SmsMock;

interface Answer<T> {
  status: number;
  text: string;
  value: T;
}

/**
 * One request as the provider sends it (JSON body, a credential, the project header), its answer decoded: with
 * `type` when the status is one golangsdk accepts for the method, as the vendor's error shape otherwise.
 */
async function call<T = Json>(method: string, path: string, type: GoType, body?: unknown): Promise<Answer<T>> {
  const response = await fetch(`${sms.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-auth-token': 'terraform', 'x-project-id': PROJECT_ID },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const ok = method === 'GET' ? [200] : method === 'DELETE' ? [200, 202, 204] : [200, 201, 202];
  const decodeAs = ok.includes(response.status) ? type : ErrorBody;
  let value: T;
  try {
    value = goDecode<T>(text, decodeAs);
  } catch (error) {
    const detail = error instanceof GoDecodeError ? error.errors.join('; ') : String(error);
    throw new Error(`${method} ${path} → ${response.status}: the provider cannot decode ${text}: ${detail}`);
  }
  return { status: response.status, text, value };
}

async function clock(update: Json): Promise<void> {
  const response = await fetch(`${sms.url}/_mock/clock`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(update),
  });
  expect(response.status).toBe(200);
}

/**
 * The target disks the provider builds from GET /v3/sources/{id} when the configuration names none: each disk's
 * name, size, device_use and its physical volumes' eight fields, read from the answer as Go's interface{} holds it
 * (numbers as float64) and sent back (a volume list that is empty is sent as null).
 */
function defaultDisks(serverText: string): Json[] {
  const server = goGeneric(serverText) as { init_target_server?: { disks?: Json[] } | null };
  return (server.init_target_server?.disks ?? []).map((disk) => {
    const volumes = Array.isArray(disk.physical_volumes) ? (disk.physical_volumes as Json[]) : [];
    return {
      name: disk.name ?? null,
      size: disk.size ?? null,
      device_use: disk.device_use ?? null,
      physical_volumes:
        volumes.length === 0
          ? null
          : volumes.map((pv) => ({
              name: pv.name ?? null,
              size: pv.size ?? null,
              device_use: pv.device_use ?? null,
              file_system: pv.file_system ?? null,
              mount_point: pv.mount_point ?? null,
              index: pv.index ?? null,
              uuid: pv.uuid ?? null,
              used_size: pv.used_size ?? null,
            })),
    };
  });
}

/** utils.RemoveNil: nil values leave the top-level map and nested maps (not maps inside lists). */
function removeNil(map: Json): Json {
  return Object.fromEntries(
    Object.entries(map)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, typeof v === 'object' && !Array.isArray(v) ? removeNil(v as Json) : v]),
  );
}

/** buildCreateTaskBodyParams for the acceptance test's configuration, on a given source server. */
function createTaskBody(sourceId: string, disks: Json[]): Json {
  return removeNil({
    ...CREATE_BODY,
    project_id: PROJECT_ID,
    source_server: { id: sourceId },
    target_server: { disks },
    vm_template_id: TEMPLATE_ID,
    migration_ip: MIGRATION_IP,
  });
}

beforeAll(async () => {
  sms = await startMock();
  await clock({ time: START, frozen: true });
});
afterAll(() => sms?.close());

describe('huaweicloud_sms_task and the SMS data sources, as the Terraform provider calls them', () => {
  let sourceId = '';
  let taskId = '';
  let sent: Json = {};
  const speedLimits = [
    { start: '00:00', end: '08:00', speed: 100, over_speed_threshold: 50 },
    { start: '08:00', end: '24:00', speed: 20 },
  ];
  const configurations = [
    { config_key: 'MIGRATE_EXCLUDE_DIR', config_value: '/tmp', config_status: 'on' },
    { config_key: 'LINUX_CPU_LIMIT', config_value: '50' },
  ];

  it('registers the source server with the provider body; GET /v3/sources/{id} offers init_target_server disks', async () => {
    const registered = await call<{ id: string }>('POST', '/v3/sources', CreateResp, REGISTER_BODY);
    expect(registered.status).toBe(200);
    expect(registered.value.id).toMatch(/\S/);
    sourceId = registered.value.id;

    const shown = await call<Json>('GET', `/v3/sources/${sourceId}`, SourceServer);
    expect(shown.status).toBe(200);
    expect(sourceServerReadProblems(shown.text)).toEqual([]);
    expect(shown.value).toMatchObject({ id: sourceId, name: 'tf-acc-name', current_task: { id: '' } });
    const disks = defaultDisks(shown.text);
    expect(disks.map(({ name, size, device_use }) => ({ name, size, device_use }))).toEqual([
      { name: 'Disk 0', size: 85897247744, device_use: 'BOOT' },
    ]);
    sent = createTaskBody(sourceId, disks);
  });

  it('POST /v3/tasks with the provider body answers an id; the task is READY even with auto_start', async () => {
    expect(sent).toMatchObject({ name: 'MigrationTask', auto_start: true, use_ipv6: true, syncing: false });
    expect(sent.target_server).not.toHaveProperty('name');
    expect(sent.target_server).not.toHaveProperty('vm_id');
    const created = await call<{ id: string }>('POST', '/v3/tasks', CreateResp, sent);
    expect(created.status).toBe(200);
    expect(created.value.id).toMatch(/\S/);
    taskId = created.value.id;
    const shown = await call<Json>('GET', `/v3/tasks/${taskId}`, MigrateTask);
    expect(shown.value).toMatchObject({ id: taskId, name: 'MigrationTask', state: 'READY', start_date: 0 });
  });

  it('start, then the wait: RUNNING at the first poll (5 s) and still at 15 s and 25 s', async () => {
    const started = await call('POST', `/v3/tasks/${taskId}/action`, Ignored, { operation: 'start' });
    expect(started.status).toBe(200);
    const seen: string[] = [];
    // StateChangeConf: Delay 5 s, PollInterval 10 s, Pending READY, Target RUNNING.
    for (const advance of [5_000, 10_000, 10_000]) {
      await clock({ advance_ms: advance });
      const polled = await call<{ state: string; start_date: number }>('GET', `/v3/tasks/${taskId}`, MigrateTask);
      expect(polled.status).toBe(200);
      seen.push(polled.value.state);
      expect(polled.value.start_date).toBe(Date.parse(START));
    }
    expect(seen).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
  });

  it('speed-limit and configuration-setting are accepted', async () => {
    const limits = await call('POST', `/v3/tasks/${taskId}/speed-limit`, Ignored, { speed_limit: speedLimits });
    expect(limits.status).toBe(200);
    const configured = await call('POST', `/v3/tasks/${taskId}/configuration-setting`, Ignored, { configurations });
    expect(configured.status).toBe(200);
  });

  it('Read: every optional field sent comes back, and the speed limits, configurations and passphrase', async () => {
    const task = await call<Json>('GET', `/v3/tasks/${taskId}`, TaskRead);
    expect(task.status).toBe(200);
    await call('GET', `/v3/tasks/${taskId}`, MigrateTask);
    expect(task.value).toMatchObject({
      region_name: sent.region_name,
      project_id: PROJECT_ID,
      type: sent.type,
      os_type: sent.os_type,
      vm_template_id: TEMPLATE_ID,
      source_server: { id: sourceId },
      start_target_server: sent.start_target_server,
      migration_ip: MIGRATION_IP,
      state: 'RUNNING',
      speed_limit: sent.speed_limit,
      use_public_ip: sent.use_public_ip,
      syncing: sent.syncing,
      use_ipv6: sent.use_ipv6,
      need_migration_test: sent.need_migration_test,
    });
    // The disks as the provider flattens them (sizes in MB), compared with what its configuration computed.
    const disks = (task.value.target_server as { disks: Json[] }).disks;
    expect(
      disks.map((d) => ({ name: d.name, device_use: d.device_use, size_mb: Math.floor(Number(d.size) / 2 ** 20) })),
    ).toEqual(
      (sent.target_server as { disks: Json[] }).disks.map((d) => ({
        name: d.name,
        device_use: d.device_use,
        size_mb: Math.floor(Number(d.size) / 2 ** 20),
      })),
    );

    const limits = await call<{ speed_limit: Json[] }>('GET', `/v3/tasks/${taskId}/speed-limit`, SpeedLimits);
    expect(limits.status).toBe(200);
    expect(limits.value.speed_limit).toEqual([
      { start: '00:00', end: '08:00', speed: 100, over_speed_threshold: 50 },
      { start: '08:00', end: '24:00', speed: 20, over_speed_threshold: 0 },
    ]);
    const settings = await call<Json>('GET', `/v3/tasks/${taskId}/configuration-setting`, ConfigurationSetting);
    expect(settings.status).toBe(200);
    expect(settings.value).toEqual({
      migrate_type: 'LINUX_MIGRATE_FILE',
      configurations: [
        { config_key: 'MIGRATE_EXCLUDE_DIR', config_value: '/tmp', config_status: 'on' },
        { config_key: 'LINUX_CPU_LIMIT', config_value: '50', config_status: '' },
      ],
    });
    const passphrase = await call<{ passphrase: string }>('GET', `/v3/tasks/${taskId}/passphrase`, Passphrase);
    expect(passphrase.status).toBe(200);
    expect(passphrase.value.passphrase).toMatch(/\S/);
    const again = await call<{ passphrase: string }>('GET', `/v3/tasks/${taskId}/passphrase`, Passphrase);
    expect(again.value.passphrase).toBe(passphrase.value.passphrase);
  });

  describe('data sources', () => {
    const taskIds = new Set<string>();
    const serverIds = new Set<string>();

    beforeAll(async () => {
      taskIds.add(taskId);
      serverIds.add(sourceId);
      for (let i = 0; i < EXTRA_SERVERS; i++) {
        const name = `tf-extra-${String(i).padStart(3, '0')}`;
        const networks = [{ ...(REGISTER_BODY.networks as Json[])[0], mac: `fa:16:3e:00:${hex(i >> 8)}:${hex(i)}` }];
        const registered = await call<{ id: string }>('POST', '/v3/sources', CreateResp, {
          ...REGISTER_BODY,
          name,
          networks,
        });
        expect(registered.status, registered.text).toBe(200);
        serverIds.add(registered.value.id);
        if (i < EXTRA_TASKS) {
          const created = await call<{ id: string }>('POST', '/v3/tasks', CreateResp, {
            ...createTaskBody(registered.value.id, (sent.target_server as { disks: Json[] }).disks),
          });
          expect(created.status, created.text).toBe(200);
          taskIds.add(created.value.id);
        }
      }
      expect([taskIds.size, serverIds.size]).toEqual([EXTRA_TASKS + 1, EXTRA_SERVERS + 1]);
    }, 60_000);

    it('sms_tasks: limit=100, offset += 100 until tasks is empty, every task once', async () => {
      const pages: number[] = [];
      const seen: string[] = [];
      for (let offset = 0; pages.length < 10; offset += 100) {
        const page = await call<{ count: number; tasks: { id: string }[] }>(
          'GET',
          `/v3/tasks?limit=100&offset=${offset}`,
          TaskListPage,
        );
        expect(page.status).toBe(200);
        expect(page.value.count).toBe(taskIds.size);
        pages.push(page.value.tasks.length);
        if (page.value.tasks.length === 0) break;
        seen.push(...page.value.tasks.map((t) => t.id));
      }
      expect(pages).toEqual([100, taskIds.size - 100, 0]);
      expect(new Set(seen)).toEqual(taskIds);
      expect(seen).toHaveLength(taskIds.size);
    });

    it('sms_source_servers: offset alone (no limit) until source_servers is empty, one array in each page', async () => {
      const pages: number[] = [];
      const seen: string[] = [];
      let offset = 0;
      for (let query = ''; pages.length < 10; query = `?offset=${offset}`) {
        const page = await call<{ source_servers: { id: string }[] }>('GET', `/v3/sources${query}`, SourceServerPage);
        expect(page.status).toBe(200);
        expect(topLevelArrays(page.text)).toEqual(['source_servers']);
        for (const item of (goGeneric(page.text) as { source_servers: unknown[] }).source_servers) {
          expect(sourceServerReadProblems(JSON.stringify(item))).toEqual([]);
        }
        pages.push(page.value.source_servers.length);
        if (page.value.source_servers.length === 0) break;
        seen.push(...page.value.source_servers.map((s) => s.id));
        offset += page.value.source_servers.length;
      }
      // The documented default page: 200.
      expect(pages).toEqual([200, serverIds.size - 200, 0]);
      expect(new Set(seen)).toEqual(serverIds);
      expect(seen).toHaveLength(serverIds.size);
    });
  });

  it('destroy: refused while running; after action stop, DELETE 200, then GET and DELETE answer 404', async () => {
    const refused = await call('DELETE', `/v3/tasks/${taskId}`, Ignored);
    expect([refused.status, refused.value.error_code]).toEqual([400, 'SMS.2015']);
    expect((await call<{ state: string }>('GET', `/v3/tasks/${taskId}`, MigrateTask)).value.state).toBe('RUNNING');

    // An update of `action` to stop: POST action, no wait.
    const stopped = await call('POST', `/v3/tasks/${taskId}/action`, Ignored, { operation: 'stop' });
    expect(stopped.status).toBe(200);
    expect((await call<{ state: string }>('GET', `/v3/tasks/${taskId}`, MigrateTask)).value.state).toBe('ABORT');

    const deleted = await call('DELETE', `/v3/tasks/${taskId}`, Ignored);
    expect(deleted.status).toBe(200);
    const gone = await call('GET', `/v3/tasks/${taskId}`, MigrateTask);
    expect(gone.status).toBe(404);
    expect(gone.value).toEqual({ error_code: 'SMS.2003', error_msg: `The migration task does not exist: ${taskId}` });
    const twice = await call('DELETE', `/v3/tasks/${taskId}`, Ignored);
    expect(twice.status).toBe(404);
    const source = await call<Json>('GET', `/v3/sources/${sourceId}`, SourceServer);
    expect(source.status).toBe(200);
    expect(goGeneric(source.text)).toMatchObject({ current_task: null });
  });
});

describe('the strict decoder refuses what the provider cannot decode', () => {
  const problems = (text: string, type: GoType) => {
    try {
      goDecode(text, type);
      return [];
    } catch (error) {
      return (error as GoDecodeError).errors;
    }
  };

  it('integers written as 1.0, 1e3 or "1", a number for error_json, objects in btrfs_list, an array for clone_server', () => {
    expect(
      problems(
        '{"priority": 1.0, "create_date": 1e3, "sub_tasks": [{"progress": "1"}], "error_json": 0,' +
          ' "target_server": {"btrfs_list": [{"name": "x"}]}, "clone_server": []}',
        MigrateTask,
      ),
    ).toEqual([
      'json: cannot unmarshal number 1.0 into Go struct field MigrateTask.priority of type int',
      'json: cannot unmarshal number 1e3 into Go struct field MigrateTask.create_date of type int',
      'json: cannot unmarshal string into Go struct field MigrateTask.sub_tasks.progress of type int',
      'json: cannot unmarshal number into Go struct field MigrateTask.error_json of type string',
      'json: cannot unmarshal object into Go struct field MigrateTask.target_server.btrfs_list of type string',
      'json: cannot unmarshal array into Go struct field MigrateTask.clone_server of type tasks.CloneServer',
    ]);
  });

  it('current_task as an array, a check id with a fraction, params that are not strings', () => {
    expect(problems('{"current_task": [], "checks": [{"id": 1.5, "params": [1]}]}', SourceServer)).toEqual([
      'json: cannot unmarshal array into Go struct field SourceServer.current_task of type sources.Task',
      'json: cannot unmarshal number 1.5 into Go struct field SourceServer.checks.id of type int',
      'json: cannot unmarshal number into Go struct field SourceServer.checks.params of type string',
    ]);
    expect(sourceServerReadProblems('{"current_task": {"clone_server": {"vm_id": "v"}}}')).toEqual([
      'current_task.clone_server is {"vm_id":"v"}',
    ]);
  });

  it('accepts null anywhere, unknown keys, and int64 beyond 2^53 exactly', () => {
    expect(
      goDecode<Json>('{"priority": null, "extra": [1, {}], "total_time": 9223372036854775807}', MigrateTask),
    ).toMatchObject({ priority: 0, total_time: 9223372036854775807n, clone_server: { vm_id: '' }, sub_tasks: null });
  });
});

function hex(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}
