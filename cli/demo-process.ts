// `vigil up` runs the demo service through its own control command, so the
// health loop's restart action (the same command) manages the same process.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../lib/adapters/paths';

function demoCtl(command: 'start' | 'stop', port: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [join(projectRoot(), 'bin', 'vigil-demo.js'), command], { env: { ...process.env, DEMO_PORT: String(port) }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolveRun({ ok: !error, output: `${stdout}${stderr}`.trim() }),
    );
  });
}

export const startDemo = (port: number) => demoCtl('start', port);
export const stopDemo = (port: number) => demoCtl('stop', port);
