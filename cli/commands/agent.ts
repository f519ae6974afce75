// `vigil agent --service NAME`: pushes this host's CPU, memory, disk and load to
// POST /api/v1/metrics every --interval, until stopped. --once pushes one batch.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SamplesAccepted } from '../../api/schemas/system';
import { toMs } from '../../lib/core/duration';
import { cpuTimes, hostSamples } from '../../lib/adapters/agent/host-metrics';
import { UsageError } from '../usage-error';
import type { Subcommand } from '../operator';

export const AGENT: Subcommand = {
  usage: 'agent --service NAME [--interval 15s] [--mount PATH]... [--once]',
  options: { service: { type: 'string' }, interval: { type: 'string' }, mount: { type: 'string', multiple: true }, once: { type: 'boolean' } },
  args: 0,
  async run(context) {
    const service = context.values.service;
    if (typeof service !== 'string' || !/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(service)) throw new UsageError('agent needs --service NAME (lowercase letters, digits, . _ -)');
    const intervalMs = parseInterval(context.values.interval);
    const mounts = (context.values.mount as string[] | undefined) ?? ['/'];
    let cpu = cpuTimes();
    let stopping = false;
    const stop = () => (stopping = true);
    process.once('SIGINT', stop).once('SIGTERM', stop);
    // CPU is a rate: the first batch measures over a short moment.
    await sleep(context.values.once ? 500 : Math.min(intervalMs, 2_000));
    for (;;) {
      const reading = hostSamples(cpu, mounts);
      cpu = reading.cpu;
      const ts = Date.now();
      try {
        const result = await context.api.post<SamplesAccepted>('/metrics', { body: { service, metrics: reading.samples.map((sample) => ({ ...sample, ts })) } });
        context.out(`pushed ${result.accepted} samples for ${service}\n`);
      } catch (error) {
        if (context.values.once) throw error;
        process.stderr.write(`vigil agent: ${(error as Error).message}; trying again in ${intervalMs / 1000} s\n`);
      }
      if (context.values.once || stopping) return 0;
      await sleep(intervalMs);
      if (stopping) return 0;
    }
  },
};

function parseInterval(value: unknown): number {
  if (value === undefined) return 15_000;
  try {
    const ms = toMs(String(value));
    if (ms >= 1_000) return ms;
  } catch {
    // fall through
  }
  throw new UsageError(`--interval must be a duration of at least 1s, such as 15s or 1m, not "${String(value)}"`);
}
