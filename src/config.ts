// Settings from command-line flags, each with an SMS_MOCK_* environment twin (flags win).
import { parseArgs } from 'node:util';
import { CLOCK_MAX, CLOCK_MAX_RATE, CLOCK_MIN, CLOCK_MIN_RATE } from './lib/clock.js';
import { operationIds } from './schemas/generated/operations.js';
import { DEFAULT_AGENT_TIMEOUT_MS } from './sms/agent/repository.js';
import type { ProfileInput } from './sms/simulation/profiles.js';
import { parseProfileArgument } from './sms/simulation/schemas.js';

export interface Config {
  readonly host: string;
  readonly port: number;
  /** SQLite file path, or `:memory:`. */
  readonly db: string;
  /** JSON file of tasks loaded at start-up. */
  readonly seed: string | undefined;
  readonly autoCreate: boolean;
  readonly logLevel: string;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** Access key → secret key. When any is set, SDK-HMAC-SHA256 signatures are verified. */
  readonly credentials: ReadonlyMap<string, string>;
  /** How many requests the journal keeps (the oldest leave first). */
  readonly journalSize: number;
  /** Bytes the journal's entries may take, counted over bodies, urls and headers (the oldest leave first). */
  readonly journalBytes: number;
  /** Serve HTTPS: with `tlsCert` and `tlsKey` when given, else with a certificate made at start by a CA made at start. */
  readonly tls: boolean;
  /** PEM file of the certificate (or chain) to serve HTTPS with, instead of one made at start. */
  readonly tlsCert: string | undefined;
  /** PEM file of that certificate's private key. */
  readonly tlsKey: string | undefined;
  /** File the CA made at start is written to (PEM) once listening, for clients to trust; removed on shutdown. */
  readonly tlsCaOut: string | undefined;
  /** JSON file of fault rules in force at start (and again after every reset). */
  readonly faults: string | undefined;
  /** Where the mock clock stands at start and after every reset (epoch ms); the system time when undefined. */
  readonly clockTime: number | undefined;
  /** Whether the mock clock stands still at start and after every reset. */
  readonly clockFrozen: boolean;
  /** How many times as fast as real time the mock clock runs at start and after every reset. */
  readonly clockRate: number;
  /** The simulated agent's default profile at start and after every reset; the lan preset when undefined. */
  readonly simulation: ProfileInput | undefined;
  /** How long a shutdown waits for open requests before cutting their connections, in ms. */
  readonly graceMs: number;
  /** File the bound port is written to once listening (removed on shutdown). */
  readonly portFile: string | undefined;
  /**
   * How long after its agent was last heard from a source server shows disconnected, and after its last command poll
   * its agent stops counting as live, in ms of mock time.
   */
  readonly agentTimeoutMs: number;
}

/**
 * The largest --body-limit accepted. A body is read into one string before it is parsed, and V8 cannot hold a string
 * of more than about 512 Mi characters: a larger limit would let a body through that can only fail with a 500.
 */
export const MAX_BODY_LIMIT = 256 * 1024 * 1024;

export const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 8080,
  db: 'sms-mock.db',
  seed: undefined,
  autoCreate: false,
  logLevel: 'info',
  bodyLimit: 1024 * 1024,
  credentials: new Map(),
  journalSize: 1000,
  journalBytes: 64 * 1024 * 1024,
  tls: false,
  tlsCert: undefined,
  tlsKey: undefined,
  tlsCaOut: undefined,
  faults: undefined,
  clockTime: undefined,
  clockFrozen: false,
  clockRate: 1,
  simulation: undefined,
  graceMs: 10_000,
  portFile: undefined,
  agentTimeoutMs: DEFAULT_AGENT_TIMEOUT_MS,
};

/** The largest --agent-timeout, in seconds: a year. */
export const MAX_AGENT_TIMEOUT_S = 365 * 24 * 3600;

