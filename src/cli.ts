#!/usr/bin/env node
// The sms-mock command: reads flags and environment, starts the server, stops it gracefully on SIGINT/SIGTERM.
import { ConfigError, loadConfig, USAGE } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof loadConfig>;
  try {
    parsed = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sms-mock: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { config } = parsed;
  const logger = createLogger(config.logLevel);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ ...config, logger });
  } catch (error) {
    logger.fatal({ err: error }, 'sms-mock could not start');
    return 1;
  }
  logger.info({ url: server.url, db: config.db }, `sms-mock listening on ${server.url}`);

  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sms-mock: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
