import { describe, expect, it } from 'vitest';
import { api, dbSnapshot, json, type ShowTaskBody, sampleTask, useTestApp } from '../../helpers.js';

const t = useTestApp({}, { seed: [sampleTask('task-1'), { ...sampleTask('task-2'), state: 'RUNNING' }] });

const post = (payload: unknown, id = 'task-1') =>
  api(t.app, { method: 'POST', url: `/v3/${id}/update-network-check-info`, payload: payload as object });
const showTask = async (id = 'task-1') =>
  json<ShowTaskBody>(await api(t.app, { method: 'GET', url: `/v3/tasks/${id}` }));
const stored = (id = 'task-1') =>
  t.db.prepare('SELECT network_check_info FROM tasks WHERE id = ?').pluck().get(id) as string | null;

/** What the Terraform provider's acceptance test reports to a fresh READY task. */
const REPORT = {
  network_delay: 20.0,
  network_jitter: 2.0,
  migration_speed: 100.0,
  loss_percentage: 0.0,
  cpu_usage: 20.0,
  mem_usage: 20.0,
  evaluation_result: 'success',
  domain_connectivity: true,
  destination_connectivity: true,
};

describe('POST /v3/{task_id}/update-network-check-info (UpdateNetworkCheckInfo)', () => {
  it('stores the results as the network_check_info ShowTask shows, answers {"task_id"}, state unchanged', async () => {
    expect((await showTask()).network_check_info).toBeNull();
    const response = await post(REPORT);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"task_id":"task-1"}');
    const task = await showTask();
    expect(task.network_check_info).toEqual({
      domain_connectivity: true,
      destination_connectivity: true,
      network_delay: 20,
      network_jitter: 2,
      migration_speed: 100,
      loss_percentage: 0,
      cpu_usage: 20,
      mem_usage: 20,
      evaluation_result: 'success',
    });
    expect(task.state).toBe('READY');
    expect(JSON.parse(stored() ?? 'null')).toEqual(REPORT);
  });

  it('shows the connectivity flags null when the report leaves them out, and keeps fractions', async () => {
    const { domain_connectivity: _d, destination_connectivity: _t, ...required } = REPORT;
    const report = { ...required, network_delay: 12.75, loss_percentage: 0.5, evaluation_result: 'failed' };
    expect((await post(report, 'task-2')).statusCode).toBe(200);
    const task = await showTask('task-2');
    expect(task.network_check_info).toEqual({ ...report, domain_connectivity: null, destination_connectivity: null });
    expect(task.state).toBe('RUNNING');
  });

  it('replaces the whole of the earlier results with the latest report', async () => {
    await post(REPORT);
    const { domain_connectivity: _d, ...later } = { ...REPORT, destination_connectivity: false, cpu_usage: 99.9 };
    expect((await post(later)).statusCode).toBe(200);
    expect((await showTask()).network_check_info).toEqual({ ...later, domain_connectivity: null });
    expect((await showTask('task-2')).network_check_info).toBeNull();
  });

  it('keeps only the fields of the results model', async () => {
    expect((await post({ ...REPORT, note: 'not a field' })).statusCode).toBe(200);
    expect(JSON.parse(stored() ?? 'null')).toEqual(REPORT);
  });

  it.each([
    [{ ...REPORT, network_delay: undefined }, 'network_delay is required'],
    [{ ...REPORT, evaluation_result: undefined }, 'evaluation_result is required'],
    [{ ...REPORT, network_jitter: '2' }, 'network_jitter must be number'],
    [{ ...REPORT, network_delay: -1 }, 'network_delay must be >= 0'],
    [{ ...REPORT, migration_speed: 10000.5 }, 'migration_speed must be <= 10000'],
    [{ ...REPORT, loss_percentage: 101 }, 'loss_percentage must be <= 100'],
    [{ ...REPORT, cpu_usage: null }, 'cpu_usage must be number'],
    [{ ...REPORT, mem_usage: 100.1 }, 'mem_usage must be <= 100'],
    [{ ...REPORT, evaluation_result: 'ok' }, 'evaluation_result must be at least 6 characters'],
    [{ ...REPORT, evaluation_result: 'excellent' }, 'evaluation_result must be at most 8 characters'],
    [{ ...REPORT, domain_connectivity: 'yes' }, 'domain_connectivity must be boolean'],
  ])('refuses %j with 400 naming the field, storing nothing', async (body, message) => {
    await post(REPORT);
    const before = dbSnapshot(t.db);
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 'SMS.2001', error_msg: `Invalid request parameter: ${message}` });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('answers 404 for an unknown task and stores nothing', async () => {
    const before = dbSnapshot(t.db);
    const response = await post(REPORT, 'nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 'SMS.2003', error_msg: 'The migration task does not exist: nope' });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('is served at /v3/{task_id}/..., not under /tasks', async () => {
    const response = await api(t.app, {
      method: 'POST',
      url: '/v3/tasks/task-1/update-network-check-info',
      payload: REPORT,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error_code).toBe('APIGW.0101');
    expect(stored()).toBeNull();
  });
});
