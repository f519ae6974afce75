// The health loop's decisions that are pure functions of its state
// (lib/core/health/loop.ts): no Temporal needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  afterAction,
  afterTransition,
  announcement,
  decisionInput,
  handOffStands,
  manualStep,
  newHealthLoop,
  reconfigure,
  remediationRefusal,
  shownPause,
  statusView,
  type HealthCarried,
} from '../../lib/core/health/loop';
import type { HealthSpec } from '../../lib/core/health/spec';
import { pauseOver, type CheckView } from '../../lib/core/health/views';
import { testHealthSpec } from '../helpers/health-spec';

const minute = 60_000;
const NOW = 1_000 * minute;
const restart = { name: 'restart', action: { type: 'exec' as const, argv: ['true'], timeoutMs: 5_000, expectedExitCodes: [0] }, settleMs: 1_000 };
const reboot = { ...restart, name: 'reboot' };
const spec: HealthSpec = testHealthSpec('api', {
  checks: [
    { name: 'healthz', intervalMs: 5_000, spec: { type: 'http', url: 'http://127.0.0.1:1/healthz' } },
    { name: 'deep', intervalMs: 60_000, spec: { type: 'tcp', host: '127.0.0.1', port: 1 } },
  ],
  logs: [{ name: 'errors', intervalMs: 10_000, spec: { path: '/var/log/api.log', patterns: [{ name: 'error', regex: 'ERROR' }], threshold: { count: 3, withinMs: 60_000 }, maxEvidenceLines: 5 } }],
  ladder: [restart, reboot],
});
const view = (name: string, up: boolean, detail = up ? 'ok' : 'refused'): CheckView => ({ name, up, at: NOW, latencyMs: 1, attempts: 1, detail });

describe('health loop state', () => {
  it('starts fresh, or from what continue-as-new carried, as plain JSON', () => {
    const fresh = newHealthLoop(spec);
    assert.deepEqual(fresh.state, {
      round: 0,
      counters: { status: 'unknown', consecutiveFailures: 0, consecutiveSuccesses: 0 },
      lastResults: {},
      baselines: {},
      nextDue: {},
      transitionTimes: [],
      ladderIndex: 0,
      actionTimes: [],
      decisions: 0,
    });
    assert.deepEqual([fresh.acting, fresh.wake, fresh.specChanged], [false, false, false]);

    const carried: HealthCarried = {
      ...fresh.state,
      round: 42,
      counters: { status: 'unhealthy', consecutiveFailures: 3, consecutiveSuccesses: 0 },
      lastResults: { healthz: view('healthz', false) },
      nextDue: { healthz: NOW + 5_000 },
      ladderIndex: 1,
      actionTimes: [NOW - minute],
      decisions: 7,
      gaveUp: { at: NOW, reason: 'flapping', triageId: 'triage/x' },
      logCursors: { errors: { dev: '1', ino: '2', offset: 100, recent: [] } },
      policyPending: { 'metric:cpu': NOW },
      paused: { reason: 'deploy', until: NOW + minute },
    };
    // What a run carries survives the trip through JSON whole: no Map or Set to lose.
    const resumed = newHealthLoop(spec, JSON.parse(JSON.stringify(carried)) as HealthCarried);
    assert.deepEqual(resumed.state, carried);
  });

  it('takes a new spec: forgets removed sources, keeps the ladder index inside the ladder, wakes the loop', () => {
    const loop = newHealthLoop(spec);
    Object.assign(loop.state, { ladderIndex: 2, lastResults: { healthz: view('healthz', true), deep: view('deep', true) }, nextDue: { healthz: 1, deep: 2 } });
    assert.equal(reconfigure(loop, JSON.parse(JSON.stringify(spec)) as HealthSpec), false, 'the same spec changes nothing');
    assert.equal(loop.wake, false);

    const next = { ...spec, checks: spec.checks.slice(0, 1), ladder: [restart] };
    assert.equal(reconfigure(loop, next), true);
    assert.equal(loop.spec, next);
    assert.deepEqual(Object.keys(loop.state.lastResults), ['healthz']);
    assert.deepEqual(loop.state.nextDue, { healthz: 1 });
    assert.equal(loop.state.ladderIndex, 1);
    assert.deepEqual([loop.wake, loop.specChanged], [true, true]);
  });
});

