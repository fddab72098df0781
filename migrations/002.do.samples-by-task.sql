-- Progress samples stored in task order: keyed by (task_id, seq) in a table without rowid, so a report writes one
-- b-tree instead of a table and an index, a task's samples are read in key order, and emptying the table frees half
-- the pages it did. seq counts within a task from 1; the samples already stored keep their order.

CREATE TABLE progress_samples_new (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
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
  agent_time TEXT,
  PRIMARY KEY (task_id, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO progress_samples_new
SELECT task_id, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY seq), received_at, subtask_name, progress,
       replicatesize, totalsize, process_trace, migrate_speed, compress_rate, remain_time, total_cpu_usage,
       agent_cpu_usage, total_mem_usage, agent_mem_usage, total_disk_io, agent_disk_io, need_migration_test,
       agent_time
FROM progress_samples;

DROP TABLE progress_samples;
ALTER TABLE progress_samples_new RENAME TO progress_samples;
