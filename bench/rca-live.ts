// The live half of the root-cause evaluation (bench/rca-eval.ts): cases run
// under `vigil up` as a user runs it (bench/shop-stack.ts: the shipped
// definitions, so five health loops and the shop-payments drift loop in
// self-heal, the shop's own Prometheus and Alertmanager, no model key). Per
// case: normal traffic, sometimes a harmless change to payments' settings (a
// distractor the drift loop records and heals), the fault, then whatever
// happens: the first shop alert, the triage Alertmanager starts and the report
// it stores. The case records that report and its timings beside the RcaInput
// gathered as the triage's rank_suspects gathered it (same alert, same
// instant, Vigil's real change rows), cut to the case's own normal traffic.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorLogLines, gatherRcaInput, logCounts } from '../activities/rank-suspects';
import { CALLEES, PAYMENTS_DEFAULTS, SERVICES, shopFiles, type FaultKind, type ServiceName } from '../demo/shop/topology';
import { createPool } from '../lib/adapters/db/pool';
import { rankSuspects, SIGNAL_QUERIES, verdictOf } from '../lib/core/rca';
import { describeMachine, type Cleanup } from './lib';
import { cropInput, scoreCase, type LiveRun, type RecordedCase } from './rca-cases';
import type { ShopStack } from './shop-stack';
import { timeUntil } from './shop-stack';

export interface PlannedCase {
  fault: FaultKind;
  service: ServiceName;
  target?: ServiceName;
}

export const caseName = (c: PlannedCase) => `${c.fault}:${c.service}${c.target ? `:${c.target}` : ''}`;

export interface LiveOptions {
  recordDir: string;
  commit: string;
  /** Seconds of normal traffic after the previous case's rates flushed. */
  baselineS: number;
  /** How long to wait for an alert; without one the input is gathered at the injection + 15 s, 45 s in. */
  alertWaitS: number;
  /** Every n-th case gets the distractor (0: none). */
  distractorEvery: number;
  /** The model mode: `vigil up` was given a key and asks this model. */
  model?: string;
}

/** A 1-minute rate holds a sample for 60 s: the next case's normal traffic starts this long after the heal. */
const RATE_FLUSH_S = 65;
/** Without an alert: where one would start, and how long the fault runs before gathering. */
const NO_ALERT_AT_S = 15;
const NO_ALERT_GATHER_S = 45;
/** The distractor goes in this long before the fault: the drift loop (20 s ± 10 s) sees and heals it before. */
const DISTRACTOR_LEAD_S = 45;

interface TriageSummary {
  id: string;
  workflowId: string;
  alertname: string;
  service: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
}

