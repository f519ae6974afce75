// The drift reconcile loop (drift/<app>): every interval (plus jitter) compare
// the desired state with the live state; in detect mode record and notify, in
// self-heal mode apply within the sync windows, backing off and giving up on a
// target that keeps drifting back (contested). Lives forever, continuing as new
// with everything that must survive. Handlers only change state, or run a sync
// through the same lock the loop uses, so a check and a sync never overlap.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { healDecision, isContested, NEW_EPISODE, noteApply, noteDrift, backoffMs, type HealEpisode } from '../lib/core/drift/heal';
import type { DriftSpec } from '../lib/core/drift/spec';
import type { CheckSummary, DriftStatus, SyncResult } from '../lib/core/drift/types';
import { syncAllowed } from '../lib/core/drift/windows';
import type { DriftEventKind } from '../lib/core/notify/types';
import { NON_RETRYABLE_NOTIFY_ERROR } from '../lib/core/notify/types';
import {
  driftConfigureUpdate,
  driftStatusQuery,
  driftSyncUpdate,
  pauseSignal,
  queuesOfWorkflowQueue,
  resumeSignal,
  SEARCH_ATTRIBUTES,
  type DriftStatusView,
  type DriftSyncView,
  type PauseInput,
} from './messages';

/** Everything that must survive continue-as-new: plain JSON only. */
export interface DriftCarried {
  checks: number;
  /** Decisions to sync, the last part of each sync's idempotency key. */
  syncs: number;
  status: DriftStatus;
  since?: number;
  revision?: string;
  syncedRevision?: string;
  lastCheck?: CheckSummary & { at: number };
  nextCheckAt?: number;
  paused?: PauseInput;
  episode: HealEpisode;
  lastSync?: DriftSyncView;
}

export interface DriftInput {
  spec: DriftSpec;
  carried?: DriftCarried;
  /** Continue as new after this many checks even if the server does not suggest it (tests use a small number). */
  maxChecksPerRun?: number;
}

const MAX_CHECKS_PER_RUN = 200;

