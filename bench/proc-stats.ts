// Per-process figures from /proc (Linux): CPU time of the whole process (all threads, including threads
// that have exited) and of its main thread alone, and resident memory. undefined where /proc is missing.

import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime of a /proc stat line, in ms (USER_HZ is 100 on Linux). */
function statCpuMs(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** CPU ms of the process's live threads named `name` (/proc/<pid>/task/<tid>/comm), 0 if none. */
export function threadCpuMs(pid: number, name: string): number {
  let ms = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === name) ms += statCpuMs(`/proc/${pid}/task/${tid}/stat`) ?? 0;
      } catch {} // the thread exited meanwhile
    }
  } catch {}
  return ms;
}

/** CPU ms of every live thread of the process, by thread id, with its name (/proc/<pid>/task/<tid>/comm). */
export function threadCpu(pid: number): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        out.set(tid, { name, ms: statCpuMs(`/proc/${pid}/task/${tid}/stat`) ?? 0 });
      } catch {} // the thread exited meanwhile
    }
  } catch {}
  return out;
}

export interface CpuSample {
  allMs?: number;
  mainMs?: number;
}

export function cpuSample(pid: number): CpuSample {
  return { allMs: statCpuMs(`/proc/${pid}/stat`), mainMs: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
}

/** µs of CPU per request between two samples (all threads, main thread). */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): { allUs?: number; mainUs?: number } {
  const per = (a?: number, b?: number) => (a !== undefined && b !== undefined && requests > 0 ? ((b - a) * 1000) / requests : undefined);
  return { allUs: per(before.allMs, after.allMs), mainUs: per(before.mainMs, after.mainMs) };
}

/** Resident set size in MB (VmRSS), or undefined. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
