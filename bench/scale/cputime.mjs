// CPU time of a Bazel server and every process below it (persistent workers, sandboxed
// spawns, their children), from /proc: steadier than wall time on a machine shared with other
// jobs. A process that exits between two readings is not lost: its parent, in the same tree,
// reaps it and counts its time in cutime/cstime.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system, own and reaped children's) of `root` and its live descendants. */
export function treeCpuSecs(root) {
  const children = new Map();
  const ticks = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // exited while listing
    }
    // Fields after "(comm) ": state ppid ... utime(14) stime cutime cstime(17), 1-based.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(d);
    const ppid = Number(f[1]);
    ticks.set(pid, Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  if (!ticks.has(root)) return null;
  let sum = 0;
  for (const todo = [root]; todo.length;) {
    const pid = todo.pop();
    sum += ticks.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return sum / TICKS;
}
