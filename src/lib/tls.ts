// HTTPS for the mock itself: a certificate made at start, issued by a CA made at start that clients are told to
// trust, or a certificate and key given as PEM. Checked before the server listens, so that a bad pair stops the start
// with a sentence rather than failing every handshake.
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { createAuthority } from './certificates.js';

/** What the server serves HTTPS with. */
export interface ServerCredentials {
  /** PEM certificate, or a chain: the server's certificate first. */
  readonly cert: string | Buffer;
  /** PEM private key of that certificate. */
  readonly key: string | Buffer;
  /** The CA certificate (PEM) that issued `cert`, when it was made at start; clients trust it. */
  readonly ca: string | undefined;
}

/** A --host that means every interface: clients reach it by the machine's name or an address, not by this. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The names the certificate made at start answers for: localhost and the loopback addresses (what a local client
 * uses), and the host the server listens on, or the machine's name when it listens on every interface.
 */
export function serverHosts(host: string): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1'];
  const bare = host.replace(/^\[|\]$/g, '');
  const named = WILDCARDS.has(bare) ? hostname() : bare;
  if (named !== '' && !hosts.includes(named)) hosts.push(named);
  return hosts;
}

/** A CA made now and the server certificate it issues for `serverHosts(host)`. */
export async function generateServerCredentials(host: string): Promise<ServerCredentials> {
  const authority = await createAuthority('sms-mock local CA');
  const server = await authority.issue({ commonName: 'sms-mock', usage: 'server', hosts: serverHosts(host) });
  return { cert: server.cert, key: server.key, ca: authority.cert };
}

/** Why a certificate and key cannot serve TLS, as OpenSSL says it, or undefined when they can. */
export function credentialsProblem(cert: string | Buffer, key: string | Buffer): string | undefined {
  try {
    createSecureContext({ cert, key });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Where the command writes the CA made at start unless told otherwise: the OS temp folder, named by the process,
 * so that two servers never share one (the file is removed when the server stops).
 */
export function defaultCaFile(): string {
  return join(tmpdir(), `sms-mock-${process.pid}-ca.pem`);
}
