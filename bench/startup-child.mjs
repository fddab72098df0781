// Run by the bench as a fresh node process, so nothing is loaded or compiled yet: how long importing sms-mock takes,
// then how long `await startMock()` takes to be ready. Prints one JSON line on stdout.
import { performance } from 'node:perf_hooks';

// performance.now() counts from the process's start: this is node's own boot, before any of sms-mock is read.
const bootMs = performance.now();
const { startMock } = await import('../dist/src/index.js');
const importMs = performance.now() - bootMs;
const before = performance.now();
const sms = await startMock();
const readyMs = performance.now() - before;
// After the timing, so the first fetch's own cost stays out of it: ready must mean answering.
const response = await fetch(`${sms.url}/_mock/health`);
await response.arrayBuffer();
await sms.close();
process.stdout.write(`${JSON.stringify({ bootMs, importMs, readyMs, healthStatus: response.status })}\n`);
