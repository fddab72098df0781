// How figures read on the page: sizes in binary units, speeds in Mbit/s, durations in h/m/s, times in UTC (the mock
// clock's dates are UTC, and so are the speed-limit rules).

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let size = Math.abs(value);
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  const digits = unit === 0 || size >= 100 ? 0 : 1;
  return `${value < 0 ? '-' : ''}${size.toFixed(digits)}\u00a0${units[unit]}`;
}

export function speed(mbps: number | null | undefined): string {
  if (mbps === null || mbps === undefined || !Number.isFinite(mbps)) return '–';
  return `${mbps >= 100 ? mbps.toFixed(0) : mbps.toFixed(1)}\u00a0Mbit/s`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}\u00a0s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}\u00a0min ${s % 60}\u00a0s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}\u00a0h ${m % 60}\u00a0min`;
  return `${Math.floor(hours / 24)}\u00a0d ${hours % 24}\u00a0h`;
}

/** "2026-11-26 14:02:11" (UTC). */
export function time(ms: number | null | undefined): string {
  // Dates stored beyond what a Date holds (int64 seeds) show as the number they are.
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) > 8.64e15) return String(ms);
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toFixed(value >= 10 || value === 0 ? 0 : 1)}\u00a0%`;
}

/** What a state is called on the page: its name, and a mark that does not depend on colour. */
export const STATE_MARKS: Record<string, string> = {
  READY: '○',
  RUNNING: '▶',
  SYNCING: '↻',
  MIGRATE_SUCCESS: '✓',
  SYNC_SUCCESS: '✓',
  MIGRATE_FAIL: '✗',
  SYNC_FAIL: '✗',
  ABORTING: '‖',
  ABORT: '‖',
  SKIPPING: '»',
  DELETING: '×',
  RESETING: '↺',
};

/** The time left is only a figure while the task moves. */
export function remaining(state: string | null, seconds: number | null): string {
  return state === 'RUNNING' || state === 'SYNCING' ? duration(seconds) : '–';
}

/** "1 task", "3 tasks". */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

/** The colour family a state belongs to (the mark and the text say the same). */
export function stateTone(state: string | null): string {
  if (state === null) return 'none';
  if (state.endsWith('SUCCESS')) return 'ok';
  if (state.endsWith('FAIL')) return 'bad';
  if (state === 'RUNNING' || state === 'SYNCING') return 'busy';
  if (state.startsWith('ABORT')) return 'paused';
  return 'idle';
}
