// The drift loop's steps, each a little I/O around a pure decision of
// lib/core/drift/loop.ts: a round (check, then heal), a check (the activity
// reads desired and live, diffs and records; the loop sets the status and
// announces a change), heal (decide, then hold, give up or apply), a sync (one
// apply, keyed for idempotency), a manual sync, and the lock that keeps a check
// and a sync from overlapping whether the loop or an update asks.
import { condition, log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { NEW_EPISODE, noteApply } from '../lib/core/drift/heal';
import {
  checkAnnouncement,
  manualSyncAnswer,
  noteCheck,
  planHeal,
  recheckAfterApplyMs,
  statusAfterCheck,
  storageAfterCheck,
  syncRequest,
  type Announcement,
  type DriftCarried,
  type HealHold,
} from '../lib/core/drift/loop';
import type { DriftSpec } from '../lib/core/drift/spec';
import type { CheckSummary, DriftStatus, SyncRequest } from '../lib/core/drift/types';
import type { DriftSyncView } from '../lib/core/drift/views';
import { SEARCH_ATTRIBUTES, type DriftSyncInput } from './messages';
import { driftReads, driftSyncs } from './proxies';
import { notifyBestEffort } from './notify';

/** One run of the loop: the app's definition (configure replaces it), the carried state, and what only this run knows. */
export interface DriftRun {
  spec: DriftSpec;
  state: DriftCarried;
  hold: HealHold;
  /** A handler changed something the loop's wait should see at once. */
  wake: boolean;
  /** A check or sync is running. */
  busy: boolean;
}

/** The status in the Temporal UI's VigilStatus. */
export const publishStatus = (value: string) => upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value }]);

/** The steps of one run; called once at its start, so each proxy is built once. */
export function driftSteps(run: DriftRun) {
  const { driftCheck } = driftReads();
  const { driftSync } = driftSyncs();
  const { firstExecutionRunId } = workflowInfo();
  const { state } = run;

  /** One check or sync at a time, whether the loop or an update asks. */
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => !run.busy);
    run.busy = true;
    try {
      return await fn();
    } finally {
      run.busy = false;
    }
  }

  function setStatus(next: DriftStatus, now: number): DriftStatus {
    const previous = state.status;
    if (next !== previous) {
      state.status = next;
      state.since = now;
      if (!state.paused) publishStatus(next);
    }
    return previous;
  }

  const tell = ({ kind, summary, details }: Announcement, now: number) => notifyBestEffort({ kind, service: run.spec.app, status: state.status, at: now, summary, details }, { app: run.spec.app });

  /** Read desired and live, diff and record (one activity; a failed one is an error status), then set the status and announce a change. */
  async function check(now: number): Promise<CheckSummary> {
    state.checks += 1;
    const checkId = `${run.spec.app}/${firstExecutionRunId}/${state.checks}`;
    let summary: CheckSummary;
    try {
      const { stored, ...checked } = await driftCheck({ spec: run.spec, checkId, at: now });
      summary = checked;
      // Not recorded (PostgreSQL away): the loop still judges what it saw, and says storage is unavailable.
      state.storage = storageAfterCheck(state.storage, stored !== false, now);
    } catch (error) {
      summary = { checkId, status: 'error', objects: 0, drifted: [], driftedCount: 0, fields: 0, preview: [], error: `check failed: ${String(error)}`.slice(0, 1000) };
    }
    Object.assign(state, noteCheck(state, summary, now));
    const previous = setStatus(statusAfterCheck(summary, state.episode, run.spec.heal), now);
    const announcement = checkAnnouncement(run.spec.app, previous, state, summary);
    if (announcement) await tell(announcement, now);
    return summary;
  }

  /** Apply (or, for a dry run, only preview) what `summary` found drifted. */
  async function sync(summary: CheckSummary, trigger: SyncRequest['trigger'], by: string, dryRun: boolean): Promise<DriftSyncView> {
    const at = Date.now();
    if (!dryRun) state.syncs += 1;
    const request = syncRequest(run.spec.app, state, summary, trigger, by, dryRun);
    const result = await driftSync({ spec: run.spec, request });
    const view: DriftSyncView = { ...result, at, trigger, by };
    if (dryRun) return view;
    state.lastSync = view;
    if (result.outcome === 'applied' || result.outcome === 'in-sync') state.syncedRevision = request.revision;
    return view;
  }

  /** Self-heal after a check: within the sync windows, the attempts and the backoff. */
  async function heal(summary: CheckSummary, now: number): Promise<void> {
    const plan = planHeal(run.spec, state, summary, now);
    run.hold = plan.hold;
    if (plan.kind === 'give-up') {
      state.episode = { ...state.episode, gaveUp: plan.gaveUp };
      if (plan.gaveUp.contested) setStatus('contested', now);
      await tell(plan.announce, now);
    } else if (plan.kind === 'apply') {
      let result: DriftSyncView;
      try {
        result = await sync(summary, 'self-heal', 'vigil', false);
      } catch (error) {
        // The sync could not even claim its key (PostgreSQL away): nothing was applied. The next check decides again.
        log.warn('self-heal sync failed; the next check tries again', { app: run.spec.app, error: String(error) });
        run.hold = { held: `sync failed: ${String(error)}`.slice(0, 300) };
        return;
      }
      state.episode = noteApply(state.episode, Date.now(), result.objects, result.outcome === 'applied');
      state.nextCheckAt = Date.now() + recheckAfterApplyMs(state.episode, run.spec.heal);
    }
  }

  /** The loop's round: check, schedule the next one, heal. */
  async function round(): Promise<void> {
    // Taken inside the lock: a manual sync may have held it for a while.
    const at = Date.now();
    const summary = await check(at);
    state.nextCheckAt = at + run.spec.intervalMs + Math.floor(Math.random() * run.spec.jitterMs);
    await heal(summary, Date.now());
  }

  /** The sync update: compare now, then sync unless there is nothing to do or it may not. */
  async function manualSync({ force = false, dryRun = false, by = 'operator' }: DriftSyncInput): Promise<DriftSyncView> {
    const now = Date.now();
    const summary = await check(now);
    const answer = manualSyncAnswer(summary, run.spec.windows, { force, dryRun, by }, now);
    if (answer) return answer;
    const result = await sync(summary, 'manual', by, dryRun);
    if (!dryRun) {
      // An operator's sync starts self-heal afresh.
      state.episode = NEW_EPISODE;
      state.nextCheckAt = Date.now() + 1_000;
      run.wake = true;
    }
    return result;
  }

  return { exclusive, round, manualSync };
}