export const USAGE = `Usage: sms-mock [options]

Emulates the Huawei Cloud SMS v3 API (${operationIds.join(', ')}) on a SQLite database.

Options (each also read from the environment variable shown):
  --host HOST           address to listen on (SMS_MOCK_HOST, default 127.0.0.1)
  --port PORT           port, 0 for any free one (SMS_MOCK_PORT, default 8080)
  --db PATH             SQLite database file, or :memory: (SMS_MOCK_DB, default ./sms-mock.db)
  --seed FILE           JSON tasks to insert or replace at start-up (SMS_MOCK_SEED)
  --auto-create         unknown task ids on UpdateTask and progress reports create a READY task (SMS_MOCK_AUTO_CREATE)
  --log-level LEVEL     fatal, error, warn, info, debug (every request), trace, silent (SMS_MOCK_LOG_LEVEL, default info)
  --body-limit BYTES    largest request body accepted, at most 268435456 = 256 MiB (SMS_MOCK_BODY_LIMIT,
                        default 1048576)
  --credentials AK:SK   verify SDK-HMAC-SHA256 signatures with these keys; comma-separated pairs (SMS_MOCK_CREDENTIALS)
  --journal-size N      requests kept in the request journal (SMS_MOCK_JOURNAL_SIZE, default 1000)
  --journal-bytes BYTES memory the journal's entries may take (SMS_MOCK_JOURNAL_BYTES, default 67108864 = 64 MiB)
  --tls                 serve HTTPS with a certificate made at start for localhost, 127.0.0.1, ::1 and --host,
                        issued by a CA made at start and written to --tls-ca-out (SMS_MOCK_TLS)
  --tls-ca-out FILE     where that CA's certificate (PEM) is written for clients to trust; removed on exit
                        (SMS_MOCK_TLS_CA_OUT, default sms-mock-<pid>-ca.pem in the OS temp folder)
  --tls-cert FILE       serve HTTPS with this PEM certificate (or chain) instead; needs --tls-key (SMS_MOCK_TLS_CERT)
  --tls-key FILE        the PEM private key of --tls-cert (SMS_MOCK_TLS_KEY)
  --faults FILE         JSON fault rules in force at start and after every reset (SMS_MOCK_FAULTS)
  --clock TIME          ISO 8601 time the mock clock starts at, and is set back to by a reset (SMS_MOCK_CLOCK)
  --clock-frozen        the mock clock stands still (at --clock, or at the start time) (SMS_MOCK_CLOCK_FROZEN)
  --clock-rate N        the mock clock runs N times as fast as real time, e.g. 60 or 3600 (SMS_MOCK_CLOCK_RATE,
                        default 1)
  --simulation PROFILE  how the simulated agent migrates started tasks no real agent serves: lan, wan, flaky, fail,
                        manual (nothing simulated), or a JSON profile (SMS_MOCK_SIMULATION, default lan)
  --port-file FILE      write the bound port to FILE once listening; removed on exit (SMS_MOCK_PORT_FILE)
  --agent-timeout SECONDS
                        a source server not heard from by its agent for this long (mock clock) shows disconnected
                        and its agent no longer counts as live (SMS_MOCK_AGENT_TIMEOUT, default 300)
  --grace-ms MS         on SIGINT/SIGTERM, wait this long for open requests, then cut them (SMS_MOCK_GRACE_MS,
                        default 10000); a second signal exits at once
  -v, --version         print the version
  -h, --help            show this help
`;

