// The recorded requests of the official Python SDK (test/fixtures/sdk-captures), loaded for replay.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Capture {
  file: string;
  label: string;
  method: string;
  path: string;
  headers: [string, string][];
  body_text: string;
  body_b64: string;
  signature_check: {
    signed_headers: string[];
    signature: string;
    canonical_request: string;
    string_to_sign: string;
    match: boolean;
  };
}

export const CAPTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sdk-captures');

/** The client's credentials when the captures were recorded. */
export const CAPTURE_AK = 'TESTAK0000000000FAKE';
export const CAPTURE_SK = 'TESTSK00000000000000000000000000000000FAKE';

export function loadCaptures(): Capture[] {
  return readdirSync(CAPTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(CAPTURE_DIR, file), 'utf8')) as Omit<Capture, 'file'>) }));
}

/** Headers as Node presents them: lower-case names. */
export function headerObject(capture: Capture): Record<string, string> {
  return Object.fromEntries(capture.headers.map(([name, value]) => [name.toLowerCase(), value]));
}

export function header(capture: Capture, name: string): string | undefined {
  return capture.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** The task id a capture's path names, decoded. */
export function captureTaskId(capture: Capture): string | undefined {
  const match = /^\/v3\/tasks\/([^/?]+)(?:\/progress)?$/.exec(capture.path);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}
