// The demo world as a new user meets it (issue 16): `vigil up` with the shipped
// definitions, the shop, its own Prometheus and Alertmanager, default settings.
//  1. From spawning `vigil up` on an empty data directory to the API listing the
//     five shop services healthy, and to Prometheus having scraped all five.
//  2. For each fault kind (its default service), from `vigil-demo fault` to
//     Vigil's first reactions: a status change of any service, the first shop
//     alert firing in Prometheus, the first triage of that service. Then heal, and wait
//     until every service is healthy and no shop alert fires before the next.
//   npm run bench:demo-shop -- [--kinds latency,errors,…] [--wait-s 150]
import { DEFAULT_SERVICE, FAULT_KINDS, SERVICES, type FaultKind } from '../demo/shop/topology';
import { describeMachine, intFlag, runBench, table } from './lib';
import { startShopStack, timeUntil } from './shop-stack';

const sleep = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

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
    const stack = await startShopStack(cleanup);
    const { api, prometheus, startedAt } = stack;
    const bannerMs = stack.bannerMs;
    const healthy = async () => ((await api('/services')) as { status: string }[]).filter((service) => service.status === 'healthy').length === SERVICES.length;
    const scraped = async () => (await prometheus('up{job="shop"} == 1')).length === SERVICES.length;
    const healthyMs = await timeUntil(healthy, 300_000, startedAt);
    const scrapedMs = await timeUntil(scraped, 300_000, startedAt);
    const about = `${machine.date}, ${machine.nproc} cores ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage1m} (CPU ${machine.cpuBusyPercent} % busy before start)`;
    console.log(`\n${about}\ncold start (empty data dir): banner ${seconds(bannerMs)} s, five services healthy ${seconds(healthyMs)} s, Prometheus scraped all five ${seconds(scrapedMs)} s\n`);

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
      const fault = await stack.ctl('fault', service, kind);
      if (fault.code !== 0) throw new Error(`vigil-demo fault ${service} ${kind}: ${fault.stdout}${fault.stderr}`);
      const [transition, alert, triage] = await Promise.all([
        timeUntil(async () => !(await healthy()), waitMs, injectedAt),
        timeUntil(async () => [...(await firingAlerts())].some((alert) => !firingBefore.has(alert)), waitMs, injectedAt),
        timeUntil(async () => (await triagesOf()) > triagesBefore, waitMs, injectedAt),
      ]);
      await stack.ctl('heal', service);
      // What a person would do next: restart the service (a leak's memory stays until then; a crash needs it).
      await stack.ctl('restart', service);
      const healedAt = performance.now();
      const back = await timeUntil(async () => (await healthy()) && !(await firing()), 240_000, healedAt);
      rows.push([kind, service, seconds(transition), seconds(alert), seconds(triage), seconds(back)]);
      console.log(`${kind} on ${service}: status change ${seconds(transition)} s, alert ${seconds(alert)} s, triage ${seconds(triage)} s, normal again ${seconds(back)} s after heal`);
    }
    console.log(`\n${about}\nfrom injection to Vigil's first reactions (s; '-': none within ${waitMs / 1000} s):\n${table(rows)}`);
  },
});
