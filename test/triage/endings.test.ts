// How a triage ends and what a person can still do after its report, as the core
// decides it, without Temporal; and whether a triage starts offline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURES } from '../../lib/core/failures';
import { cancelEndsWaits, closingDecision, decisionRefused, followsUp } from '../../lib/core/triage/approval';
import { cancelledEnding, failedEnding, gateWithoutModel, MODEL_TURN, skippedEnding } from '../../lib/core/triage/endings';
import { DEFAULT_OFFLINE_QUERIES, offlinePlan } from '../../lib/core/triage/offline';

describe('how an investigation ends', () => {
  it('skipped by the gate, or cancelled, with who and why', () => {
    assert.deepEqual(skippedEnding({ investigate: false, reason: 'known noise' }), { status: 'skipped', report: { from: 'none' }, limitedBy: 'known noise' });
    assert.equal(cancelledEnding({ by: 'alice', reason: 'false alarm' }).limitedBy, 'cancelled by alice: false alarm');
    assert.equal(cancelledEnding({}).limitedBy, 'cancelled');
  });

  it('failed, with a report of what is known, when the model API ran out of time or refused', () => {
    const late = failedEnding({ activityType: MODEL_TURN, timedOut: true, message: 'Messages API answered 429: slow down' });
    assert.deepEqual(late, {
      status: 'failed',
      report: { from: 'known', limitedBy: 'the time budget ran out while the model API did not answer (last: Messages API answered 429: slow down)' },
      limitedBy: 'the time budget ran out while the model API did not answer (last: Messages API answered 429: slow down)',
    });
    const rejected = failedEnding({ activityType: MODEL_TURN, timedOut: false, thrown: { type: FAILURES.llmRejected, message: 'Messages API answered 400: bad' } });
    assert.equal(rejected?.limitedBy, 'the model API failed: Messages API answered 400: bad');
    assert.equal(failedEnding({ activityType: 'finishTriage', timedOut: false, thrown: { message: 'boom' } })?.limitedBy, 'finishTriage failed: boom');
  });

  it('leaves a failure it does not know to fail the workflow', () => {
    assert.equal(failedEnding({ activityType: 'runTriageTool', timedOut: false, message: 'worker gone' }), undefined);
  });

  it('the gate investigates when its model cannot answer, saying why', () => {
    assert.deepEqual(gateWithoutModel(), { investigate: true, reason: 'rules passed; no model for the gate' });
    assert.deepEqual(gateWithoutModel('overloaded'), { investigate: true, reason: 'rules passed; the gate model failed (overloaded), investigating' });
  });
});

describe('after the report', () => {
  const waiting = { phase: 'awaiting-approval', proposal: { service: 'shop' }, deciding: false };

  it('a proposal is decided once, only while it awaits a decision, one decision at a time', () => {
    assert.equal(decisionRefused(waiting), undefined);
    assert.equal(decisionRefused({ ...waiting, decision: { kind: 'approved', by: 'bob' } }), 'already approved by bob');
    assert.equal(decisionRefused({ ...waiting, phase: 'reporting' }), 'the report is not written yet');
    assert.equal(decisionRefused({ ...waiting, proposal: undefined }), 'this triage proposes no remediation');
    assert.equal(decisionRefused({ ...waiting, deciding: true }), 'a decision is being carried out');
  });

  it('cancel ends the waits, after an approval being carried out', () => {
    assert.equal(cancelEndsWaits({ deciding: false }), false);
    assert.equal(cancelEndsWaits({ cancelled: {}, deciding: false }), true);
    assert.equal(cancelEndsWaits({ cancelled: {}, deciding: true }), false);
  });

  it('an undecided proposal expires at the window, and cancelling the triage declines it', () => {
    assert.deepEqual(closingDecision(false, {}, 5), { kind: 'expired', at: 5 });
    assert.deepEqual(closingDecision(true, { cancelled: { by: 'alice', reason: 'false alarm' } }, 5), { kind: 'rejected', by: 'alice', at: 5, reason: 'the triage was cancelled: false alarm' });
    assert.equal(closingDecision(true, { decision: { kind: 'approved' }, cancelled: {} }, 5), undefined);
  });

  it('only an Alertmanager alert still firing at the report is followed up, within a window', () => {
    assert.equal(followsUp('alertmanager', undefined, 1000), true);
    assert.equal(followsUp('manual', undefined, 1000), false);
    assert.equal(followsUp('alertmanager', 123, 1000), false);
    assert.equal(followsUp('alertmanager', undefined, 0), false);
  });
});

describe('an offline triage', () => {
  it("runs the fixed plan with the configured queries around the alert's start", () => {
    const plan = offlinePlan({ labels: { alertname: 'ShopDown', job: 'shop', service: 'shop' }, annotations: {}, startsAt: '2026-12-04T10:00:00Z' }, DEFAULT_OFFLINE_QUERIES);
    assert.deepEqual(
      plan.map((call) => call.name),
      [
        'rank_suspects',
        'query_metrics',
        'vigil_service_status',
        'vigil_recent_actions',
        'query_metrics_range',
        'query_metrics_range',
        'vigil_drift_status',
        'query_logs',
        'get_runbook',
        'past_triages',
      ],
    );
    // 0.2.0's plan, which its executions replay: no ranking.
    assert.equal(offlinePlan({ labels: { alertname: 'ShopDown' }, annotations: {} }, DEFAULT_OFFLINE_QUERIES, false)[0].name, 'query_metrics');
    assert.deepEqual(plan[4].input, {
      query: 'sum(rate(http_requests_total{job="shop",code=~"5.."}[5m]))',
      start: String(Date.parse('2026-12-04T09:30:00Z') / 1000),
      end: String(Date.parse('2026-12-04T10:10:00Z') / 1000),
    });
    assert.deepEqual(plan.map((call) => call.id).slice(0, 2), ['offline_1', 'offline_2']);
  });
});
