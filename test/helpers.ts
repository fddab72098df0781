// Every test helper from one module: the app under test (helpers/app.ts) and what tests send and read
// (helpers/fixtures.ts).
export * from './helpers/app.js';
export * from './helpers/fixtures.js';
