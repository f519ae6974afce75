// `vigil up` runs the demo service through its own control command, so the
// health loop's restart action (the same command, with the same --port and --dir
// from configs/services/demo.yaml) manages the same process.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { projectRoot } from '../lib/adapters/paths';
import type { VigilConfig } from '../lib/core/config/schema';

export interface DemoSettings {
  port: number;
  /** Its pid file and log: <dataDir>/demo, so two Vigils with their own dataDir have their own demo. */
  dir: string;
}

export const demoSettings = (config: VigilConfig): DemoSettings => ({ port: config.demo.port, dir: join(resolve(config.dataDir), 'demo') });

function demoCtl(command: 'start' | 'stop', demo: DemoSettings): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolveRun) => {
    const args = [join(projectRoot(), 'bin', 'vigil-demo.js'), command, '--port', String(demo.port), '--dir', demo.dir];
    execFile(process.execPath, args, { timeout: 60_000 }, (error, stdout, stderr) => resolveRun({ ok: !error, output: `${stdout}${stderr}`.trim() }));
  });
}

export const startDemo = (demo: DemoSettings) => demoCtl('start', demo);
export const stopDemo = (demo: DemoSettings) => demoCtl('stop', demo);
