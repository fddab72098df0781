import { describe, expect, it } from 'vitest';
import {
  CHANGESTATE_COPY_STATES,
  CHANGESTATE_IGNORED_IN,
  CHANGESTATE_MIGRATION_CYCLES,
  changestateCopyState,
  changestateIgnored,
  changestateMigrationCycle,
  MIGRATION_CYCLES,
  SOURCE_ON_PROGRESS,
  SOURCE_STATES,
  sourceAfterProgress,
} from '../../../src/sms/sources/life-cycle.js';
import { ACTIONS, isRefusal, TASK_OPERATIONS, TASK_STATES } from '../../../src/sms/tasks/state-machine.js';

describe('source server enums', () => {
  it('lists the 19 states and the 6 cycles ShowServer answers', () => {
    expect(SOURCE_STATES).toEqual([
      'unavailable',
      'waiting',
      'initialize',
      'replicate',
      'syncing',
      'stopping',
      'stopped',
      'skipping',
      'deleting',
      'clearing',
      'cleared',
      'clearfailed',
      'premigready',
      'premiged',
      'premigfailed',
      'cloning',
      'cutovering',
      'finished',
      'error',
    ]);
    expect(MIGRATION_CYCLES).toEqual(['checking', 'setting', 'replicating', 'syncing', 'cutovering', 'cutovered']);
  });

  it('lets changestate write premiging, init and the drill cycles as well', () => {
    expect(CHANGESTATE_COPY_STATES.filter((s) => !(SOURCE_STATES as readonly string[]).includes(s))).toEqual([
      'premiging',
      'init',
    ]);
    expect(CHANGESTATE_MIGRATION_CYCLES.slice(MIGRATION_CYCLES.length)).toEqual([
      'no_ready',
      'ready_for_test',
      'testing',
      'tested',
    ]);
    expect(changestateCopyState('init')).toBe('initialize');
    expect(changestateCopyState('INIT')).toBe('initialize');
    expect(changestateCopyState('PREMIGING')).toBe('premiging');
    expect(changestateCopyState('Replicate')).toBe('replicate');
    expect(changestateCopyState('paused')).toBeUndefined();
    expect(changestateCopyState('')).toBeUndefined();
    expect(changestateMigrationCycle('READY_FOR_TEST')).toBe('ready_for_test');
    expect(changestateMigrationCycle('cutovered')).toBe('cutovered');
    expect(changestateMigrationCycle('done')).toBeUndefined();
  });

  it('ignores changestate in the seven documented states', () => {
    expect([...CHANGESTATE_IGNORED_IN].sort()).toEqual(
      ['unavailable', 'stopping', 'stopped', 'deleting', 'finished', 'clearing', 'clearfailed'].sort(),
    );
    expect(changestateIgnored('finished')).toBe(true);
    expect(changestateIgnored('replicate')).toBe(false);
    expect(changestateIgnored('FINISHED')).toBe(false);
  });
});

