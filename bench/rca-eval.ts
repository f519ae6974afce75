// The root-cause evaluation on a live shop (issue 17, item 4), first version:
// one demo shop under load, one real Prometheus scraping its five services
// (with the shop's alerting rules, so "most alerts" has alerts to count), and
// per case: normal traffic, a fault injected with vigil-demo, the RcaInput
// gathered as the rank_suspects tool gathers it (activities/rank-suspects.ts)
// at the injection + 15 s (where an alert would start), ranked offline with
// lib/core/rca and with the baselines on the very same input, then heal and
// recovery. Each case is recorded (test/rca/cases/) and the figures over every
// recorded case are written to docs/RCA-EVAL.md.
//   npm run eval:rca -- [--quick | --cases latency:payments,dependency:orders:inventory,… | --kinds a,b --services x,y]
//                       [--record test/rca/cases] [--baseline-s 80] [--fault-s 45] [--doc docs/RCA-EVAL.md] [--report-only]
// Mode: offline ranking on the gathered input, no model. Changes: the gatherer
// reads Vigil's drift and remediation rows from PostgreSQL; no Vigil loop runs
// here, so it gets a pool stub that answers no rows (said in every case file).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { gatherRcaInput } from '../activities/rank-suspects';
import { CALLEES, DEFAULT_SERVICE, FAULT_KINDS, faultProblem, isFaultKind, isService, SERVICES, type FaultKind, type ServiceName } from '../demo/shop/topology';
import { readLocalLogs } from '../lib/adapters/logs/local-reader';
import { parseLogQuery } from '../lib/core/logs/logql';
import { countLogTemplates, logLineOf, rankSuspects, SIGNAL_QUERIES, verdictOf, type RcaInput } from '../lib/core/rca';
import { PROMETHEUS_BINARY, startPrometheus } from '../test/helpers/prometheus';
import { startTestShop, type TestShop } from '../test/helpers/shop';
import { describeMachine, intFlag, runBench } from './lib';
import { cropInput, readCases, scoreCase, type RecordedCase } from './rca-cases';
import { writeReport } from './rca-report';

const root = resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? undefined : args[at + 1];
};
const recordDir = resolve(flag('record') ?? join(root, 'test', 'rca', 'cases'));
/** Seconds of normal traffic after the previous case's rates flushed; the first third is the ranking's reference. */
const baselineS = intFlag(args, 'baseline-s', 80, 30);
const faultS = intFlag(args, 'fault-s', 45, 20);
/** Where an alert would start: a rule with `for: 30s` on a 1-minute rate fires later, the ranking looks back from here. */
const AT_AFTER_INJECTION_S = 15;
/** A flushed 1-minute rate: after recovery the window must hold no faulty sample. */
const RATE_FLUSH_S = 65;

interface PlannedCase {
  fault: FaultKind;
  service: ServiceName;
  target?: ServiceName;
}

const caseName = (c: PlannedCase) => `${c.fault}:${c.service}${c.target ? `:${c.target}` : ''}`;

/** Every fault kind on every service that allows it (dependency: each callee), for a full run. */
function allCases(): PlannedCase[] {
  return FAULT_KINDS.flatMap((fault) =>
    SERVICES.flatMap((service): PlannedCase[] =>
      fault === 'dependency' ? CALLEES[service].map((target) => ({ fault, service, target })) : faultProblem(service, fault, undefined) ? [] : [{ fault, service }],
    ),
  );
}

/** Eight cases for a sitting (about 27 minutes): most kinds, several services. */
const QUICK = 'latency:payments,errors:inventory,crash:orders,cpu:inventory,memory:inventory,pool:db,dependency:orders:payments,config:payments';

