import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, parseCredentials } from '../src/config.js';

const config = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = loadConfig(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
};

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(config([])).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      db: 'sms-mock.db',
      autoCreate: false,
      logLevel: 'info',
    });
  });

  it('reads every flag, and its SMS_MOCK_* twin when the flag is absent', () => {
    const env = {
      SMS_MOCK_HOST: '0.0.0.0',
      SMS_MOCK_PORT: '9000',
      SMS_MOCK_DB: ':memory:',
      SMS_MOCK_SEED: 'seed.json',
      SMS_MOCK_AUTO_CREATE: 'yes',
      SMS_MOCK_LOG_LEVEL: 'debug',
      SMS_MOCK_BODY_LIMIT: '2048',
      SMS_MOCK_CREDENTIALS: 'AK1:SK1, AK2:SK:2',
      SMS_MOCK_JOURNAL_SIZE: '50',
    };
    const fromEnv = config([], env);
    expect(fromEnv).toEqual({
      host: '0.0.0.0',
      port: 9000,
      db: ':memory:',
      seed: 'seed.json',
      autoCreate: true,
      logLevel: 'debug',
      bodyLimit: 2048,
      credentials: new Map([
        ['AK1', 'SK1'],
        ['AK2', 'SK:2'],
      ]),
      journalSize: 50,
    });
    const fromFlags = config(
      ['--host', '::1', '--port', '0', '--db', 'x.db', '--log-level', 'warn', '--journal-size', '7'],
      env,
    );
    expect([fromFlags.host, fromFlags.port, fromFlags.db, fromFlags.logLevel, fromFlags.journalSize]).toEqual([
      '::1',
      0,
      'x.db',
      'warn',
      7,
    ]);
  });

  it('refuses bad values with a message', () => {
    expect(() => config(['--port', '70000'])).toThrow("port must be an integer from 0 to 65535, got '70000'");
    expect(() => config(['--log-level', 'loud'])).toThrow(ConfigError);
    expect(() => config(['--journal-size', '0'])).toThrow("journal size must be an integer from 1 to 1000000, got '0'");
    expect(() => config([], { SMS_MOCK_AUTO_CREATE: 'maybe' })).toThrow('SMS_MOCK_AUTO_CREATE must be true or false');
    expect(() => config(['--nope'])).toThrow(ConfigError);
    expect(() => parseCredentials('AKONLY')).toThrow("credentials must be AK:SK pairs, got 'AKONLY'");
  });

  it('answers help', () => {
    expect(loadConfig(['-h'], {})).toEqual({ help: true });
  });
});
