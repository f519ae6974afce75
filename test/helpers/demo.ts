// The demo service as a remediation target in tests: its own dir and port,
// controlled through the real `vigil-demo` command.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports';

const BIN = resolve(__dirname, '..', '..', 'bin', 'vigil-demo.js');

export interface TestDemo {
  port: number;
  dir: string;
  env: Record<string, string>;
  /** The argv a remediation step runs to restart it. */
  restartArgv: string[];
  ctl(...args: string[]): Promise<{ code: number; stdout: string }>;
  pid(): number | undefined;
  close(): Promise<void>;
}

export async function startTestDemo(): Promise<TestDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const env = { DEMO_DIR: dir, DEMO_PORT: String(port), DEMO_HOST: '127.0.0.1' };
  const ctl = (...args: string[]) =>
    new Promise<{ code: number; stdout: string }>((resolveRun) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout) => {
        resolveRun({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout });
      });
    });
  const started = await ctl('start');
  if (started.code !== 0) throw new Error(`demo did not start: ${started.stdout}`);
  return {
    port,
    dir,
    env,
    restartArgv: [process.execPath, BIN, 'restart'],
    ctl,
    pid() {
      try {
        return Number.parseInt(readFileSync(join(dir, 'demo.pid'), 'utf8'), 10);
      } catch {
        return undefined;
      }
    },
    async close() {
      await ctl('stop');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
