-- The agent's side of the service: the command a source server's agent is handed until it reports the result, when
-- a real agent last polled for its commands, and each task's certificates and private keys, made once and kept for
-- the task's life.

-- START, STOP, SKIP or PREMIGRATE: handed out by ShowCommand until UpdateCommandResult reports it; null when none.
ALTER TABLE tasks ADD COLUMN agent_command TEXT;

-- When an agent last polled ShowCommand for this server (mock clock, ms); null when none ever did.
ALTER TABLE sources ADD COLUMN agent_polled_at INTEGER;

-- One row per task and kind (with_ca 1: issued by a CA of the task's own, 0: self-signed), PEM text as ShowCertKey
-- answers it.
CREATE TABLE task_keys (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  with_ca INTEGER NOT NULL,
  cert TEXT NOT NULL,
  private_key TEXT NOT NULL,
  ca TEXT,
  target_mgmt_cert TEXT NOT NULL,
  target_mgmt_private_key TEXT NOT NULL,
  target_data_cert TEXT NOT NULL,
  target_data_private_key TEXT NOT NULL,
  PRIMARY KEY (task_id, with_ca)
) STRICT, WITHOUT ROWID;
