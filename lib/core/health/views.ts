// What the health loop shows and is told: the status view its `status` query
// returns, the views of its sources, the pause it is given and the result of a
// remediation. They live in the core because the core builds them (loop.ts);
// workflows/messages.ts re-exports them beside the signals and queries.
import type { HealthStatus } from './state';

export interface PauseInput {
  reason: string;
  /** Epoch ms; omitted: until resumed. */
  until?: number;
  by?: string;
}

/** A pause whose time has passed is over, even before the loop comes round to clear it (health and drift loops alike). */
export function pauseOver(paused: PauseInput | undefined, now: number): boolean {
  return paused?.until !== undefined && paused.until <= now;
}

export interface RemediationView {
  key: string;
  step: string;
  status: 'succeeded' | 'failed' | 'in-doubt';
  detail: string;
  at: number;
  decidedBy: string;
}

export interface CheckView {
  name: string;
  up: boolean;
  latencyMs: number;
  attempts: number;
  detail: string;
  at: number;
  baseline?: { samples: number; mean: number; spread: number };
  /** The baseline judged this source anomalous (the service is degraded while any is). */
  degraded?: boolean;
}

export interface HealthStatusView {
  service: string;
  status: HealthStatus;
  since?: number;
  round: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  paused?: PauseInput;
  checks: CheckView[];
  nextCheckAt?: number;
  /** Present while PostgreSQL is away ("degraded: storage unavailable since …") or the rounds of its outage are still to store. */
  storage?: { unavailableSince: number; unstoredRounds: number; droppedRounds?: number };
  remediation: {
    nextStep?: string;
    actionsInWindow: number;
    maxActions: number;
    suppressed?: string;
    waiting?: { until: number; reason: string };
    /** With the id of the triage it was handed to (GET /api/v1/triage/:id). */
    gaveUp?: { at: number; reason: string; triageId?: string };
    last?: RemediationView;
  };
}
