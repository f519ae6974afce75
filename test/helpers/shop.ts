// A demo shop for a test: its own directory and free ports, run through the real
// `vigil-demo` command (bin/vigil-demo.js), with readers for what a fault leaves
// behind: metrics, JSON log lines, health.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readPid } from '../../demo/process';
import { SERVICES, type ServiceName } from '../../demo/shop/topology';
import { freePort } from './ports';

const BIN = resolve(__dirname, '..', '..', 'bin', 'vigil-demo.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LogLine {
  time: string;
  level: string;
  service: string;
  msg: string;
  [field: string]: unknown;
}

export interface TestShop {
  /** What VIGIL_DATA_DIR would be for this shop. */
  root: string;
  dir: string;
  ports: Record<ServiceName, number>;
  env: Record<string, string>;
  ctl(...args: string[]): Promise<Run>;
  url(service: ServiceName): string;
  /** The pid in the service's pid file (the process `vigil-demo` started last), if any. */
  pid(service: ServiceName): number | undefined;
  /** The argv a remediation step runs to restart one service, as the shipped definitions do (its own --dir and --ports). */
  restartArgv(service: ServiceName): string[];
  /** The sum of the samples of `name` whose labels include `labels`. */
  metric(service: ServiceName, name: string, labels?: Record<string, string>): Promise<number>;
  health(service: ServiceName): Promise<{ status: number; reason?: string }>;
  logs(service: ServiceName): LogLine[];
  /** The lines of `service` with message `msg`, once there are at least `count` (log writes land a moment after the answer). */
  logged(service: ServiceName, msg: string, count?: number): Promise<LogLine[]>;
  /** `count` checkouts through the gateway, `parallel` at a time; their status codes. */
  checkouts(count: number, parallel?: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Runs `vigil-demo` with `env` (and nothing of the caller's DEMO_ settings). */
export function runDemoCtl(env: Record<string, string>, args: string[], timeoutMs = 60_000): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DEMO_')));
  return new Promise((resolveRun) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolveRun({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

export function parseMetrics(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

export async function startTestShop(options: { rps?: number; start?: boolean } = {}): Promise<TestShop> {
  // <root>/demo, as under a dataDir: the shipped drift app (root "${dataDir}/demo") finds it with VIGIL_DATA_DIR=<root>.
  const root = mkdtempSync(join(tmpdir(), 'vigil-shop-'));
  chmodSync(root, 0o755);
  const dir = join(root, 'demo');
  const ports = {} as Record<ServiceName, number>;
  for (const service of SERVICES) ports[service] = await freePort();
  const env = { DEMO_DIR: dir, DEMO_PORTS: SERVICES.map((service) => ports[service]).join(','), DEMO_RPS: String(options.rps ?? 0), DEMO_HOST: '127.0.0.1' };
  const ctl = (...args: string[]) => runDemoCtl(env, args);
  const url = (service: ServiceName) => `http://127.0.0.1:${ports[service]}`;
  const shop: TestShop = {
    root,
    dir,
    ports,
    env,
    ctl,
    url,
    pid: (service) => readPid(join(dir, `${service}.pid`)),
    restartArgv: (service) => [process.execPath, BIN, 'restart', service, '--dir', dir, '--ports', env.DEMO_PORTS],
    async metric(service, name, labels) {
      const response = await fetch(`${url(service)}/metrics`, { signal: AbortSignal.timeout(5_000) });
      return parseMetrics(await response.text(), name, labels);
    },
    async health(service) {
      const response = await fetch(`${url(service)}/healthz`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as { reason?: string };
      return { status: response.status, reason: body.reason };
    },
    logs(service) {
      try {
        return readFileSync(join(dir, `${service}.log`), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as LogLine);
      } catch {
        return [];
      }
    },
    async logged(service, msg, count = 1) {
      const lines = () => shop.logs(service).filter((line) => line.msg === msg);
      for (const deadline = Date.now() + 3_000; lines().length < count && Date.now() < deadline;) await new Promise((wait) => setTimeout(wait, 50));
      return lines();
    },
    async checkouts(count, parallel = 4) {
      const codes: number[] = [];
      for (let i = 0; i < count; i += parallel) {
        const batch = Array.from({ length: Math.min(parallel, count - i) }, () =>
          fetch(`${url('gateway')}/api/checkout`, { signal: AbortSignal.timeout(15_000) }).then(async (response) => {
            await response.arrayBuffer();
            return response.status;
          }),
        );
        codes.push(...(await Promise.all(batch)));
      }
      return codes;
    },
    async close() {
      await ctl('stop');
      rmSync(root, { recursive: true, force: true });
    },
  };
  if (options.start !== false) {
    const started = await ctl('start');
    if (started.code !== 0) throw new Error(`shop did not start: ${started.stdout}${started.stderr}`);
  }
  return shop;
}
