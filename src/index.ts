// Public entry of the sms-mock package.
export { type AppConfig, type AppOptions, buildApp } from './app.js';
export { type Config, DEFAULTS, loadConfig } from './config.js';
export { ERROR_PRESETS, type FaultRule, type FaultRuleInput } from './control/faults.js';
export type { JournalEntry } from './control/journal.js';
export type { Core } from './core.js';
export { openDatabase } from './db/database.js';
export { type Clock, type ClockState, MockClock, systemClock } from './lib/clock.js';
export { ApiError, ERRORS } from './lib/errors.js';
export { type RunningServer, type StartOptions, startServer } from './server.js';
export { type MockOptions, type RequestFilter, type SmsMock, startMock } from './testing.js';
