#!/usr/bin/env node
// Installs sms-mock into a scratch project the way another project would, from the tarball `npm pack` makes, and
// checks it there: the files the tarball ships, declarations that type-check with skipLibCheck off, startMock()
// imported by the package's name, and the `sms-mock` command (through npx) answering and stopping on SIGTERM.
// `npm run test:pack`; .ci/run runs it after the tests. SMS_MOCK_PACK_KEEP=1 keeps the scratch directory.
// Talks to the npm registry (for the package's dependencies) and to 127.0.0.1, nothing else.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.env.SMS_MOCK_PACK_KEEP === '1';
const MINUTE = 60_000;

// npm, when it runs this script, describes its own project in npm_* variables; the npm commands below work on the
// scratch project and must not read them. Registry and cache settings stay.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/.test(name),
  ),
);
env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
// npx must run the installed command, never fetch a package of that name from the registry.
env.npm_config_yes = 'false';
env.npm_config_audit = 'false';
env.npm_config_fund = 'false';
env.npm_config_update_notifier = 'false';

let step = 'start';
const started = Date.now();
const log = (message) =>
  process.stdout.write(`pack-test: [${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);

class Failure extends Error {}

function fail(message, output = '') {
  throw new Failure(`${message}${output ? `\n--- output ---\n${output.trimEnd()}\n---` : ''}`);
}

function run(command, args, { cwd, timeout = 2 * MINUTE } = {}) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) fail(`${command} ${args.join(' ')}: ${result.error.message}`, output);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`, output);
  return output;
}

function versionIn(dir, name) {
  return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what, deadlineMs, check) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) fail(`${what}: not within ${deadlineMs / 1000} s`);
    await sleep(100);
  }
}

const scratchRoot = mkdtempSync(join(tmpdir(), 'sms-mock-pack-'));
let server;
let serverOutput = '';

