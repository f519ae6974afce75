// The drift loop's pure decisions: what a check changes, what is announced,
// how self-heal is planned, how a manual sync answers, what the status shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEAL_POLICY, NEW_EPISODE } from '../../lib/core/drift/heal';
import { pauseOver } from '../../lib/core/health/views';
import {
  checkAnnouncement,
  manualSyncAnswer,
  newDriftState,
  noteCheck,
  planHeal,
  recheckAfterApplyMs,
  shownStatus,
  statusAfterCheck,
  statusView,
  syncRejection,
  syncRequest,
  type DriftCarried,
} from '../../lib/core/drift/loop';
import type { CheckSummary } from '../../lib/core/drift/types';
import { fileAppSpec } from './specs';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const spec = (overrides = {}) => fileAppSpec('/tmp/vigil', 'web', overrides);
const summary = (overrides: Partial<CheckSummary> = {}): CheckSummary => ({
  checkId: 'web/run/1',
  status: 'drifted',
  revision: 'r1',
  liveHash: 'h1',
  objects: 2,
  drifted: ['a.json'],
  driftedCount: 1,
  fields: 3,
  preview: ['a.json /x changed'],
  ...overrides,
});
const state = (overrides: Partial<DriftCarried> = {}): DriftCarried => ({ ...newDriftState(), ...overrides });
// An allow window that opened on 1 January and closed a minute later: never open now.
const CLOSED = [{ kind: 'allow' as const, cron: '0 0 1 1 *', durationMs: 60_000, timezone: 'UTC' }];

describe('drift loop state', () => {
  it('starts fresh, or from what the previous run carried, and survives JSON (continue-as-new)', () => {
    assert.deepEqual(newDriftState(), { checks: 0, syncs: 0, status: 'unknown', episode: NEW_EPISODE });
    const carried = state({
      checks: 7,
      syncs: 2,
      status: 'in-sync',
      since: NOW,
      revision: 'r1',
      syncedRevision: 'r1',
      paused: { reason: 'x' },
      episode: { attempts: 1, redrifts: 0, lastApplied: ['a'] },
    });
    assert.deepEqual(newDriftState(JSON.parse(JSON.stringify(carried))), carried);
  });

  it('a check records itself; in sync ends the episode; drift counts a re-drift of what was just applied', () => {
    const applied = state({ revision: 'r1', episode: { attempts: 1, redrifts: 0, lastApplyAt: NOW - 1_000, lastApplied: ['a.json'] } });
    const drifted = noteCheck(applied, summary(), NOW);
    assert.deepEqual(drifted.episode, { attempts: 1, redrifts: 1, lastApplyAt: NOW - 1_000, lastApplied: undefined });
    assert.deepEqual(drifted.lastCheck, { ...summary(), at: NOW });
    const inSync = noteCheck(applied, summary({ status: 'in-sync', drifted: [] }), NOW);
    assert.deepEqual([inSync.episode, inSync.syncedRevision, inSync.revision], [NEW_EPISODE, 'r1', 'r1']);
  });

  it('a new desired revision starts self-heal afresh, even after giving up', () => {
    const gaveUp = state({ revision: 'r1', episode: { attempts: 3, redrifts: 2, gaveUp: { at: NOW, reason: 'x', contested: true } } });
    const { attempts, redrifts, gaveUp: stillGaveUp } = noteCheck(gaveUp, summary({ revision: 'r2', drifted: ['b.json'] }), NOW).episode;
    assert.deepEqual([attempts, redrifts, stillGaveUp], [0, 0, undefined]);
    assert.equal(noteCheck(gaveUp, summary({ revision: 'r2' }), NOW).revision, 'r2');
    assert.equal(noteCheck(gaveUp, summary({ status: 'error', revision: undefined }), NOW).revision, 'r1', 'an error keeps the last known revision');
  });

  it('status after a check: error, in sync, drifted, or contested when another controller fights back', () => {
    assert.equal(statusAfterCheck(summary({ status: 'error' }), NEW_EPISODE, DEFAULT_HEAL_POLICY), 'error');
    assert.equal(statusAfterCheck(summary({ status: 'in-sync' }), NEW_EPISODE, DEFAULT_HEAL_POLICY), 'in-sync');
    assert.equal(statusAfterCheck(summary(), NEW_EPISODE, DEFAULT_HEAL_POLICY), 'drifted');
    assert.equal(statusAfterCheck(summary(), { attempts: 2, redrifts: 2 }, DEFAULT_HEAL_POLICY), 'contested');
    assert.equal(statusAfterCheck(summary(), { attempts: 0, redrifts: 0, gaveUp: { at: NOW, reason: 'x', contested: true } }, DEFAULT_HEAL_POLICY), 'contested');
  });

  it('pause: shown instead of the status, ended by its own time', () => {
    assert.equal(shownStatus(state({ status: 'drifted' })), 'drifted');
    assert.equal(shownStatus(state({ status: 'drifted', paused: { reason: 'x' } })), 'paused');
    assert.equal(pauseOver(undefined, NOW), false);
    assert.equal(pauseOver({ reason: 'x' }, NOW), false, 'no end: until resumed');
    assert.equal(pauseOver({ reason: 'x', until: NOW + 1 }, NOW), false);
    assert.equal(pauseOver({ reason: 'x', until: NOW }, NOW), true);
  });
});