describe('a status change', () => {
  const state = (overrides: Partial<HealthCarried> = {}): HealthCarried => ({ ...newHealthLoop(spec).state, ladderIndex: 2, settleUntil: NOW + 1_000, ...overrides });

  it('is timed, kept in the flap window, and a heal starts the next incident at the bottom of the ladder', () => {
    const healed = afterTransition(state({ transitionTimes: [NOW - 20 * minute, NOW - minute] }), 'healthy', NOW, spec.flapping);
    assert.deepEqual(healed, { since: NOW, transitionTimes: [NOW - minute, NOW], ladderIndex: 0, settleUntil: undefined, gaveUp: undefined, inDoubt: undefined });
    assert.equal(afterTransition(state(), 'degraded', NOW, spec.flapping).ladderIndex, 0);
  });

  it('going down keeps the ladder where it is', () => {
    assert.deepEqual(afterTransition(state(), 'unhealthy', NOW, spec.flapping), { since: NOW, transitionTimes: [NOW] });
  });

  it('leaves a hand-off for flapping standing while the service keeps flapping', () => {
    const gaveUp = { at: NOW - minute, reason: 'flapping' };
    const flapping = [5, 4, 3, 2, 1].map((n) => NOW - n * 1_000);
    assert.equal(handOffStands({ gaveUp, transitionTimes: [...flapping, NOW] }, NOW, spec.flapping), true);
    assert.equal(handOffStands({ gaveUp: undefined, transitionTimes: [...flapping, NOW] }, NOW, spec.flapping), false);
    assert.deepEqual(afterTransition(state({ gaveUp, transitionTimes: flapping }), 'healthy', NOW, spec.flapping), { since: NOW, transitionTimes: [...flapping, NOW] });
    // Once the bounces stop, a heal clears the hand-off.
    const calm = afterTransition(state({ gaveUp, transitionTimes: [NOW - 2 * minute] }), 'healthy', NOW, spec.flapping);
    assert.equal(calm.gaveUp, undefined);
    assert.ok('gaveUp' in calm);
  });

  it('is announced going down and coming back, not in between, not while paused or in maintenance', () => {
    const down = announcement(spec, state(), { from: 'healthy', to: 'unhealthy' }, ['healthz: refused'], NOW);
    assert.deepEqual(down, { kind: 'unhealthy', service: 'api', status: 'unhealthy', at: NOW, summary: 'api is unhealthy', details: ['healthz: refused'] });
    const lastAction = { key: 'k', step: 'restart', status: 'succeeded' as const, detail: '', at: NOW, decidedBy: 'vigil' };
    assert.equal(announcement(spec, state({ lastAction }), { from: 'unhealthy', to: 'healthy' }, [], NOW)?.summary, 'api is healthy again after restart');
    assert.equal(announcement(spec, state(), { from: 'unhealthy', to: 'degraded' }, [], NOW)?.summary, 'api is degraded again');
    assert.equal(announcement(spec, state(), { from: 'unknown', to: 'healthy' }, [], NOW), undefined);
    assert.equal(announcement(spec, state(), { from: 'healthy', to: 'degraded' }, [], NOW), undefined);
    assert.equal(announcement(spec, state({ paused: { reason: 'deploy' } }), { from: 'healthy', to: 'unhealthy' }, [], NOW), undefined);
    const inMaintenance = { ...spec, maintenance: [{ cron: '* * * * *', durationMs: 2 * minute, timezone: 'UTC' }] };
    assert.equal(announcement(inMaintenance, state(), { from: 'healthy', to: 'unhealthy' }, [], NOW), undefined);
  });
});

