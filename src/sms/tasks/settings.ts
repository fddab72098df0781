// The rules of a task's settings: its speed-limit rules (ShowsSpeedLimits, UpdateSpeed), its configuration settings
// (ShowConfigSetting, UploadSpecialConfigurationSetting), the network check results the agent reports
// (UpdateNetworkCheckInfo) and its passphrase (ShowPassphrase). Each write runs in one transaction of the write queue,
// which also answers whether the task exists.
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.js';
import type { WriteQueue } from '../../db/write-queue.js';
import { ApiError } from '../../lib/errors.js';
import type {
  UpdateNetworkCheckInfoBody,
  UpdateSpeedBody,
  UploadSpecialConfigurationSettingBody,
} from '../../schemas/index.js';
import {
  type ConfigSetting,
  createTaskSettingsRepository,
  type SpeedLimitRule,
  type TaskKind,
  type TaskSettingsRepository,
} from './settings.repository.js';

/** What ShowConfigSetting answers. */
export interface ConfigSettingsBody {
  task_id: string;
  migrate_type: MigrateType | null;
  configurations: ConfigSetting[];
}

export interface TaskSettingsService {
  /** The ShowsSpeedLimits body. */
  speedLimits(id: string): { speed_limit: SpeedLimitRule[] };
  /** Replaces the task's speed-limit rules (UpdateSpeed). */
  setSpeedLimits(id: string, body: UpdateSpeedBody): Promise<void>;
  /** The ShowConfigSetting body, with only the setting of `key` when given. */
  configurations(id: string, key?: string): ConfigSettingsBody;
  /** Merges the given settings into the task's (UploadSpecialConfigurationSetting). */
  uploadConfigurations(id: string, body: UploadSpecialConfigurationSettingBody): Promise<void>;
  /** Stores the agent's network check results as the task's network_check_info (UpdateNetworkCheckInfo). */
  reportNetworkCheck(id: string, body: UpdateNetworkCheckInfoBody): Promise<void>;
  /** The task's passphrase, made on the first read and kept for the task's life (ShowPassphrase). */
  passphrase(id: string): Promise<string>;
}

export interface TaskSettingsOptions {
  readonly db: Db;
  readonly writes: WriteQueue;
  /** Makes a new passphrase; random by default. */
  readonly newPassphrase?: () => string;
}

/** The migration types ShowConfigSetting names: the task's OS and type together. */
const MIGRATE_TYPES = ['WINDOWS_MIGRATE_BLOCK', 'LINUX_MIGRATE_FILE', 'LINUX_MIGRATE_BLOCK'] as const;
export type MigrateType = (typeof MIGRATE_TYPES)[number];

/** The fields of the network check results, in ShowTask's order. */
const NETWORK_CHECK_FIELDS = [
  'domain_connectivity',
  'destination_connectivity',
  'network_delay',
  'network_jitter',
  'migration_speed',
  'loss_percentage',
  'cpu_usage',
  'mem_usage',
  'evaluation_result',
] as const;

/** 24 random bytes as base64url: 32 characters of A-Z, a-z, 0-9, `-` and `_`. */
export function randomPassphrase(): string {
  return randomBytes(24).toString('base64url');
}

/** A time of day `H:MM` or `HH:MM` (the schema checked its form) as minutes since midnight; 24:00 is 1440. */
function minutes(time: string): number {
  const colon = time.indexOf(':');
  return Number(time.slice(0, colon)) * 60 + Number(time.slice(colon + 1));
}

/**
 * What is wrong with a set of speed-limit rules, as a sentence naming the rule, or undefined: a period must end after
 * it starts, and no two periods may share a minute (one may end when the next starts).
 */
export function speedLimitProblem(rules: readonly { start: string; end: string }[]): string | undefined {
  const periods = rules.map((rule) => [minutes(rule.start), minutes(rule.end)] as const);
  for (let i = 0; i < periods.length; i++) {
    const [start, end] = periods[i] as readonly [number, number];
    if (end <= start) return `speed_limit[${i}].end must be later than speed_limit[${i}].start`;
    for (let j = 0; j < i; j++) {
      const [otherStart, otherEnd] = periods[j] as readonly [number, number];
      if (start < otherEnd && otherStart < end) return `speed_limit[${i}] overlaps speed_limit[${j}]`;
    }
  }
  return undefined;
}

