// The subtasks a new task runs, in order, as one table keyed by os_type, type and whether the target exists; the
// rules for syncing and the consistency check; the steps the service appends later (launch, incremental sync,
// clone). Evidence keys are those of the life-cycle facts (DOCv1, DOC, 3P, INF).

export const OS_TYPES = ['WINDOWS', 'LINUX'] as const;
export type OsType = (typeof OS_TYPES)[number];

export const MIGRATION_TYPES = ['MIGRATE_FILE', 'MIGRATE_BLOCK'] as const;
export type MigrationType = (typeof MIGRATION_TYPES)[number];

/** The subtask names of the SDK enum (GoSDK model_update_task_speed_req.go; note the vendor's DETTACH). */
export const SUBTASK_NAMES = [
  'CREATE_CLOUD_SERVER',
  'SSL_CONFIG',
  'ATTACH_AGENT_IMAGE',
  'DETTACH_AGENT_IMAGE',
  'FORMAT_DISK_LINUX',
  'FORMAT_DISK_LINUX_FILE',
  'FORMAT_DISK_LINUX_BLOCK',
  'FORMAT_DISK_WINDOWS',
  'MIGRATE_LINUX_FILE',
  'MIGRATE_LINUX_BLOCK',
  'MIGRATE_WINDOWS_BLOCK',
  'CLONE_VM',
  'SYNC_LINUX_FILE',
  'SYNC_LINUX_BLOCK',
  'SYNC_WINDOWS_BLOCK',
  'CONFIGURE_LINUX',
  'CONFIGURE_LINUX_BLOCK',
  'CONFIGURE_LINUX_FILE',
  'CONFIGURE_WINDOWS',
] as const;

/** A subtask a plan may hold: the enum, plus CHECK_CONSISTENCY, seen in the field though in no enum (3P). */
export type SubtaskName = (typeof SUBTASK_NAMES)[number] | 'CHECK_CONSISTENCY';

/** The consistency check `is_need_consistency_check` adds after the data subtask (3P field notes). */
export const CONSISTENCY_CHECK = 'CHECK_CONSISTENCY' satisfies SubtaskName;

/** The steps of one kind of migration (os_type and type) that the plans and the appended steps name. */
export interface Family {
  readonly osType: OsType;
  readonly type: MigrationType;
  /** The subtask copying the data. */
  readonly data: SubtaskName;
  /** Configure and detach: launching the target. Not in a syncing plan; test/cutover append them. */
  readonly launch: readonly SubtaskName[];
  /** The incremental sync a start after success appends. */
  readonly sync: SubtaskName;
  readonly source: string;
}

/** One row per kind of migration that exists. Windows migrates block-level only. */
export const FAMILIES: readonly Family[] = [
  {
    osType: 'WINDOWS',
    type: 'MIGRATE_BLOCK',
    data: 'MIGRATE_WINDOWS_BLOCK',
    launch: ['CONFIGURE_WINDOWS', 'DETTACH_AGENT_IMAGE'],
    sync: 'SYNC_WINDOWS_BLOCK',
    source: 'DOCv1 ShowTask/ListTasks examples; sync step from the console description, placement inferred',
  },
  {
    osType: 'LINUX',
    type: 'MIGRATE_FILE',
    data: 'MIGRATE_LINUX_FILE',
    launch: ['CONFIGURE_LINUX_FILE', 'DETTACH_AGENT_IMAGE'],
    sync: 'SYNC_LINUX_FILE',
    source: '3P field notes (ids 62466164919, 70850802709); sync step from the enum, placement inferred',
  },
  {
    osType: 'LINUX',
    type: 'MIGRATE_BLOCK',
    data: 'MIGRATE_LINUX_BLOCK',
    launch: ['CONFIGURE_LINUX_BLOCK', 'DETTACH_AGENT_IMAGE'],
    sync: 'SYNC_LINUX_BLOCK',
    source: 'inferred: the _BLOCK names of the enum in the Linux file shape',
  },
];

/** The plan of a task that does not sync, by kind of migration and target. */
export interface PlanRow {
  readonly osType: OsType;
  readonly type: MigrationType;
  /** true: the task migrates to an existing server (exist_server); false: the service creates the target. */
  readonly existServer: boolean;
  readonly steps: readonly SubtaskName[];
  readonly source: string;
}

/**
 * Every plan, for a task with syncing=false and no consistency check. The others follow from these by rule
 * ({@link planFor}).
 */
