// The demo world as a new user meets it (issue 16): `vigil up` with the shipped
// definitions, the shop, its own Prometheus and Alertmanager, default settings.
//  1. From spawning `vigil up` on an empty data directory to the API listing the
//     five shop services healthy, and to Prometheus having scraped all five.
//  2. For each fault kind (its default service), from `vigil-demo fault` to
//     Vigil's first reactions: a status change of any service, the first shop
//     alert firing in Prometheus, the first triage of that service. Then heal, and wait
//     until every service is healthy and no shop alert fires before the next.
//   npm run bench:demo-shop -- [--kinds latency,errors,…] [--wait-s 150]
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SERVICE, FAULT_KINDS, SERVICES, type FaultKind } from '../demo/shop/topology';
import { provisionTemporalCli } from '../lib/adapters/temporal/cli-binary';
import { freePort } from '../test/helpers/ports';
import { runDemoCtl } from '../test/helpers/shop';
import { freeVigilPorts, processesMentioning, runVigil, upEnv, waitForBanner } from '../test/helpers/vigil-process';
import { describeMachine, intFlag, runBench, table } from './lib';

const ROOT = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

/** Polls `probe` every 250 ms until it is true or `limitMs` passes; the ms it took, or undefined. */
async function timeUntil(probe: () => Promise<boolean>, limitMs: number, from = performance.now()): Promise<number | undefined> {
  while (performance.now() - from < limitMs) {
    if (await probe().catch(() => false)) return performance.now() - from;
    await sleep(250);
  }
  return undefined;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));

void runBench({
  name: 'demo-shop',
  limitMs: 60 * 60_000,
  body: async (cleanup) => {
    const args = process.argv.slice(2);
    const kinds = (args.includes('--kinds') ? args[args.indexOf('--kinds') + 1].split(',') : [...FAULT_KINDS]) as FaultKind[];
    const unknown = kinds.filter((kind) => !(FAULT_KINDS as readonly string[]).includes(kind));
    if (unknown.length) throw new Error(`unknown fault kind ${unknown.join(', ')}; kinds: ${FAULT_KINDS.join(', ')}`);
    const waitMs = intFlag(args, 'wait-s', 150) * 1000;
    const machine = await describeMachine();
    const temporalCli = await provisionTemporalCli({ dataDir: join(ROOT, '.vigil'), say: (line) => console.error(line) });

    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-shop-'));
    chmodSync(dataDir, 0o755);
    const configDir = mkdtempSync(join(tmpdir(), 'vigil-bench-shop-configs-'));
    // The shipped definitions, less the example drift app (it writes under the checkout's .vigil).
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
      VIGIL_PROMETHEUS__ENABLED: 'true',
      VIGIL_PROMETHEUS__PORT: String(prometheusPort),
      VIGIL_ALERTMANAGER__ENABLED: 'true',
      VIGIL_ALERTMANAGER__PORT: String(alertmanagerPort),
      ANTHROPIC_API_KEY: '',
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
    const api = async (path: string) => (await fetch(`${banner.API}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
    const prometheus = async (query: string) =>
      ((await (await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data: { result: unknown[] } }).data.result;
    const healthy = async () => ((await api('/services')) as { status: string }[]).filter((service) => service.status === 'healthy').length === SERVICES.length;
    const scraped = async () => (await prometheus('up{job="shop"} == 1')).length === SERVICES.length;
    const healthyMs = await timeUntil(healthy, 300_000, startedAt);
    const scrapedMs = await timeUntil(scraped, 300_000, startedAt);
    const about = `${machine.date}, ${machine.nproc} cores ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage1m} (CPU ${machine.cpuBusyPercent} % busy before start)`;
    console.log(`\n${about}\ncold start (empty data dir): banner ${seconds(bannerMs)} s, five services healthy ${seconds(healthyMs)} s, Prometheus scraped all five ${seconds(scrapedMs)} s\n`);

    const ctl = ['--dir', join(dataDir, 'demo'), '--ports', SERVICES.map((service) => shopPorts[service]).join(',')];
    const rows: (string | number)[][] = [['fault', 'service', 'status change', 'alert firing', 'triage started', 'back to normal']];
    const firingAlerts = async () =>
      new Set(((await prometheus('ALERTS{alertstate="firing", alertname=~"Shop.*"}')) as { metric: Record<string, string> }[]).map(({ metric }) => `${metric.alertname}/${metric.service}`));
    const firing = async () => (await firingAlerts()).size > 0;
    for (const kind of kinds) {
      // A minute of normal traffic before each fault: the rates and the rankings need a baseline.
      await sleep(60_000);
      const service = DEFAULT_SERVICE[kind];
      // Triages of the faulted service only: a late alert of the case before is no reaction to this one.
      const triagesOf = async () => ((await api('/triage')) as { service: string }[]).filter((triage) => triage.service === service).length;
      const triagesBefore = await triagesOf();
      // An alert counts when it was not firing before the fault (one still firing from the last case does not).
      const firingBefore = await firingAlerts();
      const injectedAt = performance.now();
      const fault = await runDemoCtl({}, ['fault', service, kind, ...ctl]);
      if (fault.code !== 0) throw new Error(`vigil-demo fault ${service} ${kind}: ${fault.stdout}${fault.stderr}`);
      const [transition, alert, triage] = await Promise.all([
        timeUntil(async () => !(await healthy()), waitMs, injectedAt),
        timeUntil(async () => [...(await firingAlerts())].some((alert) => !firingBefore.has(alert)), waitMs, injectedAt),
        timeUntil(async () => (await triagesOf()) > triagesBefore, waitMs, injectedAt),
      ]);
      await runDemoCtl({}, ['heal', service, ...ctl]);
      // What a person would do next: restart the service (a leak's memory stays until then; a crash needs it).
      await runDemoCtl({}, ['restart', service, ...ctl]);
      const healedAt = performance.now();
      const back = await timeUntil(async () => (await healthy()) && !(await firing()), 240_000, healedAt);
      rows.push([kind, service, seconds(transition), seconds(alert), seconds(triage), seconds(back)]);
      console.log(`${kind} on ${service}: status change ${seconds(transition)} s, alert ${seconds(alert)} s, triage ${seconds(triage)} s, normal again ${seconds(back)} s after heal`);
    }
    console.log(`\n${about}\nfrom injection to Vigil's first reactions (s; '-': none within ${waitMs / 1000} s):\n${table(rows)}`);
  },
});
