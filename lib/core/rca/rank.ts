// The ranked offline investigator: which service most likely started it, and
// why. Pure: the data is gathered elsewhere and passed in as RcaInput.
//
// 1. Each service's own movement: its signals' robust scores (signals.ts) and
//    whether its process died (a crash explains whatever its callers show).
// 2. The call graph: a fault in a callee makes its callers degrade a little
//    later and a little less. A service with an unhealthy callee that moved no
//    later than itself is probably a victim and is discounted; one whose
//    callers degraded after it gains a little. Calls failing towards a callee
//    whose own signals are normal point at the caller (kind `dependency`).
// 3. Changes shortly before the onset (config apply, drift sync, deploy)
//    strengthen the service they touched, but only if it or its calls moved:
//    a harmless change on a quiet service gets nothing.
// 4. New or surging error log templates strengthen a service; on an otherwise
//    quiet service they make it a candidate of kind `logs`.
import { movedLogTemplates } from './logs';
import { confidenceFor } from './report';
import { analyseCrash, analyseService, DEFAULT_ANALYSIS, type AnalysisOptions, type CrashFinding, type SignalFinding } from './signals';
import type { Candidate, CauseKind, Change, Ranking, RcaEvidence, RcaInput } from './types';

export interface RankOptions extends AnalysisOptions {
  /** Seconds a callee's onset may trail its caller's and still explain it (scrape and rate-window jitter). */
  onsetTolerance: number;
  /** A change at most this long before an onset counts for it. */
  changeLead: number;
  /** What a victim keeps of its score when its callee explains it. */
  victimFactor: number;
  /** The score of one crash; each further crash in the window adds 40 % (a crash loop). */
  crashScore: number;
  /** Lines of a new or surging template before it counts. */
  minLogLines: number;
}

export const DEFAULT_RANK: RankOptions = { ...DEFAULT_ANALYSIS, onsetTolerance: 30, changeLead: 600, victimFactor: 0.3, crashScore: 50, minLogLines: 3 };

const CONFIG_LIKE: readonly Change['kind'][] = ['config', 'drift-sync', 'deploy', 'drift'];
/** Signals of a service's own resources: no callee makes them move. */
const OWN_RESOURCES: readonly string[] = ['cpu', 'memory', 'heap'];

// Weights, set on the synthetic shop (test/rca) and to be checked on the live evaluation. A
// config-like change doubles a service that moved (a change right before an onset explains
// most incidents); a restart or deploy-like event weighs less (it is often the cure, not the
// cause); an origin gains 20 % over its equal-scored callers; new error logs add 30 %. A
// victim keeps 30 % (up to 60 % when it moved far more than its callee explains).
const CHANGE_BOOST = 2;
const RESTART_BOOST = 1.3;
const ORIGIN_BOOST = 1.2;
const LOG_BOOST = 1.3;
const VICTIM_CAP = 0.6;
/** What an explained victim keeps of its explainer's score at most. */
const VICTIM_BELOW = 0.9;
/**
 * Seconds a process may appear down before the restart that explains it was recorded: a scrape
 * is stamped when it starts, and one under way when the process is stopped fails. No more: Vigil
 * restarts a crashed service seconds after the crash (two failed checks), and that restart must
 * not explain the crash away.
 */
const RESTART_SLACK = 5;
/**
 * Seconds after a restart within which going down (and the new start time) is that restart: it
 * takes seconds, plus up to two scrapes to be seen. Longer, and a restart done for an earlier
 * incident would explain away a new crash.
 */
const RESTART_SEEN_WITHIN = 45;

/** Whether a change counts for an onset: made within changeLead before it, or a drift found up to a window's end after it. */
function changeCounts(change: Change, onset: number, options: RankOptions): boolean {
  const latest = change.kind === 'drift' ? onset + options.after : onset + options.onsetTolerance;
  return change.at >= onset - options.changeLead && change.at <= latest;
}

interface State {
  service: string;
  findings: SignalFinding[];
  crash?: CrashFinding;
  /** Its own movement before the graph, changes and logs weigh in. */
  base: number;
  onset?: number;
  kind: CauseKind;
  score: number;
  evidence: RcaEvidence[];
}

export const formatValue = (value: number) => (Math.abs(value) < 0.01 ? (Math.abs(value) < 1e-4 ? '0' : value.toPrecision(2)) : String(Number(value.toPrecision(3))));
export const formatTime = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);

