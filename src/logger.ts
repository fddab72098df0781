// The process logger: pretty lines on a terminal, JSON lines otherwise; credentials never logged.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(level: string, stream: NodeJS.WriteStream = process.stdout): Logger {
  const options = {
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
  };
  if (stream.isTTY) return pino(options, pretty({ colorize: true, destination: stream }));
  return pino(options, stream);
}
