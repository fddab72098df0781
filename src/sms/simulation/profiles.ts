// How the simulated agent migrates: the link profiles (how fast, how steady), a chosen failure, and how long the
// subtasks that copy no data take. A profile is named by a preset and may override any of its figures; what the
// control API, startMock(), the CLI flag and the seed file take is a ProfileInput, what they show is a Profile.
import { isDataSubtask } from '../tasks/plans.js';

export const PRESETS = ['lan', 'wan', 'flaky', 'fail', 'manual'] as const;
export type PresetName = (typeof PRESETS)[number];

/** A failure the simulation stages: the task fails once `subtask` reaches `percent`. */
export interface Failure {
  /** A subtask name, or `data` for the task's first data subtask (MIGRATE_* or SYNC_*). */
  readonly subtask: string;
  /** 0-99: the progress the subtask stands frozen at. */
  readonly percent: number;
  /** The error code error_json carries. */
  readonly error_code: string;
  /** error_json's error_param: a JSON array as a string, as the real service writes it. */
  readonly error_param: string;
}

export interface Profile {
  readonly profile: PresetName;
  /** The link's throughput, Mbit/s, before jitter, drops and limits. */
  readonly throughput_mbps: number;
  /** How far a sample's throughput strays from it, each way, as a fraction (0.1: ±10 %). */
  readonly jitter: number;
  /** The chance that a sample's throughput drops, and to what fraction of the link at most (flaky links). */
  readonly drop_probability: number;
  readonly drop_to: number;
  /** The chance that a sample moves nothing at all: the link stalls. */
  readonly stall_probability: number;
  /** Seconds of mock time between two samples (what an agent reports at). */
  readonly sample_interval_s: number;
  /** Multiplies how long the subtasks that copy no data take (0.1: ten times faster). */
  readonly duration_scale: number;
  /** Seeds the samples' randomness: the same seed, profile and clock give the same samples. */
  readonly seed: number;
  readonly fail: Failure | null;
}

/** A profile as given: a preset's name and any figures to set differently. */
export type ProfileInput = { readonly profile: PresetName } & Partial<Omit<Profile, 'profile' | 'fail'>> & {
    readonly fail?: Partial<Failure> | null;
  };

const STEADY = { drop_probability: 0, drop_to: 1, stall_probability: 0 } as const;

/** The failure the `fail` preset stages: a field case (the agent image attach stuck at 90 %, SMS.1404). */
export const DEFAULT_FAILURE: Failure = {
  subtask: 'ATTACH_AGENT_IMAGE',
  percent: 90,
  error_code: 'SMS.1404',
  error_param: '[]',
};

const BASE = { sample_interval_s: 10, duration_scale: 1, seed: 1, fail: null } as const;

/** The presets: a fast LAN, a slow WAN, a flaky link, a LAN that fails, and manual (nothing simulated). */
export const PRESET_PROFILES: Readonly<Record<PresetName, Profile>> = {
  lan: { profile: 'lan', throughput_mbps: 800, jitter: 0.1, ...STEADY, ...BASE },
  wan: { profile: 'wan', throughput_mbps: 40, jitter: 0.25, ...STEADY, ...BASE },
  flaky: {
    profile: 'flaky',
    throughput_mbps: 200,
    jitter: 0.3,
    drop_probability: 0.25,
    drop_to: 0.3,
    stall_probability: 0.1,
    ...BASE,
  },
  fail: { profile: 'fail', throughput_mbps: 800, jitter: 0.1, ...STEADY, ...BASE, fail: DEFAULT_FAILURE },
  manual: { profile: 'manual', throughput_mbps: 0, jitter: 0, ...STEADY, ...BASE },
};

export const DEFAULT_PROFILE: Profile = PRESET_PROFILES.lan;

/** A profile from its input: the preset's figures with the given ones over them. */
export function resolveProfile(input: ProfileInput): Profile {
  const preset = PRESET_PROFILES[input.profile];
  const { fail, ...figures } = input;
  const failure =
    fail === undefined ? preset.fail : fail === null ? null : { ...(preset.fail ?? DEFAULT_FAILURE), ...fail };
  return { ...preset, ...figures, fail: failure };
}

/**
 * How long each subtask that copies no data takes, in seconds of mock time at duration_scale 1. Measured: the agent
 * image attach (156 s) and the Windows disk format (20 s), from the v1 ListTasks example; the rest chosen so that a
 * small Linux server migrates in 10-20 minutes, as field reports say. Every one lasts at least a few samples, so a
 * client polling every 10 s sees each subtask run.
 */
export const SUBTASK_SECONDS: Readonly<Record<string, number>> = {
  CREATE_CLOUD_SERVER: 90,
  SSL_CONFIG: 30,
  ATTACH_AGENT_IMAGE: 156,
  FORMAT_DISK_WINDOWS: 20,
  FORMAT_DISK_LINUX: 30,
  FORMAT_DISK_LINUX_FILE: 30,
  FORMAT_DISK_LINUX_BLOCK: 30,
  CHECK_CONSISTENCY: 120,
  CONFIGURE_WINDOWS: 180,
  CONFIGURE_LINUX: 120,
  CONFIGURE_LINUX_FILE: 120,
  CONFIGURE_LINUX_BLOCK: 120,
  DETTACH_AGENT_IMAGE: 60,
  CLONE_VM: 180,
};

/** A subtask the table does not name (a seeded task's own) takes this long. */
export const OTHER_SUBTASK_SECONDS = 60;

/** How long a subtask that copies no data takes under this profile, in ms (at least one ms). */
export function subtaskDurationMs(name: string, profile: Profile): number {
  return Math.max(1, Math.round((SUBTASK_SECONDS[name] ?? OTHER_SUBTASK_SECONDS) * 1000 * profile.duration_scale));
}

/** Whether `failure` is staged at this subtask (by name, or `data` for the first data subtask of the run). */
export function failsAt(failure: Failure | null, name: string): boolean {
  if (failure === null) return false;
  return failure.subtask === name || (failure.subtask === 'data' && isDataSubtask(name));
}