/** A signal's value in the unit a person reads it in. */
export function formatSignalValue(signal: string, value: number): string {
  const name = signal.split(':')[0];
  if (name === 'memory' || name === 'heap') return `${(value / 2 ** 20).toFixed(1)} MiB`;
  if (name === 'latency_p95') return `${formatValue(value * 1000)} ms`;
  if (name === 'error_ratio' || name === 'client_error_ratio' || name === 'pool_use') return `${formatValue(value * 100)} %`;
  if (name === 'cpu') return `${formatValue(value)} cores`;
  return formatValue(value);
}

function signalEvidence(finding: SignalFinding): RcaEvidence {
  const from = finding.onset !== undefined ? `, from ${formatTime(finding.onset)}` : '';
  const values = `${formatSignalValue(finding.signal, finding.before)} → ${formatSignalValue(finding.signal, finding.after)}`;
  return { type: 'signal', what: `${finding.signal} ${values} (score ${finding.score.toFixed(1)}${from})`, value: finding.score, at: finding.onset };
}

/** Whether its own signals (not its traffic) moved, or its process died; with `by`, no later than that (plus tolerance). */
function isUnhealthy(state: State | undefined, by = Infinity): state is State {
  return !!state && state.onset !== undefined && state.onset <= by && (state.crash !== undefined || state.findings.some((finding) => finding.anomalous && finding.kind !== 'traffic'));
}

/** A restart Vigil did itself (or a deploy's) right before a crash-like blip explains it. */
function explainedByRestart(crash: CrashFinding, changes: readonly Change[], tolerance: number): Change | undefined {
  const restarts = changes.filter((change) => change.service === crash.service && (change.kind === 'restart' || change.kind === 'remediation' || change.kind === 'deploy'));
  // The process goes down after the restart is asked for: only a scrape step of slack before it.
  const covered = (t: number) => restarts.some((change) => t >= change.at - tolerance && t <= change.at + RESTART_SEEN_WITHIN);
  return crash.crashes <= restarts.length && covered(crash.onset) && crash.restartsAt.every(covered) ? restarts.find((change) => covered(crash.onset)) : undefined;
}

function ownState(service: string, findings: SignalFinding[], crash: CrashFinding | undefined, options: RankOptions): State {
  const moved = findings.filter((finding) => finding.anomalous && finding.kind !== 'traffic').sort((a, b) => b.score - a.score);
  const crashScore = crash ? options.crashScore * (1 + 0.4 * (crash.crashes - 1)) : 0;
  const base = Math.max(crashScore, ...moved.map((finding) => finding.score), 0);
  const onsets = [...moved.map((finding) => finding.onset as number), ...(crash ? [crash.onset] : [])];
  // Latency and errors are symptoms; a saturated CPU or pool, or growing memory, is a cause even when the
  // symptom scores higher in its own units (a full pool: pool use 16 spreads, latency 80).
  const cause = moved.find((finding) => (finding.kind === 'saturation' || finding.kind === 'resource leak') && finding.score >= Math.max(2 * options.threshold, 0.1 * moved[0].score));
  const top = cause ?? moved[0];
  const kind: CauseKind = crash ? 'crash' : top ? (top.kind === 'traffic' || top.kind === 'dependency' ? 'errors' : top.kind) : 'logs';
  const shown = [...(cause ? [cause] : []), ...moved.filter((finding) => finding !== cause)].slice(0, 4);
  const evidence: RcaEvidence[] = [...(crash?.evidence ?? []), ...shown.map(signalEvidence)];
  if (crash && crash.crashes > 1) evidence.unshift({ type: 'signal', what: `crash loop: ${crash.crashes} crashes in the window`, value: crash.crashes, at: crash.onset });
  return { service, findings, crash, base, onset: onsets.length ? Math.min(...onsets) : undefined, kind, score: base, evidence };
}