describe('remediation', () => {
  it('asks decide with the state of the moment', () => {
    const loop = newHealthLoop(spec);
    Object.assign(loop.state, { counters: { status: 'unhealthy', consecutiveFailures: 3, consecutiveSuccesses: 0 }, ladderIndex: 1, paused: { reason: 'x' } });
    const input = decisionInput(loop.spec, loop.state, NOW);
    assert.deepEqual(
      { ...input, limits: undefined, flapping: undefined },
      {
        now: NOW,
        status: 'unhealthy',
        ladderLength: 2,
        ladderIndex: 1,
        actionTimes: [],
        transitionTimes: [],
        limits: undefined,
        flapping: undefined,
        settleUntil: undefined,
        gaveUp: false,
        paused: true,
        maintenanceUntil: undefined,
        unhealthySince: undefined,
        dependencyDownAt: undefined,
        dependencyGraceMs: 30_000,
        inDoubt: undefined,
        lastCheckAt: undefined,
      },
    );
  });

  it('tells decide since when the service is unhealthy, its grace, and when it was last checked', () => {
    const loop = newHealthLoop({ ...spec, limits: { ...spec.limits, dependencyGraceMs: 5_000 } });
    Object.assign(loop.state, {
      counters: { status: 'unhealthy', consecutiveFailures: 3, consecutiveSuccesses: 0 },
      since: NOW - minute,
      lastResults: { healthz: { ...view('healthz', false), at: NOW - 1_000 }, deep: { ...view('deep', false), at: NOW - 30_000 } },
    });
    const input = decisionInput(loop.spec, loop.state, NOW);
    assert.deepEqual([input.unhealthySince, input.dependencyGraceMs, input.lastCheckAt], [NOW - minute, 5_000, NOW - 1_000]);
    // `since` of another status is no onset of being unhealthy.
    loop.state.counters = { status: 'healthy', consecutiveFailures: 0, consecutiveSuccesses: 1 };
    assert.equal(decisionInput(loop.spec, loop.state, NOW).unhealthySince, undefined);
  });

  it('after an action in doubt, waits for a check after it could have ended; any other outcome clears the doubt', () => {
    const started = NOW - 20_000;
    const doubt = afterAction(restart, { key: 'health/api/3', step: 'restart', status: 'in-doubt', detail: 'lost', at: started, decidedBy: 'vigil' }, NOW);
    // restart's own timeout is 5 s: over by now, so the doubt is known now and a check after now clears it.
    assert.deepEqual(doubt, {
      lastAction: { key: 'health/api/3', step: 'restart', status: 'in-doubt', detail: 'lost', at: started, decidedBy: 'vigil' },
      settleUntil: NOW + 1_000,
      inDoubt: { key: 'health/api/3', step: 'restart', checkAfter: NOW },
    });
    // Known in doubt early (its program may still run): the check must come after its own timeout.
    assert.equal(afterAction(restart, { ...doubt.lastAction!, at: NOW - 1_000 }, NOW).inDoubt!.checkAfter, NOW + 4_000);
    assert.equal(afterAction(restart, { ...doubt.lastAction!, status: 'failed' }, NOW).inDoubt, undefined);
    // A heal ends the doubt with the incident.
    assert.equal(afterTransition({ ...newHealthLoop(spec).state, inDoubt: doubt.inDoubt }, 'healthy', NOW, spec.flapping).inDoubt, undefined);
  });

  it("runs the operator's named step, or the ladder's next, its last once climbed", () => {
    const state = newHealthLoop(spec).state;
    assert.equal(manualStep(spec, state, 'reboot').name, 'reboot');
    assert.equal(manualStep(spec, state).name, 'restart');
    assert.equal(manualStep(spec, { ...state, ladderIndex: 5 }).name, 'reboot');
  });

  it("refuses an operator's remediation while paused, without a ladder, for an unknown step, while acting, in cooldown", () => {
    const loop = newHealthLoop(spec);
    assert.equal(remediationRefusal(loop, undefined, NOW), undefined);
    assert.equal(remediationRefusal({ ...loop, state: { ...loop.state, paused: { reason: 'deploy' } } }, undefined, NOW), 'api is paused (deploy); resume it first');
    assert.equal(remediationRefusal({ ...loop, spec: { ...spec, ladder: [] } }, undefined, NOW), 'api has no remediation steps');
    assert.equal(remediationRefusal(loop, 'nope', NOW), 'unknown action "nope"; api has: restart, reboot');
    assert.equal(remediationRefusal({ ...loop, acting: true }, undefined, NOW), 'an action is already running');
    const cooling = { ...loop, state: { ...loop.state, actionTimes: [NOW - 1_000] } };
    assert.equal(remediationRefusal(cooling, undefined, NOW), `in cooldown until ${new Date(NOW - 1_000 + minute).toISOString()}`);
    // The cap is the loop's own limit; an operator may go past it once the cooldown is over.
    const capped = { ...loop, state: { ...loop.state, actionTimes: [NOW - 4 * minute, NOW - 3 * minute, NOW - 2 * minute] } };
    assert.equal(remediationRefusal(capped, undefined, NOW), undefined);
  });
});

