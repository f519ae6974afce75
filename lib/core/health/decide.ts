// What the health loop should do about an unhealthy service, as one pure
// decision: act (the next ladder step), wait (cooldown, settling), hold off
// (paused, maintenance, a dependency is down), or give up (cap reached,
// flapping, ladder exhausted). The workflow performs it; tests call it directly.
import { isFlapping, remediationVerdict, type FlapRule, type RemediationLimits } from './limits';
import type { HealthStatus } from './state';

export interface DecisionInput {
  now: number;
  status: HealthStatus;
  ladderLength: number;
  ladderIndex: number;
  actionTimes: number[];
  transitionTimes: number[];
  limits: RemediationLimits;
  flapping: FlapRule;
  settleUntil?: number;
  gaveUp: boolean;
  paused: boolean;
  maintenanceUntil?: number;
  unhealthyDependencies: string[];
}

export type Decision =
  | { kind: 'none' }
  | { kind: 'suppressed'; reason: string }
  | { kind: 'wait'; until: number; reason: string }
  | { kind: 'act'; step: number }
  | { kind: 'give-up'; reason: string };

export function decide(input: DecisionInput): Decision {
  if (input.status !== 'unhealthy' || input.gaveUp || input.ladderLength === 0) return { kind: 'none' };
  if (input.paused) return { kind: 'suppressed', reason: 'paused' };
  if (input.maintenanceUntil !== undefined) return { kind: 'suppressed', reason: `maintenance window until ${new Date(input.maintenanceUntil).toISOString()}` };
  if (input.unhealthyDependencies.length) return { kind: 'suppressed', reason: `depends on ${input.unhealthyDependencies.join(', ')}, which ${input.unhealthyDependencies.length > 1 ? 'are' : 'is'} unhealthy` };
  if (input.settleUntil !== undefined && input.now < input.settleUntil) return { kind: 'wait', until: input.settleUntil, reason: 'letting the last action settle' };
  if (isFlapping(input.transitionTimes, input.now, input.flapping)) {
    return { kind: 'give-up', reason: `flapping: ${input.flapping.transitions} status changes within ${input.flapping.windowMs / 60_000} min` };
  }
  const verdict = remediationVerdict(input.actionTimes, input.now, input.limits);
  if (!verdict.allowed && verdict.reason === 'capped') {
    return { kind: 'give-up', reason: `${verdict.usedInWindow} actions within ${input.limits.windowMs / 60_000} min and still unhealthy` };
  }
  if (input.ladderIndex >= input.ladderLength) return { kind: 'give-up', reason: `every remediation step was tried (${input.ladderLength}) and it is still unhealthy` };
  if (!verdict.allowed) return { kind: 'wait', until: verdict.retryAt, reason: 'cooldown' };
  return { kind: 'act', step: input.ladderIndex };
}