/** Where a list of settings names a key twice, as a sentence naming both places, or undefined. */
export function duplicateConfigKey(settings: readonly { config_key: string }[]): string | undefined {
  const seen = new Map<string, number>();
  for (let index = 0; index < settings.length; index++) {
    const key = (settings[index] as { config_key: string }).config_key;
    const first = seen.get(key);
    if (first !== undefined) {
      return `configurations[${index}].config_key duplicates configurations[${first}].config_key`;
    }
    seen.set(key, index);
  }
  return undefined;
}

/**
 * The settings after a POST: a key already set takes the new value and status in its place, a new key goes after
 * the others, keys not named stay as they were.
 */
export function mergeConfigurations(
  current: readonly ConfigSetting[],
  given: readonly ConfigSetting[],
): ConfigSetting[] {
  const merged = [...current];
  const places = new Map(merged.map((setting, index) => [setting.config_key, index]));
  for (const setting of given) {
    const place = places.get(setting.config_key);
    if (place === undefined) {
      places.set(setting.config_key, merged.length);
      merged.push(setting);
    } else {
      merged[place] = setting;
    }
  }
  return merged;
}

/** ShowConfigSetting's migrate_type: the task's OS and type (LINUX_MIGRATE_FILE), null for no documented pair. */
export function migrateType({ type, os_type }: TaskKind): MigrateType | null {
  if (type === null || os_type === null) return null;
  const name = `${os_type}_${type}`;
  return MIGRATE_TYPES.find((known) => known === name) ?? null;
}

export function createTaskSettingsService({
  db,
  writes,
  newPassphrase = randomPassphrase,
}: TaskSettingsOptions): TaskSettingsService {
  const settings: TaskSettingsRepository = createTaskSettingsRepository(db);

  return {
    speedLimits(id) {
      const rules = settings.speedLimits(id);
      if (rules === undefined) throw new ApiError('taskNotFound', id);
      return { speed_limit: rules };
    },

    setSpeedLimits(id, body) {
      const problem = speedLimitProblem(body.speed_limit);
      if (problem !== undefined) return Promise.reject(new ApiError('invalidParameter', problem));
      const rules: SpeedLimitRule[] = body.speed_limit.map((rule) => ({
        start: rule.start,
        end: rule.end,
        speed: rule.speed ?? null,
        over_speed_threshold: rule.over_speed_threshold ?? null,
      }));
      return writes.run(() => {
        if (!settings.exists(id)) throw new ApiError('taskNotFound', id);
        settings.replaceSpeedLimits(id, rules);
      });
    },

    configurations(id, key) {
      const found = settings.configurations(id, key);
      if (found === undefined) throw new ApiError('taskNotFound', id);
      return { task_id: id, migrate_type: migrateType(found.kind), configurations: found.settings };
    },

    uploadConfigurations(id, body) {
      const duplicate = duplicateConfigKey(body.configurations);
      if (duplicate !== undefined) return Promise.reject(new ApiError('invalidParameter', duplicate));
      const given: ConfigSetting[] = body.configurations.map((setting) => ({
        config_key: setting.config_key,
        config_value: setting.config_value,
        config_status: setting.config_status ?? null,
      }));
      return writes.run(() => {
        const current = settings.configurations(id);
        if (current === undefined) throw new ApiError('taskNotFound', id);
        settings.replaceConfigurations(id, mergeConfigurations(current.settings, given));
      });
    },

    reportNetworkCheck(id, body) {
      const info: Record<string, unknown> = {};
      for (const field of NETWORK_CHECK_FIELDS) if (body[field] !== undefined) info[field] = body[field];
      return writes.run(() => {
        if (!settings.setNetworkCheckInfo(id, info)) throw new ApiError('taskNotFound', id);
      });
    },

    async passphrase(id) {
      const stored = settings.passphrase(id);
      if (stored === undefined) throw new ApiError('taskNotFound', id);
      if (stored !== null) return stored;
      // The first read makes it. Two first reads at once both write; the second keeps what the first stored.
      const candidate = newPassphrase();
      const kept = await writes.run(() => settings.keepPassphrase(id, candidate));
      if (kept === undefined) throw new ApiError('taskNotFound', id);
      return kept;
    },
  };
}