function plannedCases(): PlannedCase[] {
  const list = flag('cases') ?? (args.includes('--quick') ? QUICK : undefined);
  if (list) {
    return list.split(',').map((text) => {
      const [fault, service = isFaultKind(fault) ? DEFAULT_SERVICE[fault] : '', target] = text.split(':');
      if (!isFaultKind(fault) || !isService(service) || (target !== undefined && !isService(target))) throw new Error(`bad case ${text}: want <kind>:<service>[:<target>]`);
      const problem = faultProblem(service, fault, target);
      if (problem) throw new Error(`bad case ${text}: ${problem}`);
      return { fault, service, ...(target ? { target } : {}) };
    });
  }
  const kinds = flag('kinds')?.split(',');
  const services = flag('services')?.split(',');
  return allCases().filter((c) => (!kinds || kinds.includes(c.fault)) && (!services || services.includes(c.service)));
}

/** The gatherer's pool: no Vigil loop ran, so there are no drift, sync or remediation rows. */
const NO_ROWS_POOL = { query: async () => ({ rows: [] }) } as unknown as pg.Pool;

function commitOf(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function runCases(say: (line: string) => void, shop: TestShop, prometheusUrl: string, cases: PlannedCase[]): Promise<void> {
  const prometheus = async (path: string, params: Record<string, string>, signal: AbortSignal) => {
    const response = await fetch(`${prometheusUrl}/${path}?${new URLSearchParams(params)}`, { signal });
    if (!response.ok) throw new Error(`Prometheus ${path}: HTTP ${response.status}`);
    return response.json();
  };
  const instant = async (query: string) => {
    const body = (await prometheus('api/v1/query', { query }, AbortSignal.timeout(10_000))) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
    return body.data?.result ?? [];
  };
  const definitions = () => ({ services: SERVICES.map((name) => ({ kind: 'services' as const, name, source: 'bench', spec: { name, dependsOn: [...CALLEES[name]] } })), apps: [] });
  const sources = { pool: NO_ROWS_POOL, prometheus, definitions, logDir: shop.dir };
  const commit = commitOf();
  mkdirSync(recordDir, { recursive: true });

  /** Every service answers /healthz 200 and no service's 1-minute error ratio is above 2 %: bounded, the case is marked if not. */
  async function recovered(limitS: number): Promise<boolean> {
    for (const deadline = Date.now() + limitS * 1000; Date.now() < deadline; await sleep(2_000)) {
      const health = await Promise.all(SERVICES.map((service) => shop.health(service).catch(() => ({ status: 0 }))));
      const errors = await instant(SIGNAL_QUERIES.error_ratio).catch(() => []);
      if (health.every((h) => h.status === 200) && errors.every((series) => !(Number(series.value[1]) > 0.02))) return true;
    }
    return false;
  }

  // Prometheus has just started: its first minute of rates is still filling.
  let cleanFrom = Date.now() / 1000 + RATE_FLUSH_S;
  for (const [index, planned] of cases.entries()) {
    const name = caseName(planned);
    const waitS = cleanFrom + baselineS - Date.now() / 1000;
    say(`case ${index + 1}/${cases.length} ${name}: ${Math.max(0, Math.round(waitS))} s of normal traffic first`);
    if (waitS > 0) await sleep(waitS * 1000);
    const load = (await describeMachine()).loadAverage1m;
    const injected = await shop.ctl('fault', planned.service, planned.fault, '--for', '4m', ...(planned.target ? ['--target', planned.target] : []));
    if (injected.code !== 0) throw new Error(`fault ${name}: ${injected.stderr}${injected.stdout}`);
    const injectedAt = Date.now() / 1000;
    await sleep(faultS * 1000);

    const at = injectedAt + AT_AFTER_INJECTION_S;
    const started = performance.now();
    const gathered = await gatherRcaInput(sources, { alert: { labels: { alertname: 'EvalInjectedFault' }, annotations: {} }, at }, AbortSignal.timeout(30_000));
    const input = cropInput(gathered, cleanFrom, await logCounts(shop.dir, at, cleanFrom, gathered));
    const gatherMs = performance.now() - started;
    const rankStarted = performance.now();
    const verdict = verdictOf(rankSuspects(input));
    const rankMs = performance.now() - rankStarted;
    const recorded: RecordedCase = {
      id: `${new Date(injectedAt * 1000).toISOString().slice(0, 19).replace(/[-:]/g, '')}-${name.replace(/:/g, '-')}`,
      truth: { service: planned.service, fault: planned.fault, ...(planned.target ? { target: planned.target } : {}), injectedAt: Math.round(injectedAt) },
      input,
      run: {
        date: new Date(injectedAt * 1000).toISOString(),
        commit,
        loadAverage1m: load,
        gatherMs: Math.round(gatherMs),
        rankMs: Math.round(rankMs * 10) / 10,
        injectionToVerdictS: Math.round(Date.now() / 1000 - injectedAt),
        changes: 'none (pool stub)',
      },
    };
    const file = join(recordDir, `${recorded.id}.json`);
    writeFileSync(file, `${JSON.stringify(recorded)}\n`);
    const score = scoreCase(recorded);
    say(
      `case ${name}: ours ${score.rankings.ours.slice(0, 3).join(' > ')} (${verdict.kind ?? 'no kind'}, ${score.rankings.ours[0] === planned.service ? 'hit' : 'MISS'}); BARO ${score.rankings.BARO[0]}, max|z| ${score.rankings['max |z|'][0]}, alerts ${score.rankings['most alerts'][0]}; gather ${Math.round(gatherMs)} ms; ${Math.round(readFileSync(file).length / 1024)} KB`,
    );

    await shop.ctl('heal', planned.service);
    // A crash leaves the process gone, a leak keeps its memory: start the service afresh so the next case starts clean.
    if (planned.fault === 'crash' || planned.fault === 'crashloop' || planned.fault === 'memory') await shop.ctl('restart', planned.service);
    for (const service of SERVICES) if ((await shop.health(service).catch(() => ({ status: 0 }))).status === 0) await shop.ctl('start', service);
    const ok = await recovered(90);
    if (!ok) say(`case ${name}: the shop did not recover within 90 s; going on (the next case's baseline may hold it)`);
    cleanFrom = Date.now() / 1000 + RATE_FLUSH_S;
  }
}

/** Warn and error log lines counted over the cropped window, with the gatherer's own parsing (it counted over 15 minutes, previous cases included). */
async function logCounts(dir: string, at: number, from: number, input: RcaInput): Promise<RcaInput['logs']> {
  const after = input.window?.after ?? 300;
  const read = await readLocalLogs({ dir, query: parseLogQuery('{level=~"warn|error"}'), startMs: from * 1000, endMs: (at + after) * 1000, limit: 5000, signal: AbortSignal.timeout(10_000) });
  const lines = read.entries.flatMap((entry) => logLineOf(entry.line, entry.labels.service) ?? []);
  return countLogTemplates(lines, at, { before: Math.round(at - from), after });
}

/** The shop's alerting rules, with its single `shop` job widened to the per-service jobs here. */
const shopRules = () => readFileSync(join(root, 'monitoring', 'rules', 'shop.yml'), 'utf8').replaceAll('job="shop"', 'job=~"shop-.+"');

void runBench({
  name: 'rca-eval',
  limitMs: 6 * 3600_000,
  async body(cleanup) {
    const say = (line: string) => console.error(`[rca-eval ${new Date().toISOString().slice(11, 19)}] ${line}`);
    const machine = await describeMachine({ prometheus: PROMETHEUS_BINARY });
    if (!args.includes('--report-only')) {
      const cases = plannedCases();
      say(`${cases.length} cases: ${cases.map(caseName).join(', ')}; recording to ${recordDir}`);
      const shop = await startTestShop({ rps: 10 });
      cleanup.defer('shop', () => shop.close());
      const prometheus = await startPrometheus(
        SERVICES.map((service) => ({ job: `shop-${service}`, target: `127.0.0.1:${shop.ports[service]}`, labels: { service } })),
        { rules: shopRules() },
      );
      cleanup.defer('prometheus', () => prometheus.stop());
      await prometheus.waitFor('http_requests_total{service="payments"}');
      await runCases(say, shop, prometheus.url, cases);
    }
    const recorded = readCases(recordDir);
    const text = writeReport({ recorded, machine, commit: commitOf(), recordDir, docPath: resolve(flag('doc') ?? join(root, 'docs', 'RCA-EVAL.md')) });
    console.log(text);
  },
});
