import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, MAX_BODY_LIMIT, parseCredentials } from '../src/config.js';

const config = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = loadConfig(argv, env);
  if (parsed.help || parsed.version) throw new Error('unexpected help or version');
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
      SMS_MOCK_JOURNAL_BYTES: '1048576',
      SMS_MOCK_FAULTS: 'faults.json',
      SMS_MOCK_CLOCK: '2030-01-01T00:00:00+01:00',
      SMS_MOCK_CLOCK_FROZEN: '1',
      SMS_MOCK_GRACE_MS: '250',
      SMS_MOCK_PORT_FILE: 'port.txt',
    };
    const fromEnv = config([], env);
    expect(fromEnv).toEqual({
      ...DEFAULTS,
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
      journalBytes: 1048576,
      faults: 'faults.json',
      clockTime: Date.UTC(2029, 11, 31, 23),
      clockFrozen: true,
      graceMs: 250,
      portFile: 'port.txt',
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

  it('reads the start-state and shutdown flags', () => {
    const fromFlags = config([
      '--faults',
      'f.json',
      '--clock',
      '2030-01-01T00:00:00.250Z',
      '--clock-frozen',
      '--grace-ms',
      '0',
      '--port-file',
      'p',
    ]);
    expect(fromFlags).toEqual({
      ...DEFAULTS,
      faults: 'f.json',
      clockTime: Date.UTC(2030, 0, 1, 0, 0, 0, 250),
      clockFrozen: true,
      graceMs: 0,
      portFile: 'p',
    });
    // The flag wins over its variable, a boolean flag included.
    expect(config(['--clock-frozen'], { SMS_MOCK_CLOCK_FROZEN: 'false' }).clockFrozen).toBe(true);
  });

  it("reads the clock rate and the simulated agent's profile: a preset name or a JSON profile", () => {
    expect(config([]).clockRate).toBe(1);
    expect(config([]).simulation).toBeUndefined();
    expect(config(['--clock-rate', '3600']).clockRate).toBe(3600);
    expect(config([], { SMS_MOCK_CLOCK_RATE: '0.5' }).clockRate).toBe(0.5);
    expect(config(['--simulation', 'wan']).simulation).toEqual({ profile: 'wan' });
    expect(config([], { SMS_MOCK_SIMULATION: ' manual ' }).simulation).toEqual({ profile: 'manual' });
    expect(config(['--simulation', '{"profile": "fail", "fail": {"percent": 50}}']).simulation).toEqual({
      profile: 'fail',
      fail: { percent: 50 },
    });
    expect(config(['--simulation', 'lan'], { SMS_MOCK_SIMULATION: 'wan' }).simulation).toEqual({ profile: 'lan' });
  });

  it('refuses bad values, naming the flag or the variable the value came from', () => {
    const refusals: [string[], NodeJS.ProcessEnv, string][] = [
      [['--port', '70000'], {}, "--port must be an integer from 0 to 65535, got '70000'"],
      [[], { SMS_MOCK_PORT: '70000' }, "SMS_MOCK_PORT must be an integer from 0 to 65535, got '70000'"],
      [['--port', 'x'], { SMS_MOCK_PORT: '1' }, "--port must be an integer from 0 to 65535, got 'x'"],
      [[], { SMS_MOCK_BODY_LIMIT: '0' }, "SMS_MOCK_BODY_LIMIT must be an integer from 1 to 268435456, got '0'"],
      [['--body-limit', '0'], {}, "--body-limit must be an integer from 1 to 268435456, got '0'"],
      [['--journal-size', '0'], {}, "--journal-size must be an integer from 1 to 1000000, got '0'"],
      [[], { SMS_MOCK_JOURNAL_SIZE: 'many' }, "SMS_MOCK_JOURNAL_SIZE must be an integer from 1 to 1000000, got 'many'"],
      [['--journal-bytes', '1023'], {}, "--journal-bytes must be an integer from 1024 to 1099511627776, got '1023'"],
      [
        ['--log-level', 'loud'],
        {},
        "--log-level must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'",
      ],
      [
        [],
        { SMS_MOCK_LOG_LEVEL: 'loud' },
        "SMS_MOCK_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'",
      ],
      [[], { SMS_MOCK_CREDENTIALS: 'AKONLY' }, "SMS_MOCK_CREDENTIALS must be AK:SK pairs, got 'AKONLY'"],
      [['--credentials', 'AK:'], {}, "--credentials must be AK:SK pairs, got 'AK:'"],
      [[], { SMS_MOCK_AUTO_CREATE: 'maybe' }, "SMS_MOCK_AUTO_CREATE must be true or false, got 'maybe'"],
      [[], { SMS_MOCK_CLOCK_FROZEN: 'maybe' }, "SMS_MOCK_CLOCK_FROZEN must be true or false, got 'maybe'"],
      [[], { SMS_MOCK_GRACE_MS: '1.5' }, "SMS_MOCK_GRACE_MS must be an integer from 0 to 3600000, got '1.5'"],
      [['--clock-rate', '0'], {}, "--clock-rate must be a number from 0.001 to 1000000, got '0'"],
      [[], { SMS_MOCK_CLOCK_RATE: 'fast' }, "SMS_MOCK_CLOCK_RATE must be a number from 0.001 to 1000000, got 'fast'"],
      [['--simulation', 'fast'], {}, '--simulation: profile must be one of: lan, wan, flaky, fail, manual'],
      [[], { SMS_MOCK_SIMULATION: '{"profile": "wan", "seed": -1}' }, 'SMS_MOCK_SIMULATION: seed must be >= 0'],
      [['--simulation', '{"profile":'], {}, '--simulation: simulation is not JSON: Unexpected end of JSON input'],
      [
        ['--clock', 'tomorrow'],
        {},
        "--clock must be an ISO 8601 time with a zone between 1970 and 9999, such as 2030-01-01T00:00:00Z, got 'tomorrow'",
      ],
      [
        [],
        { SMS_MOCK_CLOCK: '2030-01-01T00:00:00' },
        "SMS_MOCK_CLOCK must be an ISO 8601 time with a zone between 1970 and 9999, such as 2030-01-01T00:00:00Z, got '2030-01-01T00:00:00'",
      ],
    ];
    for (const [argv, env, message] of refusals) {
      let thrown: unknown;
      try {
        config(argv, env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message).toBe(message);
    }
    expect(() => config(['--nope'])).toThrow(ConfigError);
    expect(() => parseCredentials('AKONLY')).toThrow("credentials must be AK:SK pairs, got 'AKONLY'");
  });

  it('caps the body limit at 256 MiB, so every accepted body fits in a string', () => {
    expect(MAX_BODY_LIMIT).toBe(256 * 1024 * 1024);
    expect(config(['--body-limit', String(MAX_BODY_LIMIT)]).bodyLimit).toBe(MAX_BODY_LIMIT);
    expect(() => config(['--body-limit', '600000000'])).toThrow(
      "--body-limit must be an integer from 1 to 268435456, got '600000000'",
    );
    expect(() => config([], { SMS_MOCK_BODY_LIMIT: String(MAX_BODY_LIMIT + 1) })).toThrow(
      "SMS_MOCK_BODY_LIMIT must be an integer from 1 to 268435456, got '268435457'",
    );
  });

  it('answers help and version before reading anything else', () => {
    expect(loadConfig(['-h'], {})).toEqual({ help: true });
    expect(loadConfig(['--version'], { SMS_MOCK_PORT: 'bad' })).toEqual({ help: false, version: true });
    expect(loadConfig(['-v'], {})).toEqual({ help: false, version: true });
  });
});
