// Writes the OpenAPI document built from the route schemas to openapi/openapi.json (`npm run gen:openapi`).
// test/openapi.test.ts fails when the committed file differs from what the routes produce.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { DEFAULTS } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

/** The document as the routes describe it, formatted as committed. */
export async function renderOpenApi(): Promise<string> {
  const db = openDatabase({ path: ':memory:' });
  const app = await buildApp({ config: DEFAULTS, db });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    db.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(OPENAPI_FILE, await renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}
