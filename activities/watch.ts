// The quiet watch: while a service is healthy, one activity runs its check
// rounds on schedule for up to a minute and returns as soon as a round would
// change the service's status (failureThreshold failed rounds, an anomaly), at
// its deadline, or when its worker stops (with the rounds it has run). Each
// round is stored as it happens, exactly like a round the workflow runs itself;
// the workflow gets one
// compact summary instead of a timer, a task and an activity per round. That
// is what lets one dev server watch a thousand services (docs/PERFORMANCE.md).
import { Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckSpec } from '../lib/core/checks/types';
import { anomalyRules, initialBaseline, observe, type AnomalyRules, type BaselineState } from '../lib/core/health/anomaly';
import { applyRound, type HealthCounters, type RoundOutcome, type Thresholds } from '../lib/core/health/state';
import type { ActivityDeps } from './deps';
import type { UnstoredRound } from '../lib/core/health/storage';
import { probeAndStore, type CheckOutcome } from './health';

export interface WatchInput {
  service: string;
  /** The first round this watch runs gets this number. */
  firstRound: number;
  checks: { name: string; spec: CheckSpec; intervalMs: number; nextDue: number }[];
  baselines: Record<string, BaselineState>;
  /** Latency anomaly rules; false: latency anomalies are off for this service. */
  latencyAnomaly: Partial<AnomalyRules> | false;
  /** Epoch ms: no round starts after this. */
  until: number;
  /** The service's counters when the watch starts, and its thresholds: the watch stops where the status would change. */
  counters: HealthCounters;
  thresholds: Thresholds;
}

export interface WatchedCheck extends CheckOutcome {
  at: number;
  degraded?: boolean;
  baseline?: { samples: number; mean: number; spread: number };
}

export interface WatchResult {
  rounds: number;
  /** What each round found, in order; only the last may change the status. */
  verdicts: RoundOutcome[];
  /**
   * Why it returned: the last round changes the status, time was up, its worker is
   * stopping, or the last round could not be stored (the loop keeps it and runs the
   * next rounds itself until PostgreSQL is back).
   */
  stopped: 'transition' | 'deadline' | 'worker-stopping' | 'storage-unavailable';
  /** The last round, when it could not be stored. */
  unstored?: UnstoredRound;
  /** The latest result of each check that ran. */
  last: Record<string, WatchedCheck>;
  nextDue: Record<string, number>;
  baselines: Record<string, BaselineState>;
  /** Epoch ms of the last round (the workflow's "now" for judging it). */
  lastRoundAt?: number;
}

const workerStopping = (context: Context) => (context.cancellationSignal.reason as Error | undefined)?.message === 'WORKER_SHUTDOWN';

export function createWatchActivities({ pool, metrics, log }: ActivityDeps) {
  return {
    async watchChecks(input: WatchInput): Promise<WatchResult> {
      const context = Context.current();
      const nextDue = Object.fromEntries(input.checks.map((check) => [check.name, check.nextDue]));
      const baselines = { ...input.baselines };
      const rules = input.latencyAnomaly === false ? undefined : anomalyRules(input.latencyAnomaly);
      const last: Record<string, WatchedCheck> = {};
      const verdicts: RoundOutcome[] = [];
      let counters = input.counters;
      let lastRoundAt: number | undefined;
      let unstored: UnstoredRound | undefined;
      const result = (stopped: WatchResult['stopped']): WatchResult => ({ rounds: verdicts.length, verdicts, stopped, last, nextDue, baselines, lastRoundAt, ...(unstored ? { unstored } : {}) });
      /** Waits for `dueAt`, then probes the checks due and stores the round. */
      const nextRound = async (dueAt: number): Promise<{ at: number; outcomes: CheckOutcome[] }> => {
        const wait = dueAt - Date.now();
        if (wait > 0) await sleep(wait, undefined, { signal: context.cancellationSignal });
        const at = Date.now();
        // A timer may fire a millisecond before the wall clock reaches dueAt: the check it waited for is due all the same.
        const due = input.checks.filter((check) => nextDue[check.name] <= Math.max(at, dueAt));
        const round = input.firstRound + verdicts.length;
        const { outcomes, stored } = await probeAndStore({ pool, metrics, log }, { service: input.service, round, at, checks: due }, context.cancellationSignal);
        if (!stored) unstored = { round, at, results: outcomes };
        return { at, outcomes };
      };
      for (;;) {
        const dueAt = Math.min(...Object.values(nextDue));
        if (dueAt > input.until) return result('deadline');
        context.heartbeat({ rounds: verdicts.length });
        const round = await nextRound(dueAt).catch((error: unknown) => {
          // The worker is stopping: hand the rounds so far to the loop, which runs
          // the next ones (or a new watch) on a worker that stays. Nothing is lost.
          if (workerStopping(context)) return undefined;
          throw error;
        });
        if (!round) return result('worker-stopping');
        const { at, outcomes } = round;
        lastRoundAt = at;
        for (const outcome of outcomes) {
          const view: WatchedCheck = { ...outcome, at };
          if (outcome.up && rules) {
            const judged = observe(baselines[outcome.name] ?? initialBaseline(), outcome.latencyMs, rules);
            baselines[outcome.name] = judged.state;
            view.baseline = { samples: judged.state.samples, mean: judged.verdict.expected.mean, spread: judged.verdict.expected.spread };
            view.degraded = judged.verdict.degraded;
          }
          last[outcome.name] = view;
          nextDue[outcome.name] = at + input.checks.find((check) => check.name === outcome.name)!.intervalMs;
        }
        // The service as the loop will judge it: the latest view of every check (the watch starts from a healthy one),
        // where a check that did not run this round counts its failure only once (lib/health/state.ts).
        const views = Object.values(last);
        const verdict: RoundOutcome = { up: views.every((view) => view.up), anomalous: views.some((view) => view.degraded ?? false) };
        if (!verdict.up && outcomes.every((outcome) => outcome.up)) verdict.repeatsEarlierFailure = true;
        verdicts.push(verdict);
        const judged = applyRound(counters, verdict, input.thresholds);
        counters = judged.counters;
        if (judged.transition) return result('transition');
        if (unstored) return result('storage-unavailable');
      }
    },
  };
}
