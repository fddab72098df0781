// Runs the sms-mock command as a child process (from source, through tsx) and waits for its URL.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Resolved here, so the child finds tsx whatever its working folder.
const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  /** The project folder when omitted. */
  readonly cwd?: string;
  /** What to wait for before answering: the listening line (default), or any output matching this. */
  readonly ready?: RegExp;
}

function spawnCli(args: string[], options: RunOptions): ChildProcess {
  return spawn(process.execPath, ['--import', tsx, join(root, 'src', 'cli.ts'), ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], envOrOptions: Record<string, string> | RunOptions = {}): Promise<Child> {
  const options: RunOptions =
    'env' in envOrOptions || 'cwd' in envOrOptions || 'ready' in envOrOptions
      ? (envOrOptions as RunOptions)
      : { env: envOrOptions as Record<string, string> };
  const child = spawnCli(args, options);
  let output = '';
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sms-mock did not start in time:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (options.ready ? options.ready.test(output) : match?.[1]) {
        clearTimeout(timer);
        resolve({
          process: child,
          url: match?.[1] ?? '',
          output: () => output,
          stdout: () => stdout,
          stderr: () => stderr,
          exited,
        });
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onData(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onData(chunk);
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`sms-mock exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Runs the command to completion (for --help, bad flags and failed starts); killed after 15 s. */
export function runCliToEnd(
  args: string[],
  options: RunOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves with `promise`'s value, or rejects once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
