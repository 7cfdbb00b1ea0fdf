// What the bench scripts read of a server process they started: the port it printed, and its CPU time.
import { readFileSync } from 'node:fs';

/** Resolves to the port of the server's `ready <port>` line on stdout. */
export function readyPort(child) {
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /ready (\d+)/.exec(out);
      if (match) resolve(match[1]);
    });
  });
}

/** utime + stime of a process in µs, from /proc (Linux); NaN elsewhere. */
export function serverCpuUs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}
