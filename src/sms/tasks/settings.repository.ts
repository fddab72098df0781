// SQL for what a task keeps beside its own fields: its speed-limit rules, its configuration settings, the network
// check results the agent reports and its passphrase. Synchronous, prepared once per connection. It stores what it is
// told (which rules are valid and how settings merge is the service's to decide) and runs in the caller's
// transaction (the write queue's), never opening its own.
import type { Db } from '../../db/database.js';
import { stringifyJson } from '../../lib/json.js';

/** A speed limit for one time-of-day period, as stored and shown. */
export interface SpeedLimitRule {
  start: string;
  end: string;
  speed: number | null;
  over_speed_threshold: number | null;
}

/** A configuration setting, as stored and shown. */
export interface ConfigSetting {
  config_key: string;
  config_value: string;
  config_status: string | null;
}

/** The task fields its configuration settings are shown with. */
export interface TaskKind {
  readonly type: string | null;
  readonly os_type: string | null;
}

export interface TaskSettingsRepository {
  /** Whether the task exists. */
  exists(id: string): boolean;
  /** The task's speed-limit rules in their order, or undefined when the task does not exist. */
  speedLimits(id: string): SpeedLimitRule[] | undefined;
  /** Replaces the task's speed-limit rules with these, in this order. */
  replaceSpeedLimits(id: string, rules: readonly SpeedLimitRule[]): void;
  /**
   * The task's type and OS with its configuration settings in their order (only the one of `key` when given), or
   * undefined when the task does not exist.
   */
  configurations(id: string, key?: string): { kind: TaskKind; settings: ConfigSetting[] } | undefined;
  /** Replaces the task's configuration settings with these, in this order. */
  replaceConfigurations(id: string, settings: readonly ConfigSetting[]): void;
  /** Stores the task's network check results. False when the task does not exist. */
  setNetworkCheckInfo(id: string, info: object): boolean;
  /** The task's passphrase: null when it has none yet, undefined when the task does not exist. */
  passphrase(id: string): string | null | undefined;
  /**
   * Gives the task `candidate` as its passphrase unless it has one already; answers the passphrase it has after
   * that, or undefined when the task does not exist.
   */
  keepPassphrase(id: string, candidate: string): string | undefined;
}

interface SpeedLimitRow {
  task: string;
  start_time: string | null;
  end_time: string | null;
  speed: number | null;
  over_speed_threshold: number | null;
}

interface ConfigurationRow {
  type: string | null;
  os_type: string | null;
  config_key: string | null;
  config_value: string | null;
  config_status: string | null;
}

export function createTaskSettingsRepository(db: Db): TaskSettingsRepository {
  const selectExists = db.prepare('SELECT 1 FROM tasks WHERE id = ?').pluck();
  // One statement answers both whether the task exists and its rules: a task without rules gives one row of nulls.
  const selectSpeedLimits = db.prepare(
    `SELECT t.id AS task, s.start_time, s.end_time, s.speed, s.over_speed_threshold
     FROM tasks t LEFT JOIN task_speed_limits s ON s.task_id = t.id
     WHERE t.id = ? ORDER BY s.position`,
  );
  const deleteSpeedLimits = db.prepare('DELETE FROM task_speed_limits WHERE task_id = ?');
  const insertSpeedLimit = db.prepare(
    `INSERT INTO task_speed_limits (task_id, position, start_time, end_time, speed, over_speed_threshold)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const configurationsSql = (filter: string) =>
    `SELECT t.type, t.os_type, c.config_key, c.config_value, c.config_status
     FROM tasks t LEFT JOIN task_configurations c ON c.task_id = t.id${filter}
     WHERE t.id = ? ORDER BY c.position`;
  const selectConfigurations = db.prepare(configurationsSql(''));
  const selectConfiguration = db.prepare(configurationsSql(' AND c.config_key = ?'));
  const deleteConfigurations = db.prepare('DELETE FROM task_configurations WHERE task_id = ?');
  const insertConfiguration = db.prepare(
    `INSERT INTO task_configurations (task_id, position, config_key, config_value, config_status)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const updateNetworkCheckInfo = db.prepare('UPDATE tasks SET network_check_info = ? WHERE id = ?');
  const selectPassphrase = db.prepare('SELECT passphrase FROM tasks WHERE id = ?').pluck();
  const updatePassphrase = db
    .prepare('UPDATE tasks SET passphrase = COALESCE(passphrase, ?) WHERE id = ? RETURNING passphrase')
    .pluck();

  return {
    exists(id) {
      return selectExists.get(id) !== undefined;
    },

    speedLimits(id) {
      const rows = selectSpeedLimits.all(id) as SpeedLimitRow[];
      if (rows.length === 0) return undefined;
      const rules: SpeedLimitRule[] = [];
      for (const row of rows) {
        if (row.start_time === null || row.end_time === null) continue;
        rules.push({
          start: row.start_time,
          end: row.end_time,
          speed: row.speed,
          over_speed_threshold: row.over_speed_threshold,
        });
      }
      return rules;
    },

    replaceSpeedLimits(id, rules) {
      deleteSpeedLimits.run(id);
      rules.forEach((rule, position) => {
        insertSpeedLimit.run(id, position, rule.start, rule.end, rule.speed, rule.over_speed_threshold);
      });
    },

    configurations(id, key) {
      const rows = (
        key === undefined ? selectConfigurations.all(id) : selectConfiguration.all(key, id)
      ) as ConfigurationRow[];
      const first = rows[0];
      if (first === undefined) return undefined;
      const settings: ConfigSetting[] = [];
      for (const row of rows) {
        if (row.config_key === null) continue;
        settings.push({
          config_key: row.config_key,
          config_value: row.config_value as string,
          config_status: row.config_status,
        });
      }
      return { kind: { type: first.type, os_type: first.os_type }, settings };
    },

    replaceConfigurations(id, settings) {
      deleteConfigurations.run(id);
      settings.forEach((setting, position) => {
        insertConfiguration.run(id, position, setting.config_key, setting.config_value, setting.config_status);
      });
    },

    setNetworkCheckInfo(id, info) {
      return updateNetworkCheckInfo.run(stringifyJson(info), id).changes > 0;
    },

    passphrase(id) {
      const rows = selectPassphrase.all(id) as (string | null)[];
      return rows.length === 0 ? undefined : (rows[0] ?? null);
    },

    keepPassphrase(id, candidate) {
      return updatePassphrase.get(candidate, id) as string | undefined;
    },
  };
}
