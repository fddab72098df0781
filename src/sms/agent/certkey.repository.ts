// SQL for a task's certificates and private keys (ShowCertKey): one bundle per task and kind, made once and kept for
// the task's life (task_keys, deleted with the task by its foreign key). Synchronous, prepared once per connection,
// run in the caller's transaction (the write queue's) for writes.
import type { Db } from '../../db/database.js';

/** What ShowCertKey answers: PEM certificates and PKCS#8 private keys; `ca` null for self-signed certificates. */
export interface CertKeyBundle {
  cert: string;
  private_key: string;
  ca: string | null;
  target_mgmt_cert: string;
  target_mgmt_private_key: string;
  target_data_cert: string;
  target_data_private_key: string;
}

/** What a task has of a kind of bundle, and what a new one is made from. */
export interface StoredCertKeys {
  /** The bundle kept for the task; null when none was made yet. */
  readonly bundle: CertKeyBundle | null;
  /** The task's target_server.ip as stored, null when it has none. */
  readonly targetIp: string | null;
}

export interface CertKeyRepository {
  /** The task's bundle of this kind and its target's IP, or undefined when the task does not exist. */
  find(taskId: string, withCa: boolean): StoredCertKeys | undefined;
  /**
   * Keeps `candidate` as the task's bundle of this kind unless it has one already; answers the bundle it has after
   * that, or undefined when the task does not exist.
   */
  keep(taskId: string, withCa: boolean, candidate: CertKeyBundle): CertKeyBundle | undefined;
}

const BUNDLE_COLUMNS =
  'cert, private_key, ca, target_mgmt_cert, target_mgmt_private_key, target_data_cert, target_data_private_key';

type BundleRow = { [K in keyof CertKeyBundle]: CertKeyBundle[K] | null };

function bundleOf(row: BundleRow): CertKeyBundle | null {
  if (row.cert === null) return null;
  return {
    cert: row.cert,
    private_key: row.private_key as string,
    ca: row.ca,
    target_mgmt_cert: row.target_mgmt_cert as string,
    target_mgmt_private_key: row.target_mgmt_private_key as string,
    target_data_cert: row.target_data_cert as string,
    target_data_private_key: row.target_data_private_key as string,
  };
}

export function createCertKeyRepository(db: Db): CertKeyRepository {
  // One statement answers whether the task exists, what it keeps and its target's IP: a task without a bundle of
  // this kind gives one row of nulls for the bundle.
  const selectStored = db.prepare(
    `SELECT json_extract(t.target_server, '$.ip') AS target_ip, k.cert, k.private_key, k.ca, k.target_mgmt_cert,
       k.target_mgmt_private_key, k.target_data_cert, k.target_data_private_key
     FROM tasks t LEFT JOIN task_keys k ON k.task_id = t.id AND k.with_ca = ?
     WHERE t.id = ?`,
  );
  // Inserted only for a task that exists (no foreign key error for one deleted meanwhile), and never over a bundle
  // made first by another request.
  const insertBundle = db.prepare(
    `INSERT INTO task_keys (task_id, with_ca, ${BUNDLE_COLUMNS})
     SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM tasks WHERE id = ?
     ON CONFLICT (task_id, with_ca) DO NOTHING`,
  );
  const selectBundle = db.prepare(`SELECT ${BUNDLE_COLUMNS} FROM task_keys WHERE task_id = ? AND with_ca = ?`);

  return {
    find(taskId, withCa) {
      const row = selectStored.get(withCa ? 1 : 0, taskId) as (BundleRow & { target_ip: unknown }) | undefined;
      if (row === undefined) return undefined;
      return { bundle: bundleOf(row), targetIp: typeof row.target_ip === 'string' ? row.target_ip : null };
    },

    keep(taskId, withCa, candidate) {
      const flag = withCa ? 1 : 0;
      insertBundle.run(
        flag,
        candidate.cert,
        candidate.private_key,
        candidate.ca,
        candidate.target_mgmt_cert,
        candidate.target_mgmt_private_key,
        candidate.target_data_cert,
        candidate.target_data_private_key,
        taskId,
      );
      const row = selectBundle.get(taskId, flag) as BundleRow | undefined;
      return row === undefined ? undefined : (bundleOf(row) ?? undefined);
    },
  };
}
