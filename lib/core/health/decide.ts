// What the health loop should do about an unhealthy service, as one pure
// decision: act (the next ladder step), wait (cooldown, settling, a grace for
// its dependencies, an action whose fate is unknown), hold off (paused,
// maintenance, a dependency is down), or give up (cap reached, flapping,
// ladder exhausted). The workflow performs it; tests call it directly.
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
  /** The live status of each dependency (its own loop's, or its last stored transition when the loop cannot say). */
  dependencies: Record<string, HealthStatus>;
  /** When this service turned unhealthy: the dependencies' grace runs from then. */
  unhealthySince?: number;
  /** When a dependency was last seen unhealthy: once it recovers, the grace runs from then too. */
  dependencyDownAt?: number;
  dependencyGraceMs: number;
  /** The last action's fate is unknown (Vigil lost track of it mid-run): the ladder waits for a check after `checkAfter`. */
  inDoubt?: InDoubt;
  /** When the latest check of any source ran. */
  lastCheckAt?: number;
}

export interface InDoubt {
  key: string;
  step: string;
  /** The later of when the doubt became known and when the action must have ended by its own timeout. */
  checkAfter: number;
}

export type Decision =
  { kind: 'none' } | { kind: 'suppressed'; reason: string } | { kind: 'wait'; until: number; reason: string } | { kind: 'act'; step: number } | { kind: 'give-up'; reason: string };

type Hold = Extract<Decision, { kind: 'suppressed' | 'wait' }>;

export function decide(input: DecisionInput): Decision {
  if (input.status !== 'unhealthy' || input.gaveUp || input.ladderLength === 0) return { kind: 'none' };
  if (input.paused) return { kind: 'suppressed', reason: 'paused' };
  if (input.maintenanceUntil !== undefined) return { kind: 'suppressed', reason: `maintenance window until ${new Date(input.maintenanceUntil).toISOString()}` };
  const held = dependencyHold(input) ?? inDoubtHold(input);
  if (held) return held;
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

/**
 * A dependency that is down suppresses the dependent. A dependent that has just
 * turned unhealthy is held for the grace even while its dependencies look fine:
 * when both fail together, the one that noticed first must not act before the
 * other has been judged (its checks may simply not have run yet). Always the whole
 * grace, not until each dependency's next passing check: a dependency on its way
 * down may still pass one. And the grace again once a dependency that was down
 * recovers: the dependent's own checks need a few rounds to pass again, and
 * restarting it meanwhile would cure nothing.
 */
export function dependencyHold(input: Pick<DecisionInput, 'now' | 'dependencies' | 'unhealthySince' | 'dependencyDownAt' | 'dependencyGraceMs'>): Hold | undefined {
  const names = Object.keys(input.dependencies);
  const down = names.filter((name) => input.dependencies[name] === 'unhealthy');
  if (down.length) return { kind: 'suppressed', reason: `depends on ${down.join(', ')}, which ${down.length > 1 ? 'are' : 'is'} unhealthy` };
  const since = input.unhealthySince ?? input.now;
  const recovered = input.dependencyDownAt !== undefined && input.dependencyDownAt > since;
  const graceEnds = (recovered ? input.dependencyDownAt! : since) + input.dependencyGraceMs;
  if (!names.length || input.now >= graceEnds) return undefined;
  const shown = names.map((name) => `${name} ${input.dependencies[name]}`).join(', ');
  if (recovered) return { kind: 'wait', until: graceEnds, reason: `grace after its dependencies recovered (${shown}): its own checks may pass again` };
  return { kind: 'wait', until: graceEnds, reason: `grace for its dependencies (${shown}): if one goes down too, remediation is suppressed` };
}

/**
 * An action whose fate is unknown may have done its work, half of it, or none; it
 * may even still be running (a program outlives the worker that started it). The
 * ladder neither repeats it nor climbs on until a check has run after it must have
 * ended: then a healthy service has healed, and an unhealthy one gets the next step.
 */
export function inDoubtHold(input: Pick<DecisionInput, 'inDoubt' | 'lastCheckAt'>): Hold | undefined {
  const { inDoubt, lastCheckAt } = input;
  if (!inDoubt || (lastCheckAt !== undefined && lastCheckAt > inDoubt.checkAfter)) return undefined;
  return { kind: 'wait', until: inDoubt.checkAfter, reason: `the outcome of ${inDoubt.step} is in doubt (Vigil lost track of it mid-run); waiting for a check after it before the next step` };
}