export async function driftWorkflow(input: DriftInput): Promise<never> {
  let spec = input.spec;
  const state: DriftCarried = { checks: 0, syncs: 0, status: 'unknown', episode: NEW_EPISODE, ...input.carried };
  const { taskQueue, firstExecutionRunId } = workflowInfo();
  const queues = queuesOfWorkflowQueue(taskQueue);
  const { driftCheck, pruneDriftHistory } = proxyActivities<Activities>({
    taskQueue: queues.checks,
    // Reading a git source may clone; reading 1,000 live objects takes a while.
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 3 },
  });
  const { notify } = proxyActivities<Activities>({
    taskQueue: queues.actions,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: [NON_RETRYABLE_NOTIFY_ERROR] },
  });
  let wake = false;
  let busy = false;
  let held: string | undefined;
  let waitingUntil: number | undefined;

  /** One check or sync at a time, whether the loop or an update asks. */
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  }

  const { driftSync } = proxyActivities<Activities>({
    taskQueue: queues.actions,
    startToCloseTimeout: '10 minutes',
    // The activity heartbeats every 2 s while it applies: a dead worker is noticed in seconds.
    heartbeatTimeout: '10 seconds',
    // Safe to retry: the key makes a repeated call return the first result instead of applying again.
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
  });

  function setStatus(next: DriftStatus, now: number): DriftStatus {
    const previous = state.status;
    if (next !== previous) {
      state.status = next;
      state.since = now;
      if (!state.paused) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: next }]);
    }
    return previous;
  }

  async function tell(kind: DriftEventKind, summary: string, details: string[], now: number): Promise<void> {
    try {
      await notify({ event: { kind, service: spec.app, status: state.status, at: now, summary, details } });
    } catch (error) {
      log.warn('notification not delivered', { app: spec.app, error: String(error) });
    }
  }

  function statusAfterCheck(summary: CheckSummary): DriftStatus {
    if (summary.status === 'error') return 'error';
    if (summary.status === 'in-sync') return 'in-sync';
    return isContested(state.episode, spec.heal) || state.episode.gaveUp?.contested ? 'contested' : 'drifted';
  }

  async function check(now: number): Promise<CheckSummary> {
    state.checks += 1;
    const checkId = `${spec.app}/${firstExecutionRunId}/${state.checks}`;
    let summary: CheckSummary;
    try {
      summary = await driftCheck({ spec, checkId, at: now });
    } catch (error) {
      summary = { checkId, status: 'error', objects: 0, drifted: [], driftedCount: 0, fields: 0, preview: [], error: `check failed: ${String(error)}`.slice(0, 1000) };
    }
    state.lastCheck = { ...summary, at: now };
    if (summary.revision && state.revision && summary.revision !== state.revision) {
      // A new desired revision: a fresh start for self-heal, even after giving up.
      state.episode = NEW_EPISODE;
    }
    if (summary.revision) state.revision = summary.revision;
    if (summary.status === 'in-sync') {
      state.episode = NEW_EPISODE;
      state.syncedRevision = summary.revision;
    } else if (summary.status === 'drifted') {
      state.episode = noteDrift(state.episode, summary.drifted);
    }
    const previous = setStatus(statusAfterCheck(summary), now);
    if (state.status !== previous && !state.paused) {
      if (state.status === 'drifted' && previous !== 'contested') {
        await tell('drift-found', `${spec.app} drifted: ${summary.fields} field(s) in ${summary.driftedCount} object(s)`, summary.preview, now);
      } else if (state.status === 'in-sync' && previous !== 'unknown') {
        await tell('drift-healed', `${spec.app} is in sync${state.lastSync?.outcome === 'applied' ? ` after ${state.lastSync.trigger === 'manual' ? 'a manual sync' : 'self-heal'}` : ''}`, [], now);
      } else if (state.status === 'error' && previous !== 'unknown') {
        await tell('drift-found', `${spec.app}: cannot compare: ${summary.error ?? 'error'}`, [], now);
      }
    }
    return summary;
  }

  async function sync(summary: CheckSummary, trigger: 'self-heal' | 'manual', by: string, dryRun: boolean): Promise<DriftSyncView> {
    const at = Date.now();
    const revision = summary.revision!;
    const kind = state.syncedRevision === revision ? 'corrective' : 'intentional';
    if (!dryRun) state.syncs += 1;
    const key = `${spec.app}/${revision}/${summary.liveHash}/${state.syncs}`;
    const result: SyncResult = await driftSync({
      spec,
      request: { key, app: spec.app, revision, liveHash: summary.liveHash!, kind, trigger, by, dryRun },
    });
    const view: DriftSyncView = { ...result, at, trigger, by };
    if (dryRun) return view;
    state.lastSync = view;
    if (result.outcome === 'applied' || result.outcome === 'in-sync') state.syncedRevision = revision;
    return view;
  }

  /** Self-heal after a check that found drift: within windows, limits and backoff. */
  async function heal(summary: CheckSummary, now: number): Promise<void> {
    held = undefined;
    waitingUntil = undefined;
    if (summary.status !== 'drifted') return;
    if (spec.mode !== 'self-heal') return void (held = 'detect mode: drift is recorded, not applied');
    if (state.paused) return void (held = `paused: ${state.paused.reason}`);
    const window = syncAllowed(spec.windows, now);
    if (!window.allowed) return void (held = window.reason);
    const decision = healDecision(state.episode, now, spec.heal);
    if (decision.kind === 'stopped') return void (held = decision.reason);
    if (decision.kind === 'wait') {
      waitingUntil = decision.until;
      held = `backing off until attempt ${decision.attempt}`;
      return;
    }
    if (decision.kind === 'give-up') {
      state.episode = { ...state.episode, gaveUp: { at: now, reason: decision.reason, contested: decision.contested } };
      held = `gave up: ${decision.reason}`;
      if (decision.contested) setStatus('contested', now);
      await tell('drift-gave-up', `gave up self-healing ${spec.app}: ${decision.reason}`, summary.preview, now);
      return;
    }
    const result = await sync(summary, 'self-heal', 'vigil', false);
    state.episode = noteApply(state.episode, Date.now(), result.objects, result.outcome === 'applied');
    // Look again soon: that shows both success and a target that drifts right back.
    state.nextCheckAt = Date.now() + Math.max(1_000, backoffMs(state.episode.attempts + 1, spec.heal));
  }

  setHandler(pauseSignal, (pause) => {
    state.paused = pause;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: 'paused' }]);
    wake = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = undefined;
    state.episode = NEW_EPISODE;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: state.status }]);
    wake = true;
  });
  setHandler(
    driftConfigureUpdate,
    (next) => {
      const changed = JSON.stringify(next) !== JSON.stringify(spec);
      if (changed) {
        spec = next;
        state.nextCheckAt = undefined;
        wake = true;
      }
      return { changed };
    },
    {
      validator: (next) => {
        if (next.app !== spec.app) throw new Error(`this workflow reconciles "${spec.app}", not "${next.app}"`);
      },
    },
  );
  setHandler(
    driftSyncUpdate,
    async ({ force = false, dryRun = false, by = 'operator' }) =>
      exclusive(async () => {
        const now = Date.now();
        const summary = await check(now);
        const refused = (detail: string): DriftSyncView => ({ outcome: 'refused', revision: summary.revision ?? '', objects: [], fields: [], detail, at: now, trigger: 'manual', by });
        if (summary.status === 'error') return refused(`cannot compare: ${summary.error}`);
        if (summary.status === 'in-sync') return { outcome: 'in-sync', revision: summary.revision!, objects: [], fields: [], detail: 'already in sync', at: now, trigger: 'manual', by };
        const window = syncAllowed(spec.windows, now);
        if (!window.allowed && !force && !dryRun) return refused(`${window.reason}; use force to sync anyway`);
        const result = await sync(summary, 'manual', by, dryRun);
        if (!dryRun) {
          // An operator's sync starts self-heal afresh.
          state.episode = NEW_EPISODE;
          state.nextCheckAt = Date.now() + 1_000;
          wake = true;
        }
        return result;
      }),
    {
      validator: ({ dryRun }) => {
        if (state.paused && !dryRun) throw new Error(`${spec.app} is paused (${state.paused.reason}); resume it first`);
      },
    },
  );
  setHandler(driftStatusQuery, (): DriftStatusView => ({
    app: spec.app,
    mode: spec.mode,
    status: state.paused ? 'paused' : state.status,
    since: state.since,
    revision: state.revision,
    syncedRevision: state.syncedRevision,
    checks: state.checks,
    lastCheck: state.lastCheck,
    nextCheckAt: state.nextCheckAt,
    paused: state.paused,
    held,
    selfHeal: { attempts: state.episode.attempts, maxAttempts: spec.heal.maxAttempts, redrifts: state.episode.redrifts, waitingUntil, gaveUp: state.episode.gaveUp },
    lastSync: state.lastSync,
  }));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'drift' },
    { key: SEARCH_ATTRIBUTES.app, value: spec.app },
    { key: SEARCH_ATTRIBUTES.status, value: state.paused ? 'paused' : state.status },
  ]);

  const checksAtStart = state.checks;
  for (;;) {
    const now = Date.now();
    if (state.paused?.until !== undefined && state.paused.until <= now) {
      state.paused = undefined;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: state.status }]);
    }
    if ((state.nextCheckAt ?? 0) <= now) {
      await exclusive(async () => {
        // Taken inside the lock: a manual sync may have held it for a while.
        const at = Date.now();
        const summary = await check(at);
        state.nextCheckAt = at + spec.intervalMs + Math.floor(Math.random() * spec.jitterMs);
        await heal(summary, Date.now());
      });
    }

    if (workflowInfo().continueAsNewSuggested || state.checks - checksAtStart >= (input.maxChecksPerRun ?? MAX_CHECKS_PER_RUN)) {
      await condition(allHandlersFinished);
      // Once a run: the stored history of this app is kept bounded.
      await pruneDriftHistory({ app: spec.app });
      await continueAsNew<typeof driftWorkflow>({ ...input, spec, carried: state });
    }

    wake = false;
    const nextAt = Math.min(state.nextCheckAt ?? Date.now(), waitingUntil ?? Number.POSITIVE_INFINITY);
    await condition(() => wake, Math.max(1, nextAt - Date.now()));
    if (waitingUntil !== undefined && waitingUntil <= Date.now()) state.nextCheckAt = Math.min(state.nextCheckAt ?? 0, Date.now());
  }
}
