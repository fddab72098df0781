// The process logger: pretty lines on a terminal, JSON lines otherwise; credentials never logged.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

// pino-pretty is loaded only for a terminal: it takes longer to load than pino itself, and a server started by a
// script or a test logs JSON.
const load = createRequire(import.meta.url);

/** Fastify's own address line, one per interface: the command prints the address itself, once, at every level. */
const FASTIFY_LISTENING = /^Server listening at /;

export function createLogger(level: string, stream: NodeJS.WriteStream = process.stdout): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-auth-token"]',
        'headers.authorization',
        'headers["x-auth-token"]',
      ],
      censor: '[redacted]',
    },
    hooks: {
      logMethod(args, method, levelValue) {
        if (levelValue === 30 && typeof args[0] === 'string' && FASTIFY_LISTENING.test(args[0])) {
          this.debug(...(args as [string]));
          return;
        }
        method.apply(this, args);
      },
    },
  };
  if (stream.isTTY) {
    const pretty = load('pino-pretty') as typeof import('pino-pretty');
    return pino(options, pretty({ colorize: true, destination: stream }));
  }
  return pino(options, stream);
}