describe('pause', () => {
  it('is over once its time has passed; without a time it lasts until resumed', () => {
    assert.equal(pauseOver({ reason: 'x', until: NOW }, NOW), true);
    assert.equal(pauseOver({ reason: 'x', until: NOW + 1 }, NOW), false);
    assert.equal(pauseOver({ reason: 'x' }, NOW), false);
    assert.equal(pauseOver(undefined, NOW), false);
  });

  it('is shown in the memo with only the fields it has', () => {
    assert.equal(shownPause(undefined), undefined);
    assert.deepEqual(shownPause({ reason: 'deploy' }), { reason: 'deploy' });
    assert.deepEqual(shownPause({ reason: 'deploy', by: 'ann', until: NOW }), { reason: 'deploy', by: 'ann', until: NOW });
  });
});

describe('status view', () => {
  it('shows the latest view of each source in the spec order, the next due time and the remediation', () => {
    const loop = newHealthLoop(spec);
    Object.assign(loop.state, {
      round: 9,
      since: NOW - minute,
      counters: { status: 'unhealthy', consecutiveFailures: 4, consecutiveSuccesses: 0 },
      lastResults: { 'log:errors': view('log:errors', true), deep: view('deep', false), healthz: view('healthz', true) },
      nextDue: { healthz: NOW + 5_000, deep: NOW + 60_000, 'log:errors': NOW + 2_000 },
      ladderIndex: 1,
      actionTimes: [NOW - 20 * minute, NOW - minute],
    });
    loop.suppressed = 'paused';
    const shown = statusView(loop, NOW);
    assert.deepEqual(
      shown.checks.map((check) => check.name),
      ['healthz', 'deep', 'log:errors'],
    );
    assert.equal(shown.nextCheckAt, NOW + 2_000);
    assert.deepEqual(shown.remediation, { nextStep: 'reboot', actionsInWindow: 1, maxActions: 3, suppressed: 'paused', waiting: undefined, gaveUp: undefined, last: undefined });
    assert.deepEqual([shown.service, shown.status, shown.round, shown.since, shown.consecutiveFailures], ['api', 'unhealthy', 9, NOW - minute, 4]);
  });

  it('hides a pause whose time has passed before the loop clears it', () => {
    const loop = newHealthLoop(spec);
    loop.state.paused = { reason: 'deploy', until: NOW };
    assert.equal(statusView(loop, NOW).paused, undefined);
    assert.deepEqual(statusView(loop, NOW - 1).paused, { reason: 'deploy', until: NOW });
  });

  it('has no next check for a service with nothing to check', () => {
    assert.equal(statusView(newHealthLoop(testHealthSpec('idle')), NOW).nextCheckAt, Infinity);
  });
});
