// The part of docs/RCA-EVAL.md about the cases run under `vigil up`
// (bench/rca-live.ts): what the triage a real alert started said, how long
// alert → report took, and which changes and distractors Vigil's own rows held.
import type { FaultKind } from '../demo/shop/topology';
import { percentile } from './lib';
import { EXPECTED_KINDS, type RecordedCase } from './rca-cases';

const pct = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)} %` : '–');

/** Nearest-rank percentile of seconds, one decimal; '–' for none. */
export function secondsAt(values: readonly number[], p: number): string {
  const value = percentile([...values], p);
  return Number.isFinite(value) ? value.toFixed(1) : '–';
}

export const isLive = (recorded: RecordedCase) => recorded.run.live !== undefined;

/** Whether the triage's own report named the true service first, and a kind the fault may rightly be called. */
function triageRight(recorded: RecordedCase) {
  const triage = recorded.run.live?.triage;
  return {
    service: triage?.rootCauseService === recorded.truth.service,
    kind: triage?.causeKind !== undefined && (EXPECTED_KINDS[recorded.truth.fault] as readonly string[]).includes(triage.causeKind),
  };
}

/** One line for the case table: which alert fired and what its triage said. */
export function triageCell(recorded: RecordedCase): string {
  const live = recorded.run.live;
  if (!live) return '(first harness)';
  if (!live.triage) return 'no alert';
  return `${live.alert!.name}/${live.alert!.service} → ${live.triage.rootCauseService ?? '–'} (${live.triage.causeKind ?? '–'}), ${live.alertToReportS ?? '?'} s`;
}

export function liveSection(recorded: readonly RecordedCase[]): string[] {
  const live = recorded.filter(isLive);
  if (!live.length) return [];
  const kinds = [...new Set(live.map((r) => r.truth.fault))].sort() as FaultKind[];
  const row = (label: string, cases: readonly RecordedCase[]) => {
    const triaged = cases.filter((r) => r.run.live!.triage);
    const right = triaged.map(triageRight);
    const alertToReport = triaged.flatMap((r) => (r.run.live!.alertToReportS === undefined ? [] : [r.run.live!.alertToReportS]));
    const toAlert = triaged.flatMap((r) => (r.run.live!.injectionToAlertS === undefined ? [] : [r.run.live!.injectionToAlertS]));
    const alertOnTruth = triaged.filter((r) => r.run.live!.alert!.service === r.truth.service).length;
    const costs = triaged.map((r) => r.run.live!.cost ?? { requests: 0, inputTokens: 0, outputTokens: 0, dollars: 0 });
    const middle = (values: number[]) => percentile(values, 50) || 0;
    const cost = `${middle(costs.map((c) => c.requests))} / ${middle(costs.map((c) => c.inputTokens + (c.cacheWriteTokens ?? 0) + (c.cacheReadTokens ?? 0) + c.outputTokens))} / $${middle(costs.map((c) => c.dollars)).toFixed(3)}`;
    return `| ${label} | ${cases.length} | ${triaged.length} | ${triaged.length ? pct(alertOnTruth / triaged.length) : '–'} | ${triaged.length ? pct(right.filter((r) => r.service).length / triaged.length) : '–'} | ${triaged.length ? pct(right.filter((r) => r.kind).length / triaged.length) : '–'} | ${secondsAt(toAlert, 50)} | ${secondsAt(alertToReport, 50)} / ${secondsAt(alertToReport, 90)} | ${cost} |`;
  };
  const table = (cases: readonly RecordedCase[]) => [
    '| fault kind | cases | alert fired | alert on the cause | triage AC@1 | triage kind right | injection → alert, median s | alert → report, median / p90 s | model requests / tokens (cached included) / cost, median |',
    '|---|---|---|---|---|---|---|---|---|',
    ...kinds.flatMap((kind) => {
      const of = cases.filter((r) => r.truth.fault === kind);
      return of.length ? [row(kind, of)] : [];
    }),
    row('**overall**', cases),
  ];
  const offline = live.filter((r) => r.run.live!.mode !== 'model');
  const model = live.filter((r) => r.run.live!.mode === 'model');
  const triaged = live.filter((r) => r.run.live!.triage && r.run.live!.mode !== 'model');
  const alertToReport = triaged.flatMap((r) => (r.run.live!.alertToReportS === undefined ? [] : [r.run.live!.alertToReportS]));
  const withChanges = live.filter((r) => (r.input.changes?.length ?? 0) > 0).length;
  const distracted = live.filter((r) => r.run.live!.distractor);
  const distractedRight = distracted.filter((r) => triageRight(r).service || !r.run.live!.triage).length;
  return [
    '## The live triage: what a user saw',
    '',
    `${live.length} cases ran under \`vigil up\` (bench/rca-live.ts). For each, the first shop alert after the injection started a triage through Alertmanager, as in production; ` +
      "the triage's report (its `rootCauseService` and `causeKind`, stored in PostgreSQL) is scored here as it was written, by the code of the commit the case records. " +
      "'alert on the cause' is how often the alert that started the triage was about the faulted service itself (the rest began at a caller's symptom). " +
      "Alert → report runs from the alert's `startsAt` (Prometheus: when it began firing) to the triage's stored end; it includes Alertmanager's `group_wait` (5 s in the config `vigil up` writes).",
    '',
    `**Offline** (${offline.length} cases, no model key: the offline investigator writes the report):`,
    '',
    ...(offline.length ? table(offline) : ['none']),
    '',
    model.length
      ? `**Model** (${model.length} cases, ${[...new Set(model.map((r) => r.run.live!.model))].join(', ')}; dollars from llm.prices):`
      : "**Model**: skipped, no `ANTHROPIC_API_KEY` on this machine (with one, `npm run eval:rca` runs this mode and fills a table like the one above, with the model's requests, tokens and dollars).",
    '',
    ...(model.length ? [...table(model), ''] : []),
    alertToReport.length
      ? `Goal (issue 17): alert to offline report, median ≤ 10 s. Measured: median ${secondsAt(alertToReport, 50)} s, p90 ${secondsAt(alertToReport, 90)} s, max ${secondsAt(alertToReport, 100)} s over ${alertToReport.length} triages.`
      : 'Goal (issue 17): alert to offline report, median ≤ 10 s: no offline triage ran.',
    '',
    `Changes: ${withChanges} of ${live.length} live inputs hold at least one change from Vigil's own rows (remediations its health loops ran, drift its shop-payments loop found and synced). ` +
      `Distractor: ${distracted.length} cases had a harmless change to payments (one more retry, found and put back by the drift loop) about 45 s before a fault elsewhere; ` +
      `in ${distractedRight} of them the triage still named the faulted service (or no alert fired).`,
    '',
  ];
}