describe('what the source shows as its task runs', () => {
  const at = (state: string, currentSubtask: string | null) => {
    const shows = sourceAfterProgress({ state, currentSubtask });
    return shows && { state: shows.state, migration_cycle: shows.migration_cycle };
  };

  it('follows the section 3.2 table', () => {
    expect(at('RUNNING', 'CREATE_CLOUD_SERVER')).toEqual({ state: 'initialize', migration_cycle: 'replicating' });
    expect(at('RUNNING', 'FORMAT_DISK_LINUX_FILE')).toEqual({ state: 'initialize', migration_cycle: 'replicating' });
    expect(at('RUNNING', 'MIGRATE_LINUX_FILE')).toEqual({ state: 'replicate', migration_cycle: 'replicating' });
    expect(at('RUNNING', 'CHECK_CONSISTENCY')).toEqual({ state: 'replicate', migration_cycle: 'replicating' });
    expect(at('RUNNING', 'SYNC_WINDOWS_BLOCK')).toEqual({ state: 'replicate', migration_cycle: 'replicating' });
    expect(at('RUNNING', 'CONFIGURE_WINDOWS')).toEqual({ state: 'cutovering', migration_cycle: 'cutovering' });
    expect(at('RUNNING', 'DETTACH_AGENT_IMAGE')).toEqual({ state: 'cutovering', migration_cycle: 'cutovering' });
    expect(at('SYNCING', null)).toEqual({ state: 'syncing', migration_cycle: 'syncing' });
    expect(at('SYNCING', 'SYNC_LINUX_FILE')).toEqual({ state: 'syncing', migration_cycle: 'syncing' });
    expect(at('SYNCING', 'CLONE_VM')).toEqual({ state: 'cloning', migration_cycle: undefined });
    expect(at('MIGRATE_SUCCESS', null)).toEqual({ state: 'finished', migration_cycle: 'cutovered' });
    expect(at('SYNC_SUCCESS', null)).toEqual({ state: 'finished', migration_cycle: 'cutovered' });
    expect(at('MIGRATE_FAIL', 'ATTACH_AGENT_IMAGE')).toEqual({ state: 'error', migration_cycle: undefined });
    expect(at('SYNC_FAIL', 'SYNC_LINUX_FILE')).toEqual({ state: 'error', migration_cycle: undefined });
  });

  it('leaves the source alone in rest and transient states', () => {
    for (const state of ['READY', 'ABORTING', 'ABORT', 'SKIPPING', 'DELETING', 'RESETING', 'UNKNOWN']) {
      expect(sourceAfterProgress({ state, currentSubtask: 'MIGRATE_LINUX_FILE' })).toBeUndefined();
    }
    expect(sourceAfterProgress({ state: 'RUNNING', currentSubtask: null })).toBeUndefined();
  });

  it('names the evidence of every moment and writes only states and cycles that exist', () => {
    for (const shows of Object.values(SOURCE_ON_PROGRESS)) {
      expect(shows.note.length).toBeGreaterThan(10);
      expect(CHANGESTATE_COPY_STATES).toContain(shows.state);
      if (shows.migration_cycle !== undefined) expect(MIGRATION_CYCLES).toContain(shows.migration_cycle);
    }
  });

  it('agrees with what the task actions show: start/restart initialize, stop stopped, sync syncing, launch cutovering', () => {
    const shown = new Map<string, string>();
    for (const state of TASK_STATES) {
      for (const operation of TASK_OPERATIONS) {
        const cell = ACTIONS[state][operation];
        if (isRefusal(cell) || cell.source === undefined) continue;
        const { state: to, migration_cycle, settle } = cell.source;
        shown.set(`${state} ${operation}`, [to, migration_cycle ?? '-', settle ?? '-'].join(' '));
      }
    }
    expect(Object.fromEntries(shown)).toEqual({
      'READY start': 'initialize replicating -',
      'ABORT start': 'initialize replicating -',
      'MIGRATE_FAIL start': 'initialize replicating -',
      'MIGRATE_FAIL restart': 'initialize replicating -',
      'MIGRATE_SUCCESS start': 'syncing syncing -',
      'SYNC_SUCCESS start': 'syncing syncing -',
      'RUNNING stop': 'stopping - stopped',
      'SYNCING stop': 'stopping - stopped',
      'RUNNING error_for_overspeed': 'stopping - stopped',
      'SYNCING error_for_overspeed': 'stopping - stopped',
      'SYNCING test': 'cutovering cutovering -',
      'SYNCING cutover': 'cutovering cutovering -',
      'SYNCING clone_test': 'cloning - -',
      'RUNNING skip': 'skipping - replicate',
      'MIGRATE_SUCCESS clear': 'clearing - cleared',
      'SYNC_SUCCESS clear': 'clearing - cleared',
      'SYNCING migration_test': 'premiging - premiged',
      'MIGRATE_SUCCESS migration_test': 'premiging - premiged',
      'SYNC_FAIL sync_failed_rollback': 'finished cutovered -',
    });
  });
});
