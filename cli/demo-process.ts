// `vigil up` runs the demo service through its own control command, so the
// health loop's restart action (the same command, with the same --port and --dir
// from configs/services/demo.yaml) manages the same process.
import { join, resolve } from 'node:path';
import { projectRoot } from '../lib/adapters/paths';
import { runProgram } from '../lib/adapters/process/run';
import type { VigilConfig } from '../lib/core/config/schema';

export interface DemoSettings {
  port: number;
  /** Its pid file and log: <dataDir>/demo, so two Vigils with their own dataDir have their own demo. */
  dir: string;
}

export const demoSettings = (config: VigilConfig): DemoSettings => ({ port: config.demo.port, dir: join(resolve(config.dataDir), 'demo') });

async function demoCtl(command: 'start' | 'stop', demo: DemoSettings): Promise<{ ok: boolean; output: string }> {
  const argv = [process.execPath, join(projectRoot(), 'bin', 'vigil-demo.js'), command, '--port', String(demo.port), '--dir', demo.dir];
  // The whole environment: this is Vigil's own command, not a definition's. The demo it starts runs in a group of its own.
  const run = await runProgram(argv, { env: { ...process.env } as Record<string, string>, timeoutMs: 60_000, maxOutputBytes: 16 * 1024 });
  const why = run.failed === 'timeout' ? 'timed out after 60 s' : run.error?.message;
  return { ok: !run.failed && run.code === 0, output: [run.output.trim(), why].filter(Boolean).join('\n') };
}

export const startDemo = (demo: DemoSettings) => demoCtl('start', demo);
export const stopDemo = (demo: DemoSettings) => demoCtl('stop', demo);
