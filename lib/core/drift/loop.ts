// The drift loop's state and its pure decisions: what a check changes, what to
// announce, whether and how to self-heal, how a manual sync answers when it
// applies nothing, and what the status query shows. The workflow
// (workflows/drift.ts) does the I/O around these; tests call them directly.
import type { PauseInput } from '../health/views';
import type { DriftEventKind } from '../notify/types';
import { backoffMs, healDecision, isContested, NEW_EPISODE, noteDrift, type HealEpisode, type HealPolicy } from './heal';
import type { DriftSpec } from './spec';
import type { CheckSummary, DriftStatus, SyncRequest } from './types';
import type { DriftStatusView, DriftSyncView } from './views';
import { syncAllowed, type SyncWindow } from './windows';

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
  /** Since when PostgreSQL has been away (a check's record or a sync's claim failed); absent while it answers. */
  storage?: { unavailableSince: number };
}

/** The state a run starts from: what the previous run carried, or a first run's. */
export function newDriftState(carried?: DriftCarried): DriftCarried {
  return { checks: 0, syncs: 0, status: 'unknown', episode: NEW_EPISODE, ...carried };
}

/** What one run knows and does not carry: why drift is not applied now, and until when self-heal backs off. */
export interface HealHold {
  held?: string;
  waitingUntil?: number;
}

/** A notification: its kind, one line, and the evidence. */
export interface Announcement {
  kind: DriftEventKind;
  summary: string;
  details: string[];
}

/** The status a query and the search attribute show: a pause hides the compared status. */
export const shownStatus = (state: DriftCarried): DriftStatus => (state.paused ? 'paused' : state.status);

/** What a check at `at` changes in the carried state, its status aside (the loop sets and publishes that). */
export function noteCheck(state: DriftCarried, summary: CheckSummary, at: number): Pick<DriftCarried, 'lastCheck' | 'revision' | 'syncedRevision' | 'episode'> {
  let { episode, revision, syncedRevision } = state;
  // A new desired revision: a fresh start for self-heal, even after giving up.
  if (summary.revision && revision && summary.revision !== revision) episode = NEW_EPISODE;
  if (summary.revision) revision = summary.revision;
  if (summary.status === 'in-sync') {
    episode = NEW_EPISODE;
    syncedRevision = summary.revision;
  } else if (summary.status === 'drifted') {
    episode = noteDrift(episode, summary.drifted);
  }
  return { lastCheck: { ...summary, at }, revision, syncedRevision, episode };
}

/** The storage state after a check that was (or was not) recorded at `at`. */
export function storageAfterCheck(storage: DriftCarried['storage'], stored: boolean, at: number): DriftCarried['storage'] {
  if (stored) return undefined;
  return { unavailableSince: storage?.unavailableSince ?? at };
}

/** The status after a check, given the episode that check left: drift fought over by another controller is contested. */
export function statusAfterCheck(summary: CheckSummary, episode: HealEpisode, policy: HealPolicy): DriftStatus {
  if (summary.status === 'error') return 'error';
  if (summary.status === 'in-sync') return 'in-sync';
  return isContested(episode, policy) || episode.gaveUp?.contested ? 'contested' : 'drifted';
}

/**
 * What to tell people when a check moved the status from `previous` to `state.status`:
 * nothing while paused; drift once (not again when contested turns back to drifted);
 * healed and errors only after a first status was known.
 */
export function checkAnnouncement(app: string, previous: DriftStatus, state: DriftCarried, summary: CheckSummary): Announcement | undefined {
  if (state.status === previous || state.paused) return undefined;
  if (state.status === 'drifted' && previous !== 'contested') {
    return { kind: 'drift-found', summary: `${app} drifted: ${summary.fields} field(s) in ${summary.driftedCount} object(s)`, details: summary.preview };
  }
  if (state.status === 'in-sync' && previous !== 'unknown') {
    const after = state.lastSync?.outcome === 'applied' ? ` after ${state.lastSync.trigger === 'manual' ? 'a manual sync' : 'self-heal'}` : '';
    return { kind: 'drift-healed', summary: `${app} is in sync${after}`, details: [] };
  }
  if (state.status === 'error' && previous !== 'unknown') return { kind: 'drift-found', summary: `${app}: cannot compare: ${summary.error ?? 'error'}`, details: [] };
  return undefined;
}

export type HealPlan = { kind: 'hold'; hold: HealHold } | { kind: 'give-up'; hold: HealHold; gaveUp: NonNullable<HealEpisode['gaveUp']>; announce: Announcement } | { kind: 'apply'; hold: HealHold };