export const PLANS: readonly PlanRow[] = [
  {
    osType: 'WINDOWS',
    type: 'MIGRATE_BLOCK',
    existServer: false,
    steps: [
      'CREATE_CLOUD_SERVER',
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_WINDOWS',
      'MIGRATE_WINDOWS_BLOCK',
      'CONFIGURE_WINDOWS',
      'DETTACH_AGENT_IMAGE',
    ],
    source: 'DOC v3 ShowTask example (first five); configure and detach inferred from DOCv1',
  },
  {
    osType: 'WINDOWS',
    type: 'MIGRATE_BLOCK',
    existServer: true,
    steps: [
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_WINDOWS',
      'MIGRATE_WINDOWS_BLOCK',
      'CONFIGURE_WINDOWS',
      'DETTACH_AGENT_IMAGE',
    ],
    // The 2018 API examples have no SSL_CONFIG; the console description and every v3 plan have it.
    source: 'DOCv1 ShowTask/ListTasks examples; SSL_CONFIG from the DOCv1 console description (chosen)',
  },
  {
    osType: 'LINUX',
    type: 'MIGRATE_FILE',
    existServer: false,
    steps: [
      'CREATE_CLOUD_SERVER',
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CONFIGURE_LINUX_FILE',
      'DETTACH_AGENT_IMAGE',
    ],
    source: '3P skill doc (id 62906723022) and MONITORING_REFERENCE (first five)',
  },
  {
    osType: 'LINUX',
    type: 'MIGRATE_FILE',
    existServer: true,
    steps: [
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CONFIGURE_LINUX_FILE',
      'DETTACH_AGENT_IMAGE',
    ],
    source: '3P field notes (ids 62466164919, 70850802709)',
  },
  {
    osType: 'LINUX',
    type: 'MIGRATE_BLOCK',
    existServer: false,
    steps: [
      'CREATE_CLOUD_SERVER',
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_BLOCK',
      'MIGRATE_LINUX_BLOCK',
      'CONFIGURE_LINUX_BLOCK',
      'DETTACH_AGENT_IMAGE',
    ],
    source: 'inferred: the Linux file plan with the _BLOCK names',
  },
  {
    osType: 'LINUX',
    type: 'MIGRATE_BLOCK',
    existServer: true,
    steps: [
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_BLOCK',
      'MIGRATE_LINUX_BLOCK',
      'CONFIGURE_LINUX_BLOCK',
      'DETTACH_AGENT_IMAGE',
    ],
    source: 'inferred: the Linux file plan with the _BLOCK names',
  },
];

/**
 * A kind of migration no plan exists for: Windows with file-level migration ("Windows当前仅支持块级迁移", DOCv1;
 * TF docs). `error` names the ApiError the service answers with (SMS.6610, 3P).
 */
export class PlanRefused extends Error {
  readonly error = 'taskTypeMismatch' as const;
  constructor(
    readonly osType: string,
    readonly type: string,
  ) {
    super(`no subtask plan for ${osType} ${type}: Windows servers migrate block-level only`);
    this.name = 'PlanRefused';
  }
}

/** Whether a plan exists for os_type and type (false for WINDOWS + MIGRATE_FILE and for unknown values). */
export function isPlanned(osType: string, type: string): boolean {
  return FAMILIES.some((f) => f.osType === osType && f.type === type);
}

function familyOf(osType: OsType, type: MigrationType): Family {
  const family = FAMILIES.find((f) => f.osType === osType && f.type === type);
  if (family === undefined) throw new PlanRefused(osType, type);
  return family;
}

export interface PlanInput {
  readonly osType: OsType;
  readonly type: MigrationType;
  /** exist_server: the target server exists (no CREATE_CLOUD_SERVER). */
  readonly existServer: boolean;
  /** syncing: continuous sync after replication; the launch steps wait for test/cutover. */
  readonly syncing: boolean;
  /** is_need_consistency_check. */
  readonly consistencyCheck: boolean;
}

/**
 * The subtasks of a new task, in order. From the {@link PLANS} row: with syncing the launch steps are left out (they
 * are appended by test/cutover: 3P "syncing=true yields only 4 subtasks"); with the consistency check,
 * CHECK_CONSISTENCY follows the data subtask (3P). Throws {@link PlanRefused} for WINDOWS + MIGRATE_FILE.
 */
export function planFor(input: PlanInput): readonly SubtaskName[] {
  const family = familyOf(input.osType, input.type);
  const row = PLANS.find(
    (p) => p.osType === input.osType && p.type === input.type && p.existServer === input.existServer,
  );
  if (row === undefined) throw new PlanRefused(input.osType, input.type);
  const steps: SubtaskName[] = [];
  for (const step of row.steps) {
    if (input.syncing && family.launch.includes(step)) continue;
    steps.push(step);
    if (input.consistencyCheck && step === family.data) steps.push(CONSISTENCY_CHECK);
  }
  return steps;
}

/** Configure and detach: the steps test/cutover append to a syncing task's plan. */
export function launchSteps(osType: OsType, type: MigrationType): readonly SubtaskName[] {
  return familyOf(osType, type).launch;
}

/** The incremental sync a start after a finished migration appends (SYNC_WINDOWS_BLOCK, SYNC_LINUX_FILE, ...). */
export function syncSteps(osType: OsType, type: MigrationType): readonly SubtaskName[] {
  return [familyOf(osType, type).sync];
}

/** The clone clone_test appends (enum name; placement inferred). */
export function cloneSteps(): readonly SubtaskName[] {
  return ['CLONE_VM'];
}

/** Whether a subtask copies data: the full copy (MIGRATE_*) or an incremental sync (SYNC_*). */
export function isDataSubtask(name: string): boolean {
  return name.startsWith('MIGRATE_') || name.startsWith('SYNC_');
}

/** The incremental sync steps (SYNC_*), one per kind of migration. */
const SYNC_STEPS = new Set<string>(FAMILIES.map((family) => family.sync));

/** Whether a subtask is an incremental sync step (SYNC_*): a plan ending in one finished an incremental sync. */
export function isSyncStep(name: string): boolean {
  return SYNC_STEPS.has(name);
}

/** The first subtask of the plan below 100 (the one running), or null when every one stands at 100. */
export function runningSubtask(
  plan: readonly { readonly name: string | null; readonly progress: number }[],
): string | null {
  for (const step of plan) if (step.progress < 100) return step.name ?? '';
  return null;
}

/** Whether a subtask is a launch step: configuring the target (CONFIGURE_*) or detaching the agent image. */
export function isLaunchStep(name: string): boolean {
  return name.startsWith('CONFIGURE_') || name === 'DETTACH_AGENT_IMAGE';
}
