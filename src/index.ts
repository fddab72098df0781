// Public entry of the sms-mock package.
export { type AppConfig, type AppOptions, buildApp } from './app.js';
export { type Clock, systemClock } from './clock.js';
export { type Config, DEFAULTS, loadConfig } from './config.js';
export { openDatabase } from './db/database.js';
export { ApiError, ERRORS } from './errors.js';
export { type RunningServer, type StartOptions, startServer } from './server.js';
