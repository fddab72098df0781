import { describe, expect, it } from 'vitest';
import {
  cloneSteps,
  FAMILIES,
  isDataSubtask,
  isLaunchStep,
  isPlanned,
  launchSteps,
  MIGRATION_TYPES,
  OS_TYPES,
  PLANS,
  PlanRefused,
  planFor,
  SUBTASK_NAMES,
  syncSteps,
} from '../../../src/sms/tasks/plans.js';

const plain = { existServer: false, syncing: false, consistencyCheck: false };

describe('documented plans', () => {
  it('Windows block to a new target: the v3 ShowTask example, then configure and detach', () => {
    expect(planFor({ ...plain, osType: 'WINDOWS', type: 'MIGRATE_BLOCK' })).toEqual([
      'CREATE_CLOUD_SERVER',
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_WINDOWS',
      'MIGRATE_WINDOWS_BLOCK',
      'CONFIGURE_WINDOWS',
      'DETTACH_AGENT_IMAGE',
    ]);
  });

  it('Windows block to an existing target: the v1 examples, with the console description’s SSL_CONFIG', () => {
    expect(planFor({ ...plain, osType: 'WINDOWS', type: 'MIGRATE_BLOCK', existServer: true })).toEqual([
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_WINDOWS',
      'MIGRATE_WINDOWS_BLOCK',
      'CONFIGURE_WINDOWS',
      'DETTACH_AGENT_IMAGE',
    ]);
  });

  it('Linux file to a new target: seven subtasks', () => {
    expect(planFor({ ...plain, osType: 'LINUX', type: 'MIGRATE_FILE' })).toEqual([
      'CREATE_CLOUD_SERVER',
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CONFIGURE_LINUX_FILE',
      'DETTACH_AGENT_IMAGE',
    ]);
  });

  it('Linux file to an existing target: six, four with syncing, CHECK_CONSISTENCY after the copy', () => {
    const existing = { ...plain, osType: 'LINUX', type: 'MIGRATE_FILE', existServer: true } as const;
    expect(planFor(existing)).toEqual([
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CONFIGURE_LINUX_FILE',
      'DETTACH_AGENT_IMAGE',
    ]);
    expect(planFor({ ...existing, syncing: true })).toEqual([
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
    ]);
    expect(planFor({ ...existing, consistencyCheck: true })).toEqual([
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CHECK_CONSISTENCY',
      'CONFIGURE_LINUX_FILE',
      'DETTACH_AGENT_IMAGE',
    ]);
    expect(planFor({ ...existing, syncing: true, consistencyCheck: true })).toEqual([
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_FILE',
      'MIGRATE_LINUX_FILE',
      'CHECK_CONSISTENCY',
    ]);
  });

  it('Linux block: the Linux file shape with the _BLOCK names (inferred)', () => {
    expect(planFor({ ...plain, osType: 'LINUX', type: 'MIGRATE_BLOCK', existServer: true })).toEqual([
      'SSL_CONFIG',
      'ATTACH_AGENT_IMAGE',
      'FORMAT_DISK_LINUX_BLOCK',
      'MIGRATE_LINUX_BLOCK',
      'CONFIGURE_LINUX_BLOCK',
      'DETTACH_AGENT_IMAGE',
    ]);
  });

  it('steps appended later', () => {
    expect(launchSteps('WINDOWS', 'MIGRATE_BLOCK')).toEqual(['CONFIGURE_WINDOWS', 'DETTACH_AGENT_IMAGE']);
    expect(launchSteps('LINUX', 'MIGRATE_FILE')).toEqual(['CONFIGURE_LINUX_FILE', 'DETTACH_AGENT_IMAGE']);
    expect(launchSteps('LINUX', 'MIGRATE_BLOCK')).toEqual(['CONFIGURE_LINUX_BLOCK', 'DETTACH_AGENT_IMAGE']);
    expect(syncSteps('WINDOWS', 'MIGRATE_BLOCK')).toEqual(['SYNC_WINDOWS_BLOCK']);
    expect(syncSteps('LINUX', 'MIGRATE_FILE')).toEqual(['SYNC_LINUX_FILE']);
    expect(syncSteps('LINUX', 'MIGRATE_BLOCK')).toEqual(['SYNC_LINUX_BLOCK']);
    expect(cloneSteps()).toEqual(['CLONE_VM']);
  });
});

