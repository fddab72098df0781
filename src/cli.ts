#!/usr/bin/env node
// The sms-mock command: reads flags and environment, starts the server, says where it listens, and stops it
// gracefully on SIGINT/SIGTERM (a second signal stops it at once).
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig, USAGE } from './config.js';
import { defaultCaFile } from './lib/tls.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';
import { PACKAGE } from './version.js';

/**
 * How long past the grace period a shutdown may still take (closing the database, answering what the cut connections
 * left) before the process exits regardless.
 */
const SHUTDOWN_MARGIN_MS = 5000;

/** One line for a start that failed: start errors are already that line; anything else is a bug, shown as such. */
function startFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('sms-mock: ') ? message : `sms-mock: could not start: ${message}`;
}

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
  if (parsed.version) {
    process.stdout.write(`${PACKAGE.version}\n`);
    return 0;
  }
  const { config } = parsed;
  const logger = createLogger(config.logLevel);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // The CA made by --tls goes to a file, so that clients can be pointed at it (in the temp folder unless named).
    const tlsCaOut = config.tls && config.tlsCert === undefined ? (config.tlsCaOut ?? defaultCaFile()) : undefined;
    server = await startServer({ ...config, tlsCaOut, logger });
  } catch (error) {
    process.stderr.write(`${startFailure(error)}\n`);
    if (!(error instanceof Error && error.message.startsWith('sms-mock: '))) {
      logger.debug({ err: error }, 'start failed');
    }
    return 1;
  }
  // On stderr and whatever the log level: the one line a script or a person needs, apart from the log on stdout.
  const caFile = server.tls?.caFile;
  process.stderr.write(`sms-mock listening on ${server.url}${caFile ? ` (CA certificate: ${caFile})` : ''}\n`);
  logger.debug({ url: server.url, db: config.db }, 'listening');

  closeWithGrace(
    {
      delay: config.graceMs + SHUTDOWN_MARGIN_MS,
      logger: false,
      onSecondSignal: (signal) => logger.warn({ signal }, 'second signal: exiting now'),
      onSecondError: (error) => logger.error({ err: error }, 'error while shutting down: exiting now'),
      onTimeout: (delay) => logger.error({ delay_ms: delay }, 'shutdown did not finish in time: exiting now'),
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'unexpected error: shutting down');
      else logger.info({ signal }, 'shutting down');
      await server.close();
    },
  );
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
