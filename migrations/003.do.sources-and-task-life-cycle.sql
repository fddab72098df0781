-- Source servers as RegisterServer stored them, the link from a task to its source server, and what the task life
-- cycle keeps beside a task: its speed-limit rules, its configuration settings, and the task fields CreateTask takes
-- that ShowTask did not store before.

CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  ip TEXT,
  ipv6 TEXT,
  -- The first network's MAC: with the name, how a machine registering again is recognised.
  first_mac TEXT,
  os_type TEXT,
  state TEXT NOT NULL,
  migration_cycle TEXT,
  connected INTEGER NOT NULL DEFAULT 0,
  enterprise_project_id TEXT,
  migprojectid TEXT,
  add_date INTEGER NOT NULL,
  last_visit_time INTEGER,
  state_action_time INTEGER,
  stage_action_time INTEGER,
  -- The registration body (disks, networks, volume groups, OS-specific fields) as JSON text, int64 kept exact.
  registration TEXT NOT NULL
) STRICT;

CREATE INDEX sources_by_identity ON sources (name, first_mac);

-- The source server a task migrates, read from the task's own source_server document: one place holds the link.
ALTER TABLE tasks ADD COLUMN source_server_id TEXT GENERATED ALWAYS AS (json_extract(source_server, '$.id')) VIRTUAL;
CREATE INDEX tasks_by_source ON tasks (source_server_id);

ALTER TABLE tasks ADD COLUMN syncing INTEGER;
ALTER TABLE tasks ADD COLUMN auto_start INTEGER;
ALTER TABLE tasks ADD COLUMN start_network_check INTEGER;
ALTER TABLE tasks ADD COLUMN over_speed_threshold REAL;
ALTER TABLE tasks ADD COLUMN is_need_consistency_check INTEGER;
ALTER TABLE tasks ADD COLUMN clonevm_template_id TEXT;
ALTER TABLE tasks ADD COLUMN log_collect_status TEXT;
-- Whether the target was launched (test or cutover) while the task was in continuous sync.
ALTER TABLE tasks ADD COLUMN launched INTEGER;
-- The task's passphrase, made once when it is first asked for and kept for the task's life.
ALTER TABLE tasks ADD COLUMN passphrase TEXT;

-- Subtask ids are numbered across all tasks: the next one is read from the highest, which this index answers.
CREATE INDEX sub_tasks_by_id ON sub_tasks (id);

CREATE TABLE task_speed_limits (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  speed INTEGER,
  over_speed_threshold REAL,
  PRIMARY KEY (task_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE task_configurations (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  config_key TEXT NOT NULL,
  config_value TEXT,
  config_status TEXT,
  PRIMARY KEY (task_id, position)
) STRICT, WITHOUT ROWID;
