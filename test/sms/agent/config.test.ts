// ShowConfig (GET /v3/config), and the agent timeout it reports: the --agent-timeout option, its environment twin,
// startMock's agentTimeoutMs, and the timeout at work through a real listening server.
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, MAX_AGENT_TIMEOUT_S, USAGE } from '../../../src/config.js';
import { DEFAULT_AGENT_TIMEOUT_MS } from '../../../src/sms/agent/repository.js';
import { agentConfig } from '../../../src/sms/agent/service.js';
import { startMock } from '../../../src/testing.js';
import { api, dbSnapshot, json, TestClock, TOKEN, useTestApp } from '../../helpers.js';
import { linuxRegistration } from '../sources/fixtures.js';

const t = useTestApp();

const config = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = loadConfig(argv, env);
  if (parsed.help || parsed.version) throw new Error('unexpected help or version');
  return parsed.config;
};

describe('GET /v3/config (ShowConfig)', () => {
  it("answers the agent's configuration in the SDK's shape, every value a string, storing nothing", async () => {
    const before = dbSnapshot(t.db);
    const response = await api(t.app, { method: 'GET', url: '/v3/config' });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      config: {
        mainRegion: 'cn-north-4',
        obs_domain: 'obs.cn-north-4.myhuaweicloud.com',
        disktype: 'SATA',
        process_and_it: 'false',
        agent_timeout: '300',
        command_interval: '60',
      },
      regions: [
        { region_name: 'cn-north-4', project_name: 'cn-north-4' },
        { region_name: 'ap-southeast-3', project_name: 'ap-southeast-3' },
      ],
    });
    expect(dbSnapshot(t.db)).toEqual(before);
  });

  it('reports the timeout in seconds and a poll interval of a fifth of it, at least a second', () => {
    expect(agentConfig(90_000).config).toMatchObject({ agent_timeout: '90', command_interval: '18' });
    expect(agentConfig(3_000).config).toMatchObject({ agent_timeout: '3', command_interval: '1' });
    expect(agentConfig(1_500).config).toMatchObject({ agent_timeout: '1', command_interval: '1' });
  });

  it('needs credentials as every emulated operation does', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v3/config' });
    expect(response.statusCode).toBe(401);
  });
});

describe('--agent-timeout', () => {
  it('is 300 seconds by default, read from the flag or SMS_MOCK_AGENT_TIMEOUT (the flag wins)', () => {
    expect(DEFAULTS.agentTimeoutMs).toBe(300_000);
    expect(DEFAULT_AGENT_TIMEOUT_MS).toBe(300_000);
    expect(config([]).agentTimeoutMs).toBe(300_000);
    expect(config(['--agent-timeout', '90']).agentTimeoutMs).toBe(90_000);
    expect(config([], { SMS_MOCK_AGENT_TIMEOUT: '7' }).agentTimeoutMs).toBe(7_000);
    expect(config(['--agent-timeout', '2'], { SMS_MOCK_AGENT_TIMEOUT: '7' }).agentTimeoutMs).toBe(2_000);
    expect(config(['--agent-timeout', String(MAX_AGENT_TIMEOUT_S)]).agentTimeoutMs).toBe(31_536_000_000);
    expect(USAGE).toContain('--agent-timeout SECONDS');
    expect(USAGE).toContain('SMS_MOCK_AGENT_TIMEOUT, default 300');
  });

  it.each([
    [['--agent-timeout', '0'], {}, "--agent-timeout must be an integer from 1 to 31536000, got '0'"],
    [['--agent-timeout', '1.5'], {}, "--agent-timeout must be an integer from 1 to 31536000, got '1.5'"],
    [['--agent-timeout', '31536001'], {}, "--agent-timeout must be an integer from 1 to 31536000, got '31536001'"],
    [
      [],
      { SMS_MOCK_AGENT_TIMEOUT: 'soon' },
      "SMS_MOCK_AGENT_TIMEOUT must be an integer from 1 to 31536000, got 'soon'",
    ],
  ])('refuses %j %j', (argv, env, message) => {
    expect(() => config(argv, env)).toThrow(ConfigError);
    expect(() => config(argv, env)).toThrow(message);
  });
});

describe('startMock({ agentTimeoutMs })', () => {
  it('disconnects a server not heard from for that long, over HTTP; ShowConfig reports it', async () => {
    const clock = new TestClock();
    const sms = await startMock({ agentTimeoutMs: 60_000, clock });
    try {
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${sms.url}${path}`, {
          method,
          headers: { ...TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const shown = await call('GET', '/v3/config');
      expect(shown.body.config).toMatchObject({ agent_timeout: '60', command_interval: '12' });

      const { body } = await call('POST', '/v3/sources', linuxRegistration());
      const id = body.id as string;
      clock.advance(60_000);
      expect((await call('GET', `/v3/sources/${id}`)).body.connected).toBe(true);
      clock.advance(1);
      expect((await call('GET', `/v3/sources/${id}`)).body.connected).toBe(false);
      expect(sms.sources.get(id)?.connected).toBe(false);
      expect((await call('GET', `/v3/sources/${id}/command`)).body.command_name).toBe('TASK_NOT_STARTED');
      expect((await call('GET', `/v3/sources/${id}`)).body.connected).toBe(true);
      expect(sms.core.agent.hasLiveAgent(id, sms.core.clock.now())).toBe(true);
    } finally {
      await sms.close();
    }
  });

  it('refuses a timeout that is not a positive integer of milliseconds', async () => {
    await expect(startMock({ agentTimeoutMs: 0 })).rejects.toThrow('agentTimeoutMs must be a positive integer, got 0');
    await expect(startMock({ agentTimeoutMs: 1.5 })).rejects.toThrow(RangeError);
  });
});
