// The package's own name and version, read from package.json (found from src/ and from dist/src/ alike).
import { readFileSync } from 'node:fs';

function findPackage(): { name: string; version: string } {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sms-mock' && pkg.version) return { name: pkg.name, version: pkg.version };
    } catch {
      // not at this level
    }
  }
  return { name: 'sms-mock', version: '0.0.0' };
}

export const PACKAGE = findPackage();