describe('drift announcements', () => {
  const announce = (previous: DriftCarried['status'], current: Partial<DriftCarried>, found = summary()) => checkAnnouncement('web', previous, state(current), found);

  it('drift once, with the preview; not again when contested turns back to drifted', () => {
    assert.deepEqual(announce('in-sync', { status: 'drifted' }), { kind: 'drift-found', summary: 'web drifted: 3 field(s) in 1 object(s)', details: ['a.json /x changed'] });
    assert.deepEqual(announce('unknown', { status: 'drifted' })?.kind, 'drift-found', 'drift found by the first check is told');
    assert.equal(announce('contested', { status: 'drifted' }), undefined);
    assert.equal(announce('drifted', { status: 'drifted' }), undefined, 'no change, nothing to tell');
  });

  it('in sync again, saying what healed it; not at the first check', () => {
    assert.equal(announce('drifted', { status: 'in-sync' })?.summary, 'web is in sync');
    const applied = { outcome: 'applied' as const, revision: 'r1', objects: [], fields: [], detail: '', at: NOW, by: 'vigil' };
    assert.equal(announce('drifted', { status: 'in-sync', lastSync: { ...applied, trigger: 'self-heal' } })?.summary, 'web is in sync after self-heal');
    assert.equal(announce('drifted', { status: 'in-sync', lastSync: { ...applied, trigger: 'manual' } })?.summary, 'web is in sync after a manual sync');
    assert.equal(announce('unknown', { status: 'in-sync' }), undefined);
  });

  it('cannot compare, after a first known status; nothing at all while paused', () => {
    assert.deepEqual(announce('in-sync', { status: 'error' }, summary({ status: 'error', error: 'bad.yaml:1:2' })), { kind: 'drift-found', summary: 'web: cannot compare: bad.yaml:1:2', details: [] });
    assert.equal(announce('unknown', { status: 'error' }), undefined);
    assert.equal(announce('in-sync', { status: 'drifted', paused: { reason: 'x' } }), undefined);
  });
});

describe('self-heal plan', () => {
  const heal = spec({ mode: 'self-heal' });

  it('holds what is not drift, detect mode, a pause and a closed window, saying why', () => {
    assert.deepEqual(planHeal(heal, state(), summary({ status: 'in-sync' }), NOW), { kind: 'hold', hold: { held: undefined, waitingUntil: undefined } });
    assert.match(planHeal(spec(), state(), summary(), NOW).hold.held!, /detect mode/);
    assert.equal(planHeal(heal, state({ paused: { reason: 'maintenance' } }), summary(), NOW).hold.held, 'paused: maintenance');
    assert.match(planHeal(spec({ mode: 'self-heal', windows: CLOSED }), state(), summary(), NOW).hold.held!, /outside the allow windows/);
  });

  it('applies at once, then backs off until the next attempt is due', () => {
    assert.deepEqual(planHeal(heal, state(), summary(), NOW), { kind: 'apply', hold: {} });
    const episode = { attempts: 1, redrifts: 0, lastApplyAt: NOW };
    const due = NOW + heal.heal.initialBackoffMs;
    assert.deepEqual(planHeal(heal, state({ episode }), summary(), NOW), { kind: 'hold', hold: { held: 'backing off until attempt 2', waitingUntil: due } });
    assert.equal(planHeal(heal, state({ episode }), summary(), due).kind, 'apply');
    assert.equal(recheckAfterApplyMs({ attempts: 2, redrifts: 0 }, heal.heal), 1_000, 'at least a second');
    assert.equal(recheckAfterApplyMs({ attempts: 1, redrifts: 0 }, DEFAULT_HEAL_POLICY), 2_000, "the next attempt's backoff");
    assert.equal(recheckAfterApplyMs({ attempts: 2, redrifts: 0 }, DEFAULT_HEAL_POLICY), 4_000);
  });

  it('gives up after the last attempt, contested when each apply drifted back, and then stays stopped', () => {
    const plan = planHeal(heal, state({ episode: { attempts: 3, redrifts: 2 } }), summary(), NOW);
    assert.equal(plan.kind, 'give-up');
    if (plan.kind !== 'give-up') return;
    assert.equal(plan.gaveUp.contested, true);
    assert.equal(plan.gaveUp.at, NOW);
    assert.match(plan.hold.held!, /^gave up: drifted back after each of 2 applies/);
    assert.deepEqual([plan.announce.kind, plan.announce.details], ['drift-gave-up', ['a.json /x changed']]);
    assert.match(plan.announce.summary, /^gave up self-healing web: /);
    const stopped = planHeal(heal, state({ episode: { attempts: 3, redrifts: 2, gaveUp: plan.gaveUp } }), summary(), NOW);
    assert.deepEqual(stopped, { kind: 'hold', hold: { held: `gave up: ${plan.gaveUp.reason}`, waitingUntil: undefined } });
  });
});