export function rankSuspects(input: RcaInput, partial: Partial<RankOptions> = {}): Ranking {
  const options: RankOptions = { ...DEFAULT_RANK, ...(input.window ?? {}), ...(input.rateWindow ? { rateWindow: input.rateWindow } : {}), ...partial };
  const { at } = input;
  const changes = input.changes ?? [];
  const upper = at + options.after;
  const end = Math.max(...input.services.flatMap((service) => Object.values(service.signals).flatMap((series) => (series ?? []).filter(([t]) => t <= upper).map(([t]) => t))), at);

  const states = new Map<string, State>();
  const silentRestarts: [string, Change][] = [];
  for (const service of input.services) {
    let crash = analyseCrash(service, at, end, options);
    const restart = crash && explainedByRestart(crash, changes, RESTART_SLACK);
    if (restart) {
      silentRestarts.push([service.service, restart]);
      crash = undefined;
    }
    states.set(service.service, ownState(service.service, analyseService(service, at, options), crash, options));
  }
  for (const [service, restart] of silentRestarts) {
    states.get(service)?.evidence.push({ type: 'change', what: `down only while restarted (${restart.kind}${restart.detail ? `: ${restart.detail}` : ''})`, at: restart.at });
  }
  const callers = (service: string) => Object.entries(input.callees).flatMap(([caller, callees]) => (callees.includes(service) ? [caller] : []));
  const moved = [...states.values()].filter((state) => state.base > 0);
  const globalOnset = moved.length ? Math.min(...moved.map((state) => state.onset as number)) : undefined;

  // Calls failing towards a callee that is itself fine: the caller's own doing (or the callee's change, below).
  for (const state of moved) {
    // A callee that moved only after the calls to it began to fail (a noisy one, say) does not explain them.
    const dependency = state.findings
      .filter((finding) => finding.anomalous && finding.callee !== undefined && !isUnhealthy(states.get(finding.callee), (finding.onset as number) + options.onsetTolerance))
      .sort((a, b) => b.score - a.score)[0];
    if (dependency && state.crash === undefined) {
      state.kind = 'dependency';
      state.evidence.push({ type: 'graph', what: `calls to ${dependency.callee} fail while ${dependency.callee}'s own signals are normal`, value: dependency.score, at: dependency.onset });
    }
  }

  // A quiet service changed just before its callers' calls to it began to fail: the change is the likelier cause.
  const blamedChange = new Map<string, string>();
  for (const state of states.values()) {
    if (state.base > 0) continue;
    for (const change of changes.filter((change) => change.service === state.service && CONFIG_LIKE.includes(change.kind))) {
      for (const caller of callers(state.service)) {
        const failing = states.get(caller)?.findings.find((finding) => finding.anomalous && finding.callee === state.service && changeCounts(change, finding.onset as number, options));
        if (!failing) continue;
        const score = (states.get(caller) as State).base * 1.1;
        if (score <= state.score) continue;
        state.score = score;
        state.kind = 'bad change';
        state.onset = Math.min(change.at, failing.onset as number);
        state.evidence = [changeEvidence(change), { type: 'graph', what: `${caller}'s calls to it fail since ${formatTime(failing.onset as number)}`, value: failing.score, at: failing.onset }];
        blamedChange.set(caller, state.service);
      }
    }
  }

  // The graph: discount victims, favour origins. Computed from the bases, so the order of services does not matter.
  const explainedBy = new Map<State, State[]>();
  for (const state of moved) {
    const explainers = (input.callees[state.service] ?? []).map((callee) => states.get(callee)).filter((callee) => isUnhealthy(callee, (state.onset as number) + options.onsetTolerance)) as State[];
    const changed = blamedChange.get(state.service);
    if (explainers.length || changed) {
      // A caller that moved far more than its callee, in a way a slow or failing callee cannot cause (its own CPU
      // or memory), may have trouble of its own: it keeps more, up to VICTIM_CAP. Its latency, errors and a pool
      // full of connections waiting on the callee are what the callee causes, however large in its own units.
      const strongest = Math.max(...explainers.map((callee) => callee.base), 0);
      const ownTrouble = state.findings.some((finding) => finding.anomalous && OWN_RESOURCES.includes(finding.signal));
      const ratio = explainers.some((callee) => callee.crash) || changed || !strongest || !ownTrouble ? 1 : state.base / strongest;
      state.score *= Math.min(VICTIM_CAP, Math.max(options.victimFactor, (options.victimFactor * ratio) / 3));
      if (!ownTrouble && explainers.length) explainedBy.set(state, explainers);
      const names = [...explainers.map((callee) => callee.service), ...(changed ? [changed] : [])];
      state.evidence.push({ type: 'graph', what: `likely a victim: its callee${names.length > 1 ? 's' : ''} ${names.join(', ')} moved first` });
      if (state.kind === 'dependency') state.kind = 'errors';
    } else {
      const after = callers(state.service).filter((caller) => {
        const other = states.get(caller);
        return other !== undefined && other.base > 0 && (other.onset as number) >= (state.onset as number) - options.onsetTolerance;
      });
      if (after.length) {
        state.score *= ORIGIN_BOOST;
        state.evidence.push({ type: 'graph', what: `its callees are healthy and its caller${after.length > 1 ? 's' : ''} ${after.join(', ')} degraded after it` });
      }
    }
    if (state.crash) {
      // A dead process explains whatever its callers show, however large in their units.
      const callerBase = Math.max(0, ...callers(state.service).map((caller) => states.get(caller)?.base ?? 0));
      state.score = Math.max(state.score, callerBase * ORIGIN_BOOST);
    }
  }

  for (const state of moved) {
    const reference = state.onset as number;
    const before = changes.filter((change) => change.service === state.service && changeCounts(change, reference, options));
    const config = before.filter((change) => CONFIG_LIKE.includes(change.kind));
    if (config.length) {
      state.score *= CHANGE_BOOST;
      state.kind = 'bad change';
      state.evidence.unshift(...config.map(changeEvidence));
    } else if (before.length && !state.crash) {
      // Vigil's own remediations answer an unhealthy service (this incident's or an earlier one's): evidence, not a cause.
      if (before.some((change) => change.kind !== 'remediation')) state.score *= RESTART_BOOST;
      state.evidence.push(...before.map(changeEvidence));
    }
  }

  const logWindow = { before: options.before, after: options.after };
  for (const log of movedLogTemplates(input.logs ?? [], logWindow, options.minLogLines)) {
    const state = states.get(log.service);
    if (!state) continue;
    const what = `log "${log.template}" ${log.before === 0 ? 'new' : 'surging'}: ${log.before} → ${log.after} lines`;
    if (!state.evidence.some((item) => item.type === 'log')) {
      if (state.score > 0) state.score *= LOG_BOOST;
      else {
        state.score = options.threshold * (1 + Math.log10(1 + log.after));
        state.kind = 'logs';
        state.onset = globalOnset ?? at;
      }
    }
    state.evidence.push({ type: 'log', what, value: log.after });
  }

  // A victim its callees fully explain ranks below them, down a chain (gateway → orders → db), after every
  // boost: the robust scores of different services are in different units, and a caller's are often the
  // larger. Unless a change of its own made it a bad change.
  for (const state of calleesFirst(moved, input.callees)) {
    const explainers = explainedBy.get(state);
    if (explainers && state.kind !== 'bad change') state.score = Math.min(state.score, VICTIM_BELOW * Math.max(...explainers.map((callee) => callee.score)));
  }

  for (const alert of input.alerts ?? []) {
    const state = states.get(alert.service);
    if (state && state.score > 0 && alert.at >= at - options.before && alert.at <= upper) state.evidence.push({ type: 'alert', what: `alert ${alert.name} firing`, at: alert.at });
  }

  const ranked = [...states.values()].filter((state) => state.score > 0).sort((a, b) => b.score - a.score || (a.onset ?? Infinity) - (b.onset ?? Infinity) || a.service.localeCompare(b.service));
  const candidates: Candidate[] = ranked.map((state, index) => {
    const next = ranked[index + 1]?.score ?? 0;
    return { service: state.service, kind: state.kind, score: state.score, margin: (state.score - next) / state.score, onset: state.onset, evidence: state.evidence };
  });
  const nearest = (state: State) => Math.max(0, ...state.findings.filter((finding) => finding.kind !== 'traffic').map((finding) => finding.score));
  const quiet = [...states.values()].filter((state) => state.score <= 0).sort((a, b) => nearest(b) - nearest(a) || a.service.localeCompare(b.service));
  const known = new Set(states.keys());
  const unseen = [...new Set([...Object.keys(input.callees), ...Object.values(input.callees).flat()])].filter((service) => !known.has(service)).sort();
  return {
    candidates,
    order: [...candidates.map((candidate) => candidate.service), ...quiet.map((state) => state.service), ...unseen],
    onset: candidates.length ? Math.min(...candidates.map((candidate) => candidate.onset ?? Infinity)) : undefined,
    confidence: confidenceFor(candidates, options.threshold),
  };
}

/** The states with every callee before its callers (depth first over the call graph; a cycle keeps the given order). */
function calleesFirst(states: readonly State[], callees: Readonly<Record<string, readonly string[]>>): State[] {
  const byName = new Map(states.map((state) => [state.service, state]));
  const ordered: State[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const callee of callees[name] ?? []) visit(callee);
    const state = byName.get(name);
    if (state) ordered.push(state);
  };
  for (const state of states) visit(state.service);
  return ordered;
}

function changeEvidence(change: Change): RcaEvidence {
  return { type: 'change', what: `${change.kind} on ${change.service} at ${formatTime(change.at)}${change.detail ? `: ${change.detail}` : ''}`, at: change.at };
}
