// The supervisor's state: bounded lists, totals that survive, an error shown until the next good reconcile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterReconcile, afterReconcileError, newSupervisorState, RECENT_LIMIT, type LoopRestart, type ReconcileReport } from '../../lib/core/supervisor';

const restart = (name: string, at: number): LoopRestart => ({ kind: 'health', name, was: 'failed', carried: true, at });
const report = (restarted: LoopRestart[], at = 1000): ReconcileReport => ({ at, defined: { health: 3, drift: 1 }, restarted, failed: [], intervalMs: 5000 });

describe('supervisor state', () => {
  it('keeps the newest restarts first, at most RECENT_LIMIT, and counts them all', () => {
    let state = newSupervisorState();
    for (let i = 0; i < RECENT_LIMIT + 10; i += 1) state = afterReconcile(state, report([restart(`s${i}`, i)], i));
    assert.equal(state.restarted.length, RECENT_LIMIT);
    assert.equal(state.restarted[0].name, `s${RECENT_LIMIT + 9}`);
    assert.equal(state.restartsTotal, RECENT_LIMIT + 10);
    assert.deepEqual([state.reconciles, state.lastReconcileAt, state.intervalMs], [RECENT_LIMIT + 10, RECENT_LIMIT + 9, 5000]);
  });

  it('counts what a capped report left out', () => {
    const capped = { ...report([restart('a', 1)]), counts: { restarted: 400, failed: 3 } };
    const state = afterReconcile(newSupervisorState(), capped);
    assert.deepEqual([state.restartsTotal, state.failingCount, state.restarted.length], [400, 3, 1]);
  });

  it('shows a failed reconcile until the next one answers', () => {
    const failed = afterReconcileError(newSupervisorState(), 2000, 'Temporal did not answer');
    assert.deepEqual(failed.lastError, { at: 2000, message: 'Temporal did not answer' });
    assert.equal(afterReconcile(failed, report([])).lastError, undefined);
  });
});
