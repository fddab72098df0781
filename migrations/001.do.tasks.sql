-- Tasks as ShowTask returns them, their subtasks, and every progress report an agent sent.
-- Nested documents (source/target/clone server, network check) are stored as JSON text, written with int64 kept exact.

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  name TEXT,
  type TEXT,
  os_type TEXT,
  priority INTEGER,
  speed_limit INTEGER,
  region_id TEXT,
  start_target_server INTEGER,
  enterprise_project_id TEXT,
  migration_ip TEXT,
  region_name TEXT,
  project_name TEXT,
  project_id TEXT,
  vm_template_id TEXT,
  source_server TEXT,
  target_server TEXT,
  state TEXT,
  estimate_complete_time INTEGER,
  connected INTEGER,
  create_date INTEGER,
  start_date INTEGER,
  finish_date INTEGER,
  migrate_speed REAL,
  compress_rate REAL,
  error_json TEXT,
  total_time INTEGER,
  float_ip TEXT,
  remain_seconds INTEGER,
  target_snapshot_id TEXT,
  clone_server TEXT,
  network_check_info TEXT,
  total_cpu_usage REAL,
  agent_cpu_usage REAL,
  total_mem_usage REAL,
  agent_mem_usage REAL,
  total_disk_io REAL,
  agent_disk_io REAL,
  need_migration_test INTEGER,
  subtask_info TEXT,
  -- Accepted by UpdateTask, not part of the ShowTask body.
  exist_server INTEGER,
  use_ipv6 INTEGER,
  use_public_ip INTEGER,
  target_disk_ids TEXT
) STRICT;

CREATE TABLE sub_tasks (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  id INTEGER NOT NULL,
  name TEXT,
  progress INTEGER NOT NULL DEFAULT 0,
  start_date INTEGER,
  end_date INTEGER,
  migrate_speed REAL,
  user_op TEXT,
  process_trace TEXT,
  PRIMARY KEY (task_id, id)
) STRICT;

CREATE INDEX sub_tasks_by_name ON sub_tasks (task_id, name, id);

CREATE TABLE progress_samples (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  received_at INTEGER NOT NULL,
  subtask_name TEXT NOT NULL,
  progress INTEGER NOT NULL,
  replicatesize INTEGER NOT NULL,
  totalsize INTEGER NOT NULL,
  process_trace TEXT NOT NULL,
  migrate_speed REAL,
  compress_rate REAL,
  remain_time INTEGER,
  total_cpu_usage REAL,
  agent_cpu_usage REAL,
  total_mem_usage REAL,
  agent_mem_usage REAL,
  total_disk_io REAL,
  agent_disk_io REAL,
  need_migration_test INTEGER,
  agent_time TEXT
) STRICT;

CREATE INDEX progress_samples_by_task ON progress_samples (task_id, seq);
