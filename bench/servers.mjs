// Benchmarked servers as child processes: a free loopback port, a spawn pinned to CPU 0 when taskset exists, and one
// registry of the children so the bench can always stop them.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The load generator gets CPU 1, the servers CPU 0, so neither steals from the other (2-core machine).
export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const children = new Set();

/**
 * `node ...args` on CPU 0. taskset execs node in place, so the child's pid is node's own once it runs: the pid whose
 * /proc entries the CPU figures read.
 */
export function startServer(args, { env = {}, stdio = ['ignore', 'inherit', 'inherit'] } = {}) {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const argv = hasTaskset ? ['-c', '0', process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, ...env }, stdio });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** SIGKILL and wait for the exit, so the next measurement does not share CPU 0 with a process still going away. */
export function killAndWait(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  return exited;
}

export function stopChildren() {
  for (const child of children) child.kill('SIGKILL');
}