describe('every plan', () => {
  const combinations = OS_TYPES.flatMap((osType) =>
    MIGRATION_TYPES.filter((type) => isPlanned(osType, type)).flatMap((type) =>
      [false, true].flatMap((existServer) =>
        [false, true].flatMap((syncing) =>
          [false, true].map((consistencyCheck) => ({ osType, type, existServer, syncing, consistencyCheck })),
        ),
      ),
    ),
  );

  it('covers the three kinds of migration that exist', () => {
    expect(combinations).toHaveLength(3 * 8);
    expect(PLANS).toHaveLength(6);
  });

  for (const input of combinations) {
    it(`${input.osType} ${input.type} existServer=${input.existServer} syncing=${input.syncing} check=${input.consistencyCheck}`, () => {
      const plan = planFor(input);
      const data = input.type === 'MIGRATE_FILE' ? 'MIGRATE_LINUX_FILE' : `MIGRATE_${input.osType}_BLOCK`;
      const start = input.existServer
        ? ['SSL_CONFIG', 'ATTACH_AGENT_IMAGE']
        : ['CREATE_CLOUD_SERVER', 'SSL_CONFIG', 'ATTACH_AGENT_IMAGE'];
      expect(plan.slice(0, start.length)).toEqual(start);
      expect(plan[start.length]).toMatch(/^FORMAT_DISK_/);
      expect(plan[start.length + 1]).toBe(data);
      const tail = [
        ...(input.consistencyCheck ? ['CHECK_CONSISTENCY'] : []),
        ...(input.syncing ? [] : launchSteps(input.osType, input.type)),
      ];
      expect(plan.slice(start.length + 2)).toEqual(tail);
      expect(plan.at(-1)).toBe(
        input.syncing ? (input.consistencyCheck ? 'CHECK_CONSISTENCY' : data) : 'DETTACH_AGENT_IMAGE',
      );
      expect(new Set(plan).size).toBe(plan.length);
      for (const name of plan) expect([...SUBTASK_NAMES, 'CHECK_CONSISTENCY']).toContain(name);
      expect(plan.filter(isDataSubtask)).toEqual([data]);
      expect(plan.some((name) => name.startsWith('CONFIGURE_'))).toBe(!input.syncing);
    });
  }

  it('a syncing plan with the launch steps appended is the plan without syncing', () => {
    for (const input of combinations.filter((c) => c.syncing)) {
      expect([...planFor(input), ...launchSteps(input.osType, input.type)]).toEqual(
        planFor({ ...input, syncing: false }),
      );
    }
  });

  it('every row names its evidence and the steps of its family', () => {
    for (const row of PLANS) {
      expect(row.source.length).toBeGreaterThan(10);
      const family = FAMILIES.find((f) => f.osType === row.osType && f.type === row.type);
      expect(family).toBeDefined();
      expect(row.steps).toContain(family?.data);
      expect(row.steps.slice(-2)).toEqual(family?.launch);
    }
    for (const family of FAMILIES) expect(family.source.length).toBeGreaterThan(10);
  });
});

describe('Windows with file-level migration', () => {
  it('has no plan', () => {
    expect(isPlanned('WINDOWS', 'MIGRATE_FILE')).toBe(false);
    expect(isPlanned('LINUX', 'MIGRATE_FILE')).toBe(true);
    expect(isPlanned('SOLARIS', 'MIGRATE_FILE')).toBe(false);
    for (const existServer of [false, true]) {
      expect(() => planFor({ ...plain, osType: 'WINDOWS', type: 'MIGRATE_FILE', existServer })).toThrow(PlanRefused);
    }
    expect(() => launchSteps('WINDOWS', 'MIGRATE_FILE')).toThrow(PlanRefused);
    expect(() => syncSteps('WINDOWS', 'MIGRATE_FILE')).toThrow(PlanRefused);
  });

  it('is refused with the error the service answers', () => {
    try {
      planFor({ ...plain, osType: 'WINDOWS', type: 'MIGRATE_FILE' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PlanRefused);
      expect((error as PlanRefused).error).toBe('taskTypeMismatch');
      expect((error as PlanRefused).message).toContain('block-level only');
    }
  });
});

describe('kinds of subtask', () => {
  it('tells data subtasks and launch steps from the rest', () => {
    const data = SUBTASK_NAMES.filter(isDataSubtask);
    expect(data).toEqual([
      'MIGRATE_LINUX_FILE',
      'MIGRATE_LINUX_BLOCK',
      'MIGRATE_WINDOWS_BLOCK',
      'SYNC_LINUX_FILE',
      'SYNC_LINUX_BLOCK',
      'SYNC_WINDOWS_BLOCK',
    ]);
    expect(SUBTASK_NAMES.filter(isLaunchStep)).toEqual([
      'DETTACH_AGENT_IMAGE',
      'CONFIGURE_LINUX',
      'CONFIGURE_LINUX_BLOCK',
      'CONFIGURE_LINUX_FILE',
      'CONFIGURE_WINDOWS',
    ]);
    expect(isDataSubtask('CHECK_CONSISTENCY')).toBe(false);
    expect(isLaunchStep('CHECK_CONSISTENCY')).toBe(false);
    expect(SUBTASK_NAMES).toHaveLength(19);
  });
});
