-- The simulated agent: what it needs to go on migrating a task that no real agent serves, from where it stopped.
-- Where a task stands is a function of the mock clock; these columns hold the point up to which it was worked out.

CREATE TABLE simulations (
  task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  -- The task's own profile as JSON; null: the default profile of the moment.
  profile TEXT,
  -- When the next sample is due (mock clock, ms); null while the task is not being migrated by the simulation.
  next_sample_at INTEGER,
  -- When the last sample was taken, or the task started: the next sample covers the time from then.
  previous_sample_at INTEGER,
  -- Samples the simulation wrote for this task: the position in its random stream.
  step INTEGER NOT NULL DEFAULT 0,
  -- The subtask being worked on, and how far: milliseconds spent, and for a data subtask bytes moved.
  subtask_id TEXT,
  subtask_elapsed_ms INTEGER NOT NULL DEFAULT 0,
  subtask_bytes INTEGER NOT NULL DEFAULT 0,
  -- When the profile's staged failure happened (it happens once per task); null until then.
  failed_at INTEGER,
  -- When a real agent took the task over (it polled for its server's commands, or reported progress): from then on
  -- the simulation leaves the task alone.
  handed_over_at INTEGER
) STRICT;

CREATE INDEX simulations_due ON simulations (next_sample_at) WHERE next_sample_at IS NOT NULL;