describe('syncs', () => {
  it('corrective for the revision already applied, intentional for a new one; the count ends the key', () => {
    const request = syncRequest('web', { syncs: 3, syncedRevision: 'r1' }, summary(), 'self-heal', 'vigil', false);
    assert.deepEqual(request, { key: 'web/r1/h1/3', app: 'web', revision: 'r1', liveHash: 'h1', kind: 'corrective', trigger: 'self-heal', by: 'vigil', dryRun: false });
    assert.equal(syncRequest('web', { syncs: 1, syncedRevision: 'r0' }, summary(), 'manual', 'alice', true).kind, 'intentional');
  });

  it('a manual sync answers without applying when it cannot compare, is in sync, or is outside the windows without force', () => {
    const go = { force: false, dryRun: false, by: 'alice' };
    assert.deepEqual(manualSyncAnswer(summary({ status: 'error', error: 'boom', revision: undefined }), [], go, NOW), {
      outcome: 'refused',
      revision: '',
      objects: [],
      fields: [],
      detail: 'cannot compare: boom',
      at: NOW,
      trigger: 'manual',
      by: 'alice',
    });
    assert.deepEqual(manualSyncAnswer(summary({ status: 'in-sync' }), [], go, NOW), {
      outcome: 'in-sync',
      revision: 'r1',
      objects: [],
      fields: [],
      detail: 'already in sync',
      at: NOW,
      trigger: 'manual',
      by: 'alice',
    });
    assert.match(manualSyncAnswer(summary(), CLOSED, go, NOW)!.detail, /outside the allow windows.*; use force to sync anyway/);
    assert.equal(manualSyncAnswer(summary(), CLOSED, { ...go, force: true }, NOW), undefined);
    assert.equal(manualSyncAnswer(summary(), CLOSED, { ...go, dryRun: true }, NOW), undefined, 'a dry run only looks');
    assert.equal(manualSyncAnswer(summary(), [], go, NOW), undefined);
  });

  it('a paused app refuses a real sync before it starts, not a dry run', () => {
    assert.equal(syncRejection('web', { reason: 'maintenance' }, false), 'web is paused (maintenance); resume it first');
    assert.equal(syncRejection('web', { reason: 'maintenance' }, true), undefined);
    assert.equal(syncRejection('web', undefined, false), undefined);
  });
});

describe('drift status view', () => {
  it("shows the carried state, the run's hold, and paused over the compared status", () => {
    const carried = state({
      checks: 4,
      status: 'drifted',
      since: NOW,
      revision: 'r2',
      syncedRevision: 'r1',
      nextCheckAt: NOW + 300,
      episode: { attempts: 1, redrifts: 0 },
      paused: { reason: 'x', by: 'bob' },
    });
    assert.deepEqual(statusView(spec({ mode: 'self-heal' }), carried, { held: 'paused: x', waitingUntil: NOW + 100 }), {
      app: 'web',
      mode: 'self-heal',
      status: 'paused',
      since: NOW,
      revision: 'r2',
      syncedRevision: 'r1',
      checks: 4,
      lastCheck: undefined,
      nextCheckAt: NOW + 300,
      paused: { reason: 'x', by: 'bob' },
      held: 'paused: x',
      selfHeal: { attempts: 1, maxAttempts: 3, redrifts: 0, waitingUntil: NOW + 100, gaveUp: undefined },
      lastSync: undefined,
    });
  });
});