try {
  step = 'pack';
  const packDir = join(scratchRoot, 'pack');
  mkdirSync(packDir);
  run('npm', ['pack', '--pack-destination', packDir], { cwd: root, timeout: 5 * MINUTE });
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) fail(`expected one tarball, found ${tarballs.join(', ') || 'none'}`);
  const tarball = join(packDir, tarballs[0]);
  log(`packed ${tarballs[0]}`);

  step = 'tarball contents';
  const files = run('tar', ['-tzf', tarball]).split('\n').filter(Boolean);
  const required = [
    'package/package.json',
    'package/README.md',
    'package/LICENSE',
    'package/dist/src/index.js',
    'package/dist/src/index.d.ts',
    'package/dist/src/cli.js',
    'package/openapi/openapi.json',
    'package/src/index.ts',
    'package/dist/ui/index.html',
    'package/dist/ui/assets/app.js',
    'package/dist/ui/assets/app.css',
  ];
  const missing = required.filter((f) => !files.includes(f));
  if (missing.length > 0) fail(`the tarball lacks ${missing.join(', ')}`);
  if (!files.some((f) => /^package\/migrations\/\d+\.do\..+\.sql$/.test(f))) fail('the tarball has no migrations');
  const stray = files.filter((f) => /^package\/(test|bench|scripts|node_modules|\.ci|examples|dist\/test)\//.test(f));
  if (stray.length > 0) fail(`the tarball ships files it should not: ${stray.slice(0, 10).join(', ')}`);

  step = 'install';
  const project = join(scratchRoot, 'consumer');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'sms-mock-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  // Install scripts are skipped and better-sqlite3's native addon is put in place below: compiling it again takes
  // minutes. @types/node is what any TypeScript project on Node has (Fastify's declarations need it too).
  run(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      `@types/node@${versionIn(root, '@types/node')}`,
    ],
    { cwd: project, timeout: 5 * MINUTE },
  );
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const scripted = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path]) => path.replace(/^.*node_modules\//, ''));
  const unexpected = scripted.filter((name) => name !== 'better-sqlite3');
  if (unexpected.length > 0) fail(`packages whose install scripts this test skips without a stand-in: ${unexpected}`);
  log(`installed ${tarballs[0]} into ${project}`);

  step = 'native addon';
  const installed = versionIn(project, 'better-sqlite3');
  const built = join(root, 'node_modules', 'better-sqlite3', 'build');
  // Sound because the addon depends only on better-sqlite3's own sources (same version), the Node ABI and the
  // platform (the same node binary runs both): the copy is what its install script would have produced here.
  if (installed === versionIn(root, 'better-sqlite3') && existsSync(join(built, 'Release', 'better_sqlite3.node'))) {
    cpSync(built, join(project, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
    log(`better-sqlite3 ${installed}: native addon copied from this checkout`);
  } else {
    log(`better-sqlite3 ${installed} differs from this checkout's: running its install script (may compile)`);
    run('npm', ['rebuild', 'better-sqlite3'], { cwd: project, timeout: 8 * MINUTE });
  }

  step = 'declarations';
  // Augmenting Fastify's types from the package would change every consumer's own FastifyRequest/FastifyInstance.
  const declarations = join(project, 'node_modules', 'sms-mock', 'dist');
  const augmenting = readdirSync(declarations, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.d.ts'))
    .filter((file) => /declare module ['"]fastify['"]/.test(readFileSync(join(declarations, file), 'utf8')));
  if (augmenting.length > 0) fail(`declarations augment Fastify's types: ${augmenting.join(', ')}`);
  log('no declaration augments Fastify');

  step = 'type-check';
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          outDir: 'out',
        },
        files: ['consumer.ts'],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(project, 'consumer.ts'),
    `// A project's test code, using sms-mock by its package name.
import { type JournalEntry, type MockOptions, type SmsMock, startMock } from 'sms-mock';

// The project's own Fastify app decorates its requests as fastify-raw-body does: sms-mock's declarations must not
// have declared these names already (with skipLibCheck off, two declarations of different types fail the build).
declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string | Buffer;
    startedAt: Date;
  }
  interface FastifyInstance {
    mock: { project: string };
    store: string;
  }
}

const options: MockOptions = { seed: [{ id: 'task-1', name: 'web-01', state: 'READY' }] };
const sms: SmsMock = await startMock(options);
try {
  const response = await fetch(\`\${sms.url}/v3/tasks/task-1\`, { headers: { 'x-auth-token': 'local' } });
  const body = (await response.json()) as { id?: unknown; name?: unknown; state?: unknown };
  const entries: JournalEntry[] = await sms.journal.wait({ operation: 'ShowTask', count: 1, timeoutMs: 5000 });
  const seen = JSON.stringify({ status: response.status, id: body.id, name: body.name, state: body.state });
  if (seen !== '{"status":200,"id":"task-1","name":"web-01","state":"READY"}' || entries.length !== 1) {
    throw new Error(\`unexpected ShowTask: \${seen}, \${entries.length} journal entries\`);
  }
  process.stdout.write('consumer: ok\\n');
} finally {
  await sms.close();
}
`,
  );
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: project,
  });
  log('consumer.ts type-checks against the installed declarations (skipLibCheck: false)');

  step = 'startMock';
  const consumerOutput = run(process.execPath, ['out/consumer.js'], { cwd: project, timeout: MINUTE });
  if (!consumerOutput.includes('consumer: ok')) fail('the consumer did not finish', consumerOutput);
  log('startMock() from the installed package served ShowTask');

  step = 'npx sms-mock';
  const portFile = join(scratchRoot, 'port');
  // Its own process group: npx runs the command under a shell, and a signal to npx alone does not reach the server.
  server = spawn('npx', ['sms-mock', '--port', '0', '--db', ':memory:', '--port-file', portFile], {
    cwd: project,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (chunk) => {
    serverOutput += chunk;
  });
  server.stderr.on('data', (chunk) => {
    serverOutput += chunk;
  });
  let exited = false;
  server.on('exit', () => {
    exited = true;
  });
  const port = await until('the port file', MINUTE, () => {
    if (exited) fail('sms-mock exited before it listened', serverOutput);
    const text = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  });
  const base = `http://127.0.0.1:${port}`;
  const health = await until('GET /_mock/health', 30_000, async () => {
    try {
      const response = await fetch(`${base}/_mock/health`, { signal: AbortSignal.timeout(5000) });
      return { status: response.status, body: await response.json() };
    } catch {
      return undefined;
    }
  });
  if (health.status !== 200 || health.body.status !== 'ok') fail(`health: ${JSON.stringify(health)}`, serverOutput);
  log(`npx sms-mock listens on ${base}`);

  const response = await fetch(`${base}/v3/tasks/no-such-task`, {
    headers: { 'x-auth-token': 'local' },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const expected = JSON.stringify({
    error_code: 'SMS.2003',
    error_msg: 'The migration task does not exist: no-such-task',
  });
  if (response.status !== 404 || text !== expected || !response.headers.get('x-request-id')) {
    fail(`ShowTask of an unknown task: ${response.status} ${text}`, serverOutput);
  }
  log('ShowTask of an unknown task: 404 SMS.2003');

  step = 'dashboard';
  // The page and its assets come from the installed package: nothing of them is fetched elsewhere.
  for (const [path, type] of [
    ['/_mock/ui/', 'text/html'],
    ['/_mock/ui/assets/app.js', 'application/javascript'],
    ['/_mock/ui/assets/app.css', 'text/css'],
  ]) {
    const asset = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
    const size = (await asset.arrayBuffer()).byteLength;
    if (asset.status !== 200 || !asset.headers.get('content-type')?.startsWith(type) || size === 0) {
      fail(`the dashboard's ${path}: ${asset.status} ${asset.headers.get('content-type')} ${size} bytes`, serverOutput);
    }
  }
  log('the dashboard is served from the installed package');

  step = 'SIGTERM';
  process.kill(-server.pid, 'SIGTERM');
  await until('every process of npx sms-mock gone after SIGTERM', 30_000, () =>
    groupAlive(server.pid) ? undefined : true,
  );
  const refused = await fetch(`${base}/_mock/health`, { signal: AbortSignal.timeout(5000) }).then(
    () => false,
    () => true,
  );
  if (!refused) fail('the port still answers after SIGTERM', serverOutput);
  const errors = serverOutput.split('\n').filter((line) => /"level":(5|6)\d/.test(line));
  if (errors.length > 0) fail('sms-mock logged errors', serverOutput);
  log('stopped by SIGTERM');
  log('ok');
} catch (error) {
  process.exitCode = 1;
  const message = error instanceof Failure ? error.message : (error?.stack ?? String(error));
  process.stderr.write(`pack-test: FAILED at "${step}": ${message}\n`);
  if (serverOutput && !(error instanceof Failure && error.message.includes(serverOutput.trimEnd()))) {
    process.stderr.write(`--- sms-mock output ---\n${serverOutput}\n`);
  }
} finally {
  if (server && groupAlive(server.pid)) process.kill(-server.pid, 'SIGKILL');
  if (keep) log(`kept ${scratchRoot}`);
  else rmSync(scratchRoot, { recursive: true, force: true });
}
