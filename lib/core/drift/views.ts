// What the drift loop shows: the view its `status` query returns and the view
// of a sync (what its `sync` update returns). They live in the core because the
// core builds them (loop.ts); workflows/messages.ts re-exports them beside the
// update and the query.
import type { PauseInput } from '../health/views';
import type { HealEpisode } from './heal';
import type { CheckSummary, DriftStatus, SyncResult } from './types';

export interface DriftSyncView extends SyncResult {
  at: number;
  trigger: 'self-heal' | 'manual';
  by: string;
}

export interface DriftStatusView {
  app: string;
  mode: 'detect' | 'self-heal';
  status: DriftStatus;
  since?: number;
  /** The desired revision of the last check: a commit, or sha256:… of a directory's content. */
  revision?: string;
  /** The revision last seen in sync or applied. */
  syncedRevision?: string;
  checks: number;
  lastCheck?: CheckSummary & { at: number };
  nextCheckAt?: number;
  /** Present while PostgreSQL is away: checks go on, their history is not recorded. */
  storage?: { unavailableSince: number };
  paused?: PauseInput;
  /** Why drift is not being applied now (sync window, paused, detect mode), if it is not. */
  held?: string;
  selfHeal: { attempts: number; maxAttempts: number; redrifts: number; waitingUntil?: number; gaveUp?: HealEpisode['gaveUp'] };
  lastSync?: DriftSyncView;
}
