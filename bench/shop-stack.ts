// `vigil up` as a new user runs it, for the benches that watch the demo world:
// the shipped definitions (less the example drift app, which writes under the
// checkout), the shop under load, its own Prometheus and Alertmanager, and no
// model key (the offline investigator), on free ports under a temp data dir
// that the cleanup removes with every process that mentions it.
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVICES } from '../demo/shop/topology';
import { provisionTemporalCli } from '../lib/adapters/temporal/cli-binary';
import { freePort } from '../test/helpers/ports';
import { runDemoCtl, type Run } from '../test/helpers/shop';
import { freeVigilPorts, processesMentioning, runVigil, upEnv, waitForBanner } from '../test/helpers/vigil-process';
import type { Cleanup } from './lib';

const ROOT = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

export interface ShopStack {
  dataDir: string;
  /** performance.now() when `vigil up` was spawned. */
  startedAt: number;
  bannerMs: number;
  apiUrl: string;
  token: string;
  prometheusUrl: string;
  /** The embedded PostgreSQL (schema `vigil`), for what the API does not show. */
  databaseUrl: string;
  /** GET on Vigil's API as admin; the parsed JSON body. */
  api(path: string): Promise<any>;
  /** An instant query on the stack's Prometheus: `data.result`. */
  prometheus(query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** `vigil-demo <args>` on this shop (its directory and ports). */
  ctl(...args: string[]): Promise<Run>;
}

/** `modelKey`: the model mode (the triage asks llm.model, or `model`); without it the offline investigator answers. */
export async function startShopStack(cleanup: Cleanup, options: { rps?: number; modelKey?: string; model?: string; llmBaseUrl?: string; say?: (line: string) => void } = {}): Promise<ShopStack> {
  const temporalCli = await provisionTemporalCli({ dataDir: join(ROOT, '.vigil'), say: options.say ?? ((line) => console.error(line)) });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-shop-'));
  chmodSync(dataDir, 0o755); // embedded PostgreSQL runs as another user when we are root
  const configDir = mkdtempSync(join(tmpdir(), 'vigil-bench-shop-configs-'));
  cpSync(join(ROOT, 'configs'), configDir, { recursive: true, filter: (source) => !/[/\\]drift[/\\]example(\.yaml)?$/.test(source) });
  cleanup.defer('data and config directories', () => {
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });
  const ports = await freeVigilPorts();
  const shopPorts = Object.fromEntries(await Promise.all(SERVICES.map(async (service) => [service, await freePort()] as const)));
  const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];
  const env = upEnv(dataDir, ports, temporalCli, {
    VIGIL_CONFIG_DIR: configDir,
    VIGIL_DEMO__ENABLED: 'true',
    ...Object.fromEntries(SERVICES.map((service) => [`VIGIL_DEMO__PORTS__${service.toUpperCase()}`, String(shopPorts[service])])),
    ...(options.rps ? { VIGIL_DEMO__LOAD__RPS: String(options.rps) } : {}),
    VIGIL_PROMETHEUS__ENABLED: 'true',
    VIGIL_PROMETHEUS__PORT: String(prometheusPort),
    VIGIL_ALERTMANAGER__ENABLED: 'true',
    VIGIL_ALERTMANAGER__PORT: String(alertmanagerPort),
    ANTHROPIC_API_KEY: options.modelKey ?? '',
    ...(options.model ? { VIGIL_LLM__MODEL: options.model } : {}),
    ...(options.llmBaseUrl ? { VIGIL_LLM__BASE_URL: options.llmBaseUrl } : {}),
  });

  const startedAt = performance.now();
  const run = runVigil(['up'], env);
  cleanup.defer('vigil up', async () => {
    run.child.kill('SIGTERM');
    await run.exited;
  });
  const banner = await waitForBanner(run, 300_000);
  const bannerMs = performance.now() - startedAt;
  const token = banner['Admin token'].split(/\s+/)[0];
  const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
  const password = readFileSync(join(dataDir, 'pg-password'), 'utf8').trim();
  const ctlArgs = ['--dir', join(dataDir, 'demo'), '--ports', SERVICES.map((service) => shopPorts[service]).join(',')];
  return {
    dataDir,
    startedAt,
    bannerMs,
    apiUrl: banner.API,
    token,
    prometheusUrl,
    databaseUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${ports.postgres}/postgres`,
    api: async (path) => (await fetch(`${banner.API}${path}`, { headers: { authorization: `Bearer ${token}` } })).json(),
    prometheus: async (query) => ((await (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data: { result: any[] } }).data.result,
    ctl: (...args) => runDemoCtl({}, [...args, ...ctlArgs]),
  };
}

/** Polls `probe` every 250 ms until it is true or `limitMs` passes; the ms it took, or undefined. */
export async function timeUntil(probe: () => Promise<boolean>, limitMs: number, from = performance.now()): Promise<number | undefined> {
  while (performance.now() - from < limitMs) {
    if (await probe().catch(() => false)) return performance.now() - from;
    await sleep(250);
  }
  return undefined;
}