export async function runLiveCases(say: (line: string) => void, stack: ShopStack, cases: PlannedCase[], options: LiveOptions, cleanup: Cleanup): Promise<void> {
  const pool = createPool({ url: stack.databaseUrl, schema: 'vigil', max: 2, applicationName: 'rca-eval' });
  cleanup.defer('eval pool', () => pool.end());
  const prometheus = async (path: string, params: Record<string, string>, signal: AbortSignal) => {
    const response = await fetch(`${stack.prometheusUrl}/${path}?${new URLSearchParams(params)}`, { signal });
    if (!response.ok) throw new Error(`Prometheus ${path}: HTTP ${response.status}`);
    return response.json();
  };
  const definitions = () => ({
    services: SERVICES.map((name) => ({ kind: 'services' as const, name, source: 'bench', spec: { name, dependsOn: [...CALLEES[name]] } })),
    apps: [{ kind: 'apps' as const, name: 'shop-payments', source: 'bench', spec: { name: 'shop-payments', service: 'payments' } }],
  });
  const logDir = join(stack.dataDir, 'demo');
  const sources = { pool, prometheus, definitions, logDir };
  const healthy = async () => ((await stack.api('/services')) as { status: string }[]).filter((service) => service.status === 'healthy').length === SERVICES.length;
  const ready = await timeUntil(async () => (await healthy()) && (await stack.prometheus('up{job="shop"} == 1')).length === SERVICES.length, 300_000);
  if (ready === undefined) throw new Error('the shop did not come up healthy and scraped within 300 s');

  /** Every service answers /healthz 200 and no 1-minute error ratio is above 2 %. */
  const recovered = async () => (await healthy()) && (await stack.prometheus(SIGNAL_QUERIES.error_ratio)).every((series) => !(Number(series.value[1]) > 0.02));

  let cleanFrom = Date.now() / 1000 + RATE_FLUSH_S;
  for (const [index, planned] of cases.entries()) {
    const name = caseName(planned);
    const distract = options.distractorEvery > 0 && index % options.distractorEvery === options.distractorEvery - 1 && planned.service !== 'payments';
    const injectAt = cleanFrom + options.baselineS;
    say(
      `case ${index + 1}/${cases.length} ${name}${distract ? ' (with a harmless change to payments first)' : ''}: ${Math.max(0, Math.round(injectAt - Date.now() / 1000))} s of normal traffic first`,
    );
    let distractor: string | undefined;
    if (distract) {
      await sleepUntil(injectAt - DISTRACTOR_LEAD_S);
      // A real, harmless setting change (one more retry) that the drift loop finds and puts back: a change to payments, not the cause.
      writeFileSync(shopFiles(logDir).paymentsSettings, `${JSON.stringify({ ...PAYMENTS_DEFAULTS, retries: PAYMENTS_DEFAULTS.retries + 1 })}\n`);
      distractor = `payments.json retries ${PAYMENTS_DEFAULTS.retries} → ${PAYMENTS_DEFAULTS.retries + 1}, ${DISTRACTOR_LEAD_S} s before the fault`;
    }
    await sleepUntil(injectAt);
    const load = (await describeMachine()).loadAverage1m;
    const injectedIso = new Date().toISOString();
    const injected = await stack.ctl('fault', planned.service, planned.fault, '--for', '4m', ...(planned.target ? ['--target', planned.target] : []));
    if (injected.code !== 0) throw new Error(`fault ${name}: ${injected.stderr}${injected.stdout}`);
    const injectedAt = Date.now() / 1000;

    // The first triage a shop alert started after the injection, and its end.
    let triage: TriageSummary | undefined;
    await timeUntil(async () => {
      const listed = (await stack.api(`/triage?since=${encodeURIComponent(injectedIso)}`)) as TriageSummary[];
      triage = listed.filter((run) => run.alertname.startsWith('Shop')).sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0];
      return triage !== undefined;
    }, options.alertWaitS * 1000);
    const live: LiveRun = { mode: options.model ? 'model' : 'offline', ...(options.model ? { model: options.model } : {}), ...(distractor ? { distractor } : {}) };
    let at = injectedAt + NO_ALERT_AT_S;
    let nowMs = (injectedAt + NO_ALERT_GATHER_S) * 1000;
    let labels: Record<string, string> = { alertname: 'EvalInjectedFault' };
    if (triage) {
      await timeUntil(async () => ['completed', 'failed', 'cancelled'].includes((await stack.api(`/triage/${encodeURIComponent(triage!.id)}`)).status), 120_000);
      const detail = await stack.api(`/triage/${encodeURIComponent(triage.id)}`);
      const startsAt = triage.workflowId.slice(triage.workflowId.lastIndexOf('/') + 1);
      at = Date.parse(startsAt) / 1000;
      nowMs = Date.parse(triage.startedAt);
      labels = detail.labels;
      live.alert = { name: triage.alertname, service: triage.service, startsAt };
      live.triage = {
        id: triage.id,
        status: detail.status,
        rootCauseService: detail.report?.rootCauseService,
        causeKind: detail.report?.causeKind,
        confidence: detail.report?.confidence,
        startedAt: detail.startedAt,
        finishedAt: detail.finishedAt ?? undefined,
      };
      if (detail.cost) {
        const { requests, inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens, dollars } = detail.cost as NonNullable<LiveRun['cost']>;
        live.cost = { requests, inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens, dollars };
      }
      live.injectionToAlertS = round1(at - injectedAt);
      if (detail.finishedAt) live.alertToReportS = round1(Date.parse(detail.finishedAt) / 1000 - at);
    } else {
      await sleepUntil(nowMs / 1000);
    }

    const started = performance.now();
    const gathered = await gatherRcaInput(sources, { alert: { labels, annotations: {} }, at }, AbortSignal.timeout(30_000), nowMs);
    const end = Math.min(nowMs / 1000, at + (gathered.window?.after ?? 300));
    const lines = await errorLogLines(logDir, cleanFrom, end, AbortSignal.timeout(10_000));
    const input = cropInput(gathered, cleanFrom, logCounts(lines, at, { before: Math.round(at - cleanFrom), after: gathered.window?.after ?? 300 }, end));
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
        commit: options.commit,
        loadAverage1m: load,
        gatherMs: Math.round(gatherMs),
        rankMs: Math.round(rankMs * 10) / 10,
        injectionToVerdictS: Math.round(nowMs / 1000 - injectedAt),
        changes: `Vigil's rows (vigil up: health loops, drift loop shop-payments): ${input.changes?.length ?? 0} in the window`,
        live,
      },
    };
    writeFileSync(join(options.recordDir, `${recorded.id}.json`), `${JSON.stringify(recorded)}\n`);
    const score = scoreCase(recorded);
    const said = live.triage
      ? `triage of ${live.alert!.name}/${live.alert!.service} said ${live.triage.rootCauseService ?? '-'} (${live.triage.causeKind ?? '-'}) ${live.alertToReportS ?? '?'} s after the alert`
      : 'no alert';
    say(
      `case ${name}: ${said}; replay ${score.rankings.ours.slice(0, 3).join(' > ')} (${verdict.kind ?? 'no kind'}, ${score.rankings.ours[0] === planned.service ? 'hit' : 'MISS'}); ${input.changes?.length ?? 0} changes`,
    );

    await stack.ctl('heal', planned.service);
    const healedAt = Date.now() / 1000;
    // A crash leaves the process gone, a leak keeps its memory: start the service afresh so the next case starts clean.
    if (planned.fault === 'crash' || planned.fault === 'crashloop' || planned.fault === 'memory') await stack.ctl('restart', planned.service);
    await stack.ctl('start'); // whatever of the shop is not running (Vigil's own restarts may be under way: start is idempotent)
    if ((await timeUntil(recovered, 120_000)) === undefined) say(`case ${name}: the shop did not recover within 120 s; going on (the next case's baseline may hold it)`);
    cleanFrom = Math.max(healedAt + RATE_FLUSH_S, Date.now() / 1000);
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

async function sleepUntil(epochS: number): Promise<void> {
  const ms = epochS * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
}
