// CPU time a process has used, from /proc/<pid>/stat (Linux): user + system time of all its threads, so the HTTP
// stack, SQLite, GC and libuv's pool all count, and nothing the load generator does.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export const ticksPerSecond = (() => {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

/** CPU seconds pid has used so far, or undefined where its /proc entry cannot be read. */
export function cpuSeconds(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may itself hold spaces and ')': count the fields after the last ')'.
  // There fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / ticksPerSecond : undefined;
}

/**
 * Whether pid is a node process: a pid still belonging to taskset (not yet exec'd) or to anything else would give CPU
 * figures of the wrong process. The kernel keeps at most 15 characters of the name.
 */
export function isNode(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === basename(process.execPath).slice(0, 15);
  } catch {
    return false;
  }
}
