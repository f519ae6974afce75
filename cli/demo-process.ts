// `vigil up` runs the demo shop through its own control command, so the health
// loops' restart actions (the same command, with the same --dir and --ports from
// configs/services/demo.yaml) manage the same processes.
import { join, resolve } from 'node:path';
import { projectRoot } from '../lib/adapters/paths';
import { runProgram } from '../lib/adapters/process/run';
import type { VigilConfig } from '../lib/core/config/schema';

export interface DemoSettings {
  /** One port per shop service (demo.ports). */
  ports: Record<string, number>;
  /** Requests a second of the shop's load generator (demo.load.rps). */
  rps: number;
  /** Pid files, logs, faults and payments.json: <dataDir>/demo, so two Vigils with their own dataDir have their own shop. */
  dir: string;
}

export const demoSettings = (config: VigilConfig): DemoSettings => ({ ports: { ...config.demo.ports }, rps: config.demo.load.rps, dir: join(resolve(config.dataDir), 'demo') });

async function demoCtl(command: 'start' | 'stop', demo: DemoSettings): Promise<{ ok: boolean; output: string }> {
  const ports = Object.entries(demo.ports)
    .map(([service, port]) => `${service}=${port}`)
    .join(',');
  const argv = [process.execPath, join(projectRoot(), 'bin', 'vigil-demo.js'), command, '--dir', demo.dir, '--ports', ports, '--rps', String(demo.rps)];
  // The whole environment (Vigil's own command, not a definition's); the options above win over any DEMO_ variable in it.
  // The services it starts run in groups of their own.
  const env = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const run = await runProgram(argv, { env, timeoutMs: 60_000, maxOutputBytes: 16 * 1024 });
  const why = run.failed === 'timeout' ? 'timed out after 60 s' : run.error?.message;
  return { ok: !run.failed && run.code === 0, output: [run.output.trim(), why].filter(Boolean).join('\n') };
}

export const startDemo = (demo: DemoSettings) => demoCtl('start', demo);
export const stopDemo = (demo: DemoSettings) => demoCtl('stop', demo);
