import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const workers = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // better-sqlite3 is a native addon: keep test files in forked processes, not worker threads.
    pool: 'forks',
    // A fork runs many test files and keeps the modules they share (Fastify, Ajv and the compiled schemas) loaded:
    // loading them again for every file took longer than most files' tests. Test files keep no state in shared
    // modules; each builds its own app (test/helpers/app.ts).
    isolate: false,
    // Files spend much of their time waiting on child processes, sockets and timers: run at least two at once, even
    // on two cores, where the default would be one. As many forks from the start: with isolation off, a fork the pool
    // let go of as idle could be ended while it still had a file to run.
    maxWorkers: workers,
    minWorkers: workers,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
