// ShowCertKey: the certificates and private keys an agent uses to secure the channel between source and target. Made
// on a task's first request and kept for its life, the same bytes on every later call. With enable_ca_cert, a CA of
// the task's own issues the source's certificate (TLS client authentication) and the target's management and data
// certificates (TLS server authentication); without it, each certificate is self-signed and `ca` is null.
import { isIP } from 'node:net';
import type { Db } from '../../db/database.js';
import type { WriteQueue } from '../../db/write-queue.js';
import { createAuthority, createSelfSigned } from '../../lib/certificates.js';
import { ApiError } from '../../lib/errors.js';
import { type CertKeyBundle, type CertKeyRepository, createCertKeyRepository } from './certkey.repository.js';

export type { CertKeyBundle } from './certkey.repository.js';

/** What a task's bundle is made from. */
export interface BundleRequest {
  readonly taskId: string;
  /** Issued by a CA of the task's own (returned as `ca`), or self-signed. */
  readonly withCa: boolean;
  /** The task's target_server.ip when it is an IP address: the target certificates name it too. */
  readonly targetIp: string | undefined;
}

export interface CertKeyService {
  /** The ShowCertKey body: the task's bundle of this kind, made on the first request. */
  certKey(taskId: string, withCa: boolean): Promise<CertKeyBundle>;
}

export interface CertKeyOptions {
  readonly db: Db;
  readonly writes: WriteQueue;
  /** Makes a new bundle; real certificates by default. */
  readonly newBundle?: (request: BundleRequest) => Promise<CertKeyBundle>;
}

/** Where an agent prototype runs its target side on the same machine: the target certificates name these. */
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** A new bundle: EC P-256 keys, certificates valid for ten years (see lib/certificates.ts). */
export async function makeBundle({ taskId, withCa, targetIp }: BundleRequest): Promise<CertKeyBundle> {
  const hosts = targetIp === undefined ? LOCAL_HOSTS : [...LOCAL_HOSTS, targetIp];
  const source = { commonName: 'SMS source', unit: taskId, usage: 'client' } as const;
  const management = { commonName: 'SMS target management', unit: taskId, usage: 'server', hosts } as const;
  const data = { commonName: 'SMS target data', unit: taskId, usage: 'server', hosts } as const;
  let ca: string | null = null;
  let issue = createSelfSigned;
  if (withCa) {
    const authority = await createAuthority('SMS task CA', { unit: taskId });
    ca = authority.cert;
    issue = (profile) => authority.issue(profile);
  }
  const [sourcePair, managementPair, dataPair] = await Promise.all([issue(source), issue(management), issue(data)]);
  return {
    cert: sourcePair.cert,
    private_key: sourcePair.key,
    ca,
    target_mgmt_cert: managementPair.cert,
    target_mgmt_private_key: managementPair.key,
    target_data_cert: dataPair.cert,
    target_data_private_key: dataPair.key,
  };
}

export function createCertKeyService({ db, writes, newBundle = makeBundle }: CertKeyOptions): CertKeyService {
  const keys: CertKeyRepository = createCertKeyRepository(db);
  /** Bundles being made, by kind and task: first requests that arrive together wait for one. */
  const making = new Map<string, Promise<CertKeyBundle>>();

  /**
   * Made outside the write queue (tens of milliseconds of work that would hold up every write behind it), then kept
   * in a write unless another request kept one first: what is answered is always what is stored.
   */
  const make = async (taskId: string, withCa: boolean, targetIp: string | null): Promise<CertKeyBundle> => {
    const candidate = await newBundle({
      taskId,
      withCa,
      targetIp: targetIp !== null && isIP(targetIp) !== 0 ? targetIp : undefined,
    });
    const kept = await writes.run(() => keys.keep(taskId, withCa, candidate));
    if (kept === undefined) throw new ApiError('taskNotFound', taskId);
    return kept;
  };

  return {
    async certKey(taskId, withCa) {
      const stored = keys.find(taskId, withCa);
      if (stored === undefined) throw new ApiError('taskNotFound', taskId);
      if (stored.bundle !== null) return stored.bundle;
      const key = `${withCa ? 'ca' : 'self'}:${taskId}`;
      let pending = making.get(key);
      if (pending === undefined) {
        pending = make(taskId, withCa, stored.targetIp).finally(() => making.delete(key));
        making.set(key, pending);
      }
      return pending;
    },
  };
}
