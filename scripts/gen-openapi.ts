// Writes the OpenAPI document built from the route schemas to openapi/openapi.json (`npm run gen:openapi`): the file
// the server serves. test/plugins/openapi.test.ts fails when it differs from what the routes produce.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { DEFAULTS } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { documentFromRoutes } from '../src/plugins/openapi.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

/** The document as the routes describe it, formatted as committed. */
export async function renderOpenApi(): Promise<string> {
  const db = openDatabase({ path: ':memory:' });
  try {
    const document = await documentFromRoutes(() => buildApp({ config: DEFAULTS, db }));
    return `${JSON.stringify(document, null, 2)}\n`;
  } finally {
    db.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(OPENAPI_FILE, await renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}