/** After a check: hold the drift (and say why), give up on it, or apply the desired state now. */
export function planHeal(spec: DriftSpec, state: DriftCarried, summary: CheckSummary, now: number): HealPlan {
  const hold = (held?: string, waitingUntil?: number): HealPlan => ({ kind: 'hold', hold: { held, waitingUntil } });
  if (summary.status !== 'drifted') return hold();
  if (spec.mode !== 'self-heal') return hold('detect mode: drift is recorded, not applied');
  if (state.paused) return hold(`paused: ${state.paused.reason}`);
  const window = syncAllowed(spec.windows, now);
  if (!window.allowed) return hold(window.reason);
  const decision = healDecision(state.episode, now, spec.heal);
  switch (decision.kind) {
    case 'stopped':
      return hold(decision.reason);
    case 'wait':
      return hold(`backing off until attempt ${decision.attempt}`, decision.until);
    case 'give-up':
      return {
        kind: 'give-up',
        hold: { held: `gave up: ${decision.reason}` },
        gaveUp: { at: now, reason: decision.reason, contested: decision.contested },
        announce: { kind: 'drift-gave-up', summary: `gave up self-healing ${spec.app}: ${decision.reason}`, details: summary.preview },
      };
    case 'apply':
      return { kind: 'apply', hold: {} };
  }
}

/** How soon to look again after a self-heal apply: soon, which shows both success and a target that drifts right back. */
export const recheckAfterApplyMs = (episode: HealEpisode, policy: HealPolicy): number => Math.max(1_000, backoffMs(episode.attempts + 1, policy));

/** The request for a sync of what `summary` found; `state.syncs` (already counted for a real sync) ends its idempotency key. */
export function syncRequest(app: string, state: Pick<DriftCarried, 'syncs' | 'syncedRevision'>, summary: CheckSummary, trigger: SyncRequest['trigger'], by: string, dryRun: boolean): SyncRequest {
  const revision = summary.revision!;
  // Applying the revision already applied puts back what drifted; a new revision is a change someone intended.
  const kind = state.syncedRevision === revision ? 'corrective' : 'intentional';
  return { key: `${app}/${revision}/${summary.liveHash}/${state.syncs}`, app, revision, liveHash: summary.liveHash!, kind, trigger, by, dryRun };
}

/**
 * A manual sync's answer when it applies nothing: it cannot compare, it is already in
 * sync, or it is outside the sync windows without force (a dry run may look anyway).
 * Undefined: go ahead and sync.
 */
export function manualSyncAnswer(summary: CheckSummary, windows: readonly SyncWindow[], input: { force: boolean; dryRun: boolean; by: string }, now: number): DriftSyncView | undefined {
  const answer = (outcome: 'refused' | 'in-sync', revision: string, detail: string): DriftSyncView => ({
    outcome,
    revision,
    objects: [],
    fields: [],
    detail,
    at: now,
    trigger: 'manual',
    by: input.by,
  });
  if (summary.status === 'error') return answer('refused', summary.revision ?? '', `cannot compare: ${summary.error}`);
  if (summary.status === 'in-sync') return answer('in-sync', summary.revision!, 'already in sync');
  const window = syncAllowed(windows, now);
  if (!window.allowed && !input.force && !input.dryRun) return answer('refused', summary.revision ?? '', `${window.reason}; use force to sync anyway`);
  return undefined;
}

/** Why the sync update refuses before it starts, if it does: a real sync waits for resume (a dry run does not). */
export function syncRejection(app: string, paused: PauseInput | undefined, dryRun: boolean): string | undefined {
  return paused && !dryRun ? `${app} is paused (${paused.reason}); resume it first` : undefined;
}

/** What the status query shows. */
export function statusView(spec: DriftSpec, state: DriftCarried, hold: HealHold): DriftStatusView {
  const { episode } = state;
  return {
    app: spec.app,
    mode: spec.mode,
    status: shownStatus(state),
    since: state.since,
    revision: state.revision,
    syncedRevision: state.syncedRevision,
    checks: state.checks,
    lastCheck: state.lastCheck,
    nextCheckAt: state.nextCheckAt,
    ...(state.storage ? { storage: state.storage } : {}),
    paused: state.paused,
    held: hold.held,
    selfHeal: { attempts: episode.attempts, maxAttempts: spec.heal.maxAttempts, redrifts: episode.redrifts, waitingUntil: hold.waitingUntil, gaveUp: episode.gaveUp },
    lastSync: state.lastSync,
  };
}
