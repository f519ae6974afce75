// The quiet watch: while a service is healthy, one activity runs its check
// rounds on schedule for up to a minute and returns as soon as a round fails or
// a latency turns anomalous (or at its deadline). Each round is stored as it
// happens, exactly like a round the workflow runs itself; the workflow gets one
// compact summary instead of a timer, a task and an activity per round. That
// is what lets one dev server watch a thousand services (docs/PERFORMANCE.md).
import { Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckSpec } from '../lib/checks/types';
import { anomalyRules, initialBaseline, observe, type AnomalyRules, type BaselineState } from '../lib/health/anomaly';
import type { ActivityDeps } from './deps';
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
}

export interface WatchedCheck extends CheckOutcome {
  at: number;
  degraded?: boolean;
  baseline?: { samples: number; mean: number; spread: number };
}

export interface WatchResult {
  rounds: number;
  /** Why it returned: a round failed, a latency turned anomalous, or time was up. */
  stopped: 'failure' | 'anomaly' | 'deadline';
  /** The latest result of each check that ran. */
  last: Record<string, WatchedCheck>;
  nextDue: Record<string, number>;
  baselines: Record<string, BaselineState>;
  /** Epoch ms of the last round (the workflow's "now" for judging it). */
  lastRoundAt?: number;
}

export function createWatchActivities({ pool, metrics }: ActivityDeps) {
  return {
    async watchChecks(input: WatchInput): Promise<WatchResult> {
      const context = Context.current();
      const nextDue = Object.fromEntries(input.checks.map((check) => [check.name, check.nextDue]));
      const baselines = { ...input.baselines };
      const rules = input.latencyAnomaly === false ? undefined : anomalyRules(input.latencyAnomaly);
      const last: Record<string, WatchedCheck> = {};
      let rounds = 0;
      let lastRoundAt: number | undefined;
      for (;;) {
        const dueAt = Math.min(...Object.values(nextDue));
        if (dueAt > input.until) return { rounds, stopped: 'deadline', last, nextDue, baselines, lastRoundAt };
        context.heartbeat({ rounds });
        const wait = dueAt - Date.now();
        if (wait > 0) await sleep(wait, undefined, { signal: context.cancellationSignal });
        const at = Date.now();
        const due = input.checks.filter((check) => nextDue[check.name] <= at);
        const outcomes = await probeAndStore({ pool, metrics }, { service: input.service, round: input.firstRound + rounds, at, checks: due }, context.cancellationSignal);
        rounds += 1;
        lastRoundAt = at;
        let anomalous = false;
        for (const outcome of outcomes) {
          const view: WatchedCheck = { ...outcome, at };
          if (outcome.up && rules) {
            const judged = observe(baselines[outcome.name] ?? initialBaseline(), outcome.latencyMs, rules);
            baselines[outcome.name] = judged.state;
            view.baseline = { samples: judged.state.samples, mean: judged.verdict.expected.mean, spread: judged.verdict.expected.spread };
            view.degraded = judged.verdict.degraded;
            anomalous ||= judged.verdict.degraded;
          }
          last[outcome.name] = view;
          nextDue[outcome.name] = at + input.checks.find((check) => check.name === outcome.name)!.intervalMs;
        }
        if (outcomes.some((outcome) => !outcome.up)) return { rounds, stopped: 'failure', last, nextDue, baselines, lastRoundAt };
        if (anomalous) return { rounds, stopped: 'anomaly', last, nextDue, baselines, lastRoundAt };
      }
    },
  };
}
