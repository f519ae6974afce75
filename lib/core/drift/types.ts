// What the drift activities return to the workflow, and what the workflow shows:
// bounded summaries (targets, pointers, counts). The full redacted diff stays in
// PostgreSQL, so workflow history stays small with 1,000 documents.

export const DRIFT_STATUSES = ['unknown', 'in-sync', 'drifted', 'contested', 'error', 'paused'] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];

export interface CheckSummary {
  checkId: string;
  status: 'in-sync' | 'drifted' | 'error';
  revision?: string;
  liveHash?: string;
  objects: number;
  /** Targets that need an apply (bounded to MAX_LISTED). */
  drifted: string[];
  driftedCount: number;
  fields: number;
  /** "target /path kind" lines, redacted, bounded. */
  preview: string[];
  error?: string;
}

export type SyncKind = 'corrective' | 'intentional';

export interface SyncRequest {
  key: string;
  app: string;
  revision: string;
  liveHash: string;
  kind: SyncKind;
  trigger: 'self-heal' | 'manual';
  by: string;
  dryRun?: boolean;
}

export interface SyncResult {
  outcome: 'applied' | 'refused' | 'failed' | 'in-sync' | 'dry-run';
  key?: string;
  revision: string;
  kind?: SyncKind;
  /** Targets applied (or that would be, for a dry run). */
  objects: string[];
  /** "target /path" of each field corrected, bounded. */
  fields: string[];
  detail: string;
  /** True when this call found the sync already done (a retry or replay) and did not apply again. */
  replayed?: boolean;
}

export const MAX_LISTED = 50;
