// Settings from command-line flags, each with an SMS_MOCK_* environment twin (flags win).
import { parseArgs } from 'node:util';

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
}

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
};

export const USAGE = `Usage: sms-mock [options]

Emulates the Huawei Cloud SMS v3 task API (ShowTask, UpdateTask, UpdateTaskSpeed) on a SQLite database.

Options (each also read from the environment variable shown):
  --host HOST           address to listen on (SMS_MOCK_HOST, default 127.0.0.1)
  --port PORT           port, 0 for any free one (SMS_MOCK_PORT, default 8080)
  --db PATH             SQLite database file, or :memory: (SMS_MOCK_DB, default ./sms-mock.db)
  --seed FILE           JSON tasks to insert or replace at start-up (SMS_MOCK_SEED)
  --auto-create         unknown task ids on UpdateTask and progress reports create a READY task (SMS_MOCK_AUTO_CREATE)
  --log-level LEVEL     fatal, error, warn, info, debug (every request), trace, silent (SMS_MOCK_LOG_LEVEL, default info)
  --body-limit BYTES    largest request body accepted (SMS_MOCK_BODY_LIMIT, default 1048576)
  --credentials AK:SK   verify SDK-HMAC-SHA256 signatures with these keys; comma-separated pairs (SMS_MOCK_CREDENTIALS)
  --journal-size N      requests kept in the request journal (SMS_MOCK_JOURNAL_SIZE, default 1000)
  -h, --help            show this help
`;

export class ConfigError extends Error {}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function parseBoolean(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got '${value}'`);
}

function parseInteger(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

export function parseCredentials(value: string): Map<string, string> {
  const credentials = new Map<string, string>();
  for (const pair of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1)
      throw new ConfigError(`credentials must be AK:SK pairs, got '${pair}'`);
    credentials.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  return credentials;
}

export type ParsedCommand = { help: true } | { help: false; config: Config };

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
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help) return { help: true };

  const pick = (flag: string, variable: string): string | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return fromFlag;
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };

  const port = pick('port', 'SMS_MOCK_PORT');
  const bodyLimit = pick('body-limit', 'SMS_MOCK_BODY_LIMIT');
  const logLevel = pick('log-level', 'SMS_MOCK_LOG_LEVEL') ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError(`log level must be one of ${[...LOG_LEVELS].join(', ')}`);
  const autoCreateEnv = env.SMS_MOCK_AUTO_CREATE;
  const credentials = pick('credentials', 'SMS_MOCK_CREDENTIALS');
  const journalSize = pick('journal-size', 'SMS_MOCK_JOURNAL_SIZE');

  return {
    help: false,
    config: {
      host: pick('host', 'SMS_MOCK_HOST') ?? DEFAULTS.host,
      port: port === undefined ? DEFAULTS.port : parseInteger(port, 'port', 0, 65535),
      db: pick('db', 'SMS_MOCK_DB') ?? DEFAULTS.db,
      seed: pick('seed', 'SMS_MOCK_SEED'),
      autoCreate:
        values['auto-create'] === true ||
        (autoCreateEnv !== undefined && parseBoolean(autoCreateEnv, 'SMS_MOCK_AUTO_CREATE')),
      logLevel,
      bodyLimit: bodyLimit === undefined ? DEFAULTS.bodyLimit : parseInteger(bodyLimit, 'body limit', 1, 1 << 30),
      credentials: credentials === undefined ? new Map() : parseCredentials(credentials),
      journalSize:
        journalSize === undefined ? DEFAULTS.journalSize : parseInteger(journalSize, 'journal size', 1, 1_000_000),
    },
  };
}
