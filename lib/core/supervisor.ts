// The supervisor's shapes and its one pure decision: what a reconcile report
// does to the state it shows (bounded lists, so its history and its query stay
// small whatever happens). Workflows, activities, the client and the API share
// these types.

/** The loop kinds the supervisor keeps running (their VigilKind). */
export const SUPERVISED_KINDS = ['health', 'drift'] as const;
export type SupervisedKind = (typeof SUPERVISED_KINDS)[number];

/**
 * Where a defined loop stands: running, or why not. `missing`: no execution was
 * ever started (or Temporal forgot it after its retention); the others are how
 * the last run closed.
 */
export const LOOP_STATES = ['running', 'missing', 'failed', 'terminated', 'timed-out', 'cancelled', 'completed'] as const;
export type LoopState = (typeof LOOP_STATES)[number];

/** A loop the supervisor started again. */
export interface LoopRestart {
  kind: SupervisedKind;
  name: string;
  /** How it was found. */
  was: Exclude<LoopState, 'running'>;
  /** When its last run closed (epoch ms), if it ran before. */
  since?: number;
  /** Whether it continued from its last run's carried state (otherwise fresh). */
  carried: boolean;
  at: number;
}

/** A loop the supervisor could not start again, and why. */
export interface LoopRestartFailure {
  kind: SupervisedKind;
  name: string;
  was: Exclude<LoopState, 'running'>;
  error: string;
  at: number;
}

/** What one reconcile did (the activity's answer). */
export interface ReconcileReport {
  at: number;
  /** Defined loops by kind. */
  defined: Record<SupervisedKind, number>;
  /** At most RECENT_LIMIT of each (the counts say how many there were): an activity result and a history event stay small after a mass failure. */
  restarted: LoopRestart[];
  failed: LoopRestartFailure[];
  counts?: { restarted: number; failed: number };
  /** Why nothing was reconciled (no definitions on this worker, unreadable config). */
  skipped?: string;
  /** The worker's supervisor.intervalMs: the wait before the next reconcile. */
  intervalMs: number;
}

/** The supervisor's state: what continue-as-new carries and what its status query shows. */
export interface SupervisorState {
  reconciles: number;
  lastReconcileAt?: number;
  intervalMs: number;
  defined: Record<SupervisedKind, number>;
  /** The latest restarts, newest first (at most RECENT_LIMIT). */
  restarted: LoopRestart[];
  restartsTotal: number;
  /** What the last reconcile could not restart (at most RECENT_LIMIT; failingCount says how many). */
  failing: LoopRestartFailure[];
  failingCount?: number;
  skipped?: string;
  /** The last reconcile's own failure (the activity gave up), if it failed. */
  lastError?: { at: number; message: string };
}

export const RECENT_LIMIT = 50;
export const DEFAULT_SUPERVISOR_INTERVAL_MS = 60_000;

export function newSupervisorState(carried?: SupervisorState): SupervisorState {
  return carried ?? { reconciles: 0, intervalMs: DEFAULT_SUPERVISOR_INTERVAL_MS, defined: { health: 0, drift: 0 }, restarted: [], restartsTotal: 0, failing: [] };
}

/** The state after a reconcile that answered. */
export function afterReconcile(state: SupervisorState, report: ReconcileReport): SupervisorState {
  return {
    ...state,
    reconciles: state.reconciles + 1,
    lastReconcileAt: report.at,
    intervalMs: report.intervalMs,
    defined: report.defined,
    restarted: [...[...report.restarted].reverse(), ...state.restarted].slice(0, RECENT_LIMIT),
    restartsTotal: state.restartsTotal + (report.counts?.restarted ?? report.restarted.length),
    failing: report.failed.slice(0, RECENT_LIMIT),
    failingCount: report.counts?.failed ?? report.failed.length,
    skipped: report.skipped,
    lastError: undefined,
  };
}

/** The state after a reconcile whose activity failed: shown, and tried again next period. */
export function afterReconcileError(state: SupervisorState, at: number, message: string): SupervisorState {
  return { ...state, reconciles: state.reconciles + 1, lastError: { at, message: message.slice(0, 500) } };
}