export class ConfigError extends Error {}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function parseBoolean(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got '${value}'`);
}

function parseRate(value: string, name: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !(rate >= CLOCK_MIN_RATE && rate <= CLOCK_MAX_RATE)) {
    throw new ConfigError(`${name} must be a number from ${CLOCK_MIN_RATE} to ${CLOCK_MAX_RATE}, got '${value}'`);
  }
  return rate;
}

function parseSimulation(value: string, name: string): ProfileInput {
  const parsed = parseProfileArgument(value);
  if ('error' in parsed) throw new ConfigError(`${name}: ${parsed.error}`);
  return parsed.input;
}

function parseInteger(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

function parseTime(value: string, name: string): number {
  // The same shape as PUT /_mock/clock takes: a date-time with a zone, so no run depends on the machine's time zone.
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (!(ms >= CLOCK_MIN && ms <= CLOCK_MAX)) {
    throw new ConfigError(
      `${name} must be an ISO 8601 time with a zone between 1970 and 9999, such as 2030-01-01T00:00:00Z, got '${value}'`,
    );
  }
  return ms;
}

export function parseCredentials(value: string, name = 'credentials'): Map<string, string> {
  const credentials = new Map<string, string>();
  for (const pair of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1) throw new ConfigError(`${name} must be AK:SK pairs, got '${pair}'`);
    credentials.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  return credentials;
}

/**
 * The TLS settings: --tls-cert and --tls-key go together and serve HTTPS by themselves; --tls-ca-out names where the
 * CA made by --tls goes, so it needs --tls and means nothing beside a given certificate.
 */
function readTls(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  pick: (flag: string, variable: string) => string | undefined,
  nameOf: (flag: string, variable: string) => string,
): Pick<Config, 'tls' | 'tlsCert' | 'tlsKey' | 'tlsCaOut'> {
  const tlsEnv = env.SMS_MOCK_TLS;
  const generated = values.tls === true || (tlsEnv !== undefined && parseBoolean(tlsEnv, 'SMS_MOCK_TLS'));
  const tlsCert = pick('tls-cert', 'SMS_MOCK_TLS_CERT');
  const tlsKey = pick('tls-key', 'SMS_MOCK_TLS_KEY');
  const tlsCaOut = pick('tls-ca-out', 'SMS_MOCK_TLS_CA_OUT');
  const certName = nameOf('tls-cert', 'SMS_MOCK_TLS_CERT');
  const keyName = nameOf('tls-key', 'SMS_MOCK_TLS_KEY');
  if (tlsCert !== undefined && tlsKey === undefined) throw new ConfigError(`${certName} needs --tls-key (its key)`);
  if (tlsKey !== undefined && tlsCert === undefined)
    throw new ConfigError(`${keyName} needs --tls-cert (its certificate)`);
  const caName = nameOf('tls-ca-out', 'SMS_MOCK_TLS_CA_OUT');
  if (tlsCaOut !== undefined && tlsCert !== undefined) {
    throw new ConfigError(`${caName} writes the CA made by --tls: there is none with ${certName}`);
  }
  if (tlsCaOut !== undefined && !generated) throw new ConfigError(`${caName} needs --tls`);
  return { tls: generated || tlsCert !== undefined, tlsCert, tlsKey, tlsCaOut };
}

export type ParsedCommand =
  | { help: true }
  | { help: false; version: true }
  | { help: false; version: false; config: Config };

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        db: { type: 'string' },
        seed: { type: 'string' },
        'auto-create': { type: 'boolean' },
        'log-level': { type: 'string' },
        'body-limit': { type: 'string' },
        credentials: { type: 'string' },
        'journal-size': { type: 'string' },
        'journal-bytes': { type: 'string' },
        tls: { type: 'boolean' },
        'tls-ca-out': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        faults: { type: 'string' },
        clock: { type: 'string' },
        'clock-frozen': { type: 'boolean' },
        'clock-rate': { type: 'string' },
        simulation: { type: 'string' },
        'port-file': { type: 'string' },
        'grace-ms': { type: 'string' },
        'agent-timeout': { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help) return { help: true };
  if (values.version) return { help: false, version: true };

  const pick = (flag: string, variable: string): string | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return fromFlag;
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  /** The name a value was given under, for messages: the flag when it was given, else its variable. */
  const nameOf = (flag: string, variable: string): string =>
    typeof values[flag] === 'string' ? `--${flag}` : variable;

  const port = pick('port', 'SMS_MOCK_PORT');
  const bodyLimit = pick('body-limit', 'SMS_MOCK_BODY_LIMIT');
  const logLevel = pick('log-level', 'SMS_MOCK_LOG_LEVEL') ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.has(logLevel)) {
    throw new ConfigError(
      `${nameOf('log-level', 'SMS_MOCK_LOG_LEVEL')} must be one of ${[...LOG_LEVELS].join(', ')}, got '${logLevel}'`,
    );
  }
  const autoCreateEnv = env.SMS_MOCK_AUTO_CREATE;
  const credentials = pick('credentials', 'SMS_MOCK_CREDENTIALS');
  const journalSize = pick('journal-size', 'SMS_MOCK_JOURNAL_SIZE');
  const journalBytes = pick('journal-bytes', 'SMS_MOCK_JOURNAL_BYTES');
  const tls = readTls(values, env, pick, nameOf);
  const clockTime = pick('clock', 'SMS_MOCK_CLOCK');
  const clockFrozenEnv = env.SMS_MOCK_CLOCK_FROZEN;
  const graceMs = pick('grace-ms', 'SMS_MOCK_GRACE_MS');
  const agentTimeout = pick('agent-timeout', 'SMS_MOCK_AGENT_TIMEOUT');
  const clockRate = pick('clock-rate', 'SMS_MOCK_CLOCK_RATE');
  const simulation = pick('simulation', 'SMS_MOCK_SIMULATION');

  return {
    help: false,
    version: false,
    config: {
      host: pick('host', 'SMS_MOCK_HOST') ?? DEFAULTS.host,
      port: port === undefined ? DEFAULTS.port : parseInteger(port, nameOf('port', 'SMS_MOCK_PORT'), 0, 65535),
      db: pick('db', 'SMS_MOCK_DB') ?? DEFAULTS.db,
      seed: pick('seed', 'SMS_MOCK_SEED'),
      autoCreate:
        values['auto-create'] === true ||
        (autoCreateEnv !== undefined && parseBoolean(autoCreateEnv, 'SMS_MOCK_AUTO_CREATE')),
      logLevel,
      bodyLimit:
        bodyLimit === undefined
          ? DEFAULTS.bodyLimit
          : parseInteger(bodyLimit, nameOf('body-limit', 'SMS_MOCK_BODY_LIMIT'), 1, MAX_BODY_LIMIT),
      credentials:
        credentials === undefined
          ? new Map()
          : parseCredentials(credentials, nameOf('credentials', 'SMS_MOCK_CREDENTIALS')),
      journalSize:
        journalSize === undefined
          ? DEFAULTS.journalSize
          : parseInteger(journalSize, nameOf('journal-size', 'SMS_MOCK_JOURNAL_SIZE'), 1, 1_000_000),
      journalBytes:
        journalBytes === undefined
          ? DEFAULTS.journalBytes
          : parseInteger(journalBytes, nameOf('journal-bytes', 'SMS_MOCK_JOURNAL_BYTES'), 1024, 2 ** 40),
      ...tls,
      faults: pick('faults', 'SMS_MOCK_FAULTS'),
      clockTime: clockTime === undefined ? undefined : parseTime(clockTime, nameOf('clock', 'SMS_MOCK_CLOCK')),
      clockFrozen:
        values['clock-frozen'] === true ||
        (clockFrozenEnv !== undefined && parseBoolean(clockFrozenEnv, 'SMS_MOCK_CLOCK_FROZEN')),
      clockRate:
        clockRate === undefined
          ? DEFAULTS.clockRate
          : parseRate(clockRate, nameOf('clock-rate', 'SMS_MOCK_CLOCK_RATE')),
      simulation:
        simulation === undefined
          ? DEFAULTS.simulation
          : parseSimulation(simulation, nameOf('simulation', 'SMS_MOCK_SIMULATION')),
      graceMs:
        graceMs === undefined
          ? DEFAULTS.graceMs
          : parseInteger(graceMs, nameOf('grace-ms', 'SMS_MOCK_GRACE_MS'), 0, 3_600_000),
      portFile: pick('port-file', 'SMS_MOCK_PORT_FILE'),
      agentTimeoutMs:
        agentTimeout === undefined
          ? DEFAULTS.agentTimeoutMs
          : parseInteger(agentTimeout, nameOf('agent-timeout', 'SMS_MOCK_AGENT_TIMEOUT'), 1, MAX_AGENT_TIMEOUT_S) *
            1000,
    },
  };
}
