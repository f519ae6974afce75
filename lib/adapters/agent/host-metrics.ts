// This host's CPU, memory, disk and load, read from the OS, as metric samples
// for `vigil agent`. CPU needs two readings: the share of non-idle time between them.
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

export interface Sample {
  name: string;
  value: number;
  labels?: Record<string, string>;
}

export interface CpuTimes {
  idle: number;
  total: number;
}

export function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** Busy share of all cores between two readings, in percent. */
export function cpuPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total > 0 ? Math.round((1000 * (total - (after.idle - before.idle))) / total) / 10 : 0;
}

/** Used memory: total minus what the kernel says is available (Linux), else minus free. */
function memory(): { total: number; used: number } {
  const total = totalmem();
  if (existsSync('/proc/meminfo')) {
    const available = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (available) return { total, used: total - Number(available[1]) * 1024 };
  }
  return { total, used: total - freemem() };
}

export function hostSamples(previous: CpuTimes, mounts: string[] = ['/']): { samples: Sample[]; cpu: CpuTimes } {
  const cpu = cpuTimes();
  const { total, used } = memory();
  const [load1, load5, load15] = loadavg();
  const samples: Sample[] = [
    { name: 'cpu_percent', value: cpuPercent(previous, cpu) },
    { name: 'memory_used_bytes', value: used },
    { name: 'memory_total_bytes', value: total },
    { name: 'memory_used_percent', value: Math.round((1000 * used) / total) / 10 },
    { name: 'load1', value: load1 },
    { name: 'load5', value: load5 },
    { name: 'load15', value: load15 },
  ];
  for (const mount of mounts) {
    const fs = statfsSync(mount);
    const size = fs.blocks * fs.bsize;
    const free = fs.bavail * fs.bsize;
    samples.push({ name: 'disk_free_bytes', value: free, labels: { mount } }, { name: 'disk_used_percent', value: size ? Math.round((1000 * (size - free)) / size) / 10 : 0, labels: { mount } });
  }
  return { samples, cpu };
}
