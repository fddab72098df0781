// The process logger: pretty lines on a terminal, JSON lines otherwise; credentials never logged.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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
  if (stream.isTTY) return pino(options, pretty({ colorize: true, destination: stream }));
  return pino(options, stream);
}
