// Readiness: ready only when Temporal and PostgreSQL both answer, the process is
// not draining, and every condition the command added holds (its workers are
// all polling, say). Each probe has its own short deadline.
import type { Connection } from '@temporalio/client';
import type pg from 'pg';
import { databaseAnswers } from '../lib/adapters/db/pool';
import type { Metrics } from '../lib/adapters/metrics';

/** Conditions a command adds: `workers`, every worker of this process is running. */
export type ReadinessCondition = 'workers';

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: { temporal: boolean; postgres: boolean } & Partial<Record<ReadinessCondition, boolean>>;
}

export class Readiness {
  private draining = false;
  private readonly conditions = new Map<ReadinessCondition, () => boolean>();

  constructor(private readonly deps: { pool: pg.Pool; connection: Connection; metrics: Metrics; timeoutMs?: number }) {}

  startDraining(): void {
    this.draining = true;
  }

  /** One more condition of readiness, reported under `checks` by its name. */
  require(name: ReadinessCondition, holds: () => boolean): void {
    this.conditions.set(name, holds);
  }

  async report(): Promise<ReadinessReport> {
    const timeoutMs = this.deps.timeoutMs ?? 2_000;
    const [temporal, postgres] = await Promise.all([this.temporalAnswers(timeoutMs), databaseAnswers(this.deps.pool, timeoutMs)]);
    if (!temporal) this.deps.metrics.dependencyErrors.inc({ dependency: 'temporal' });
    if (!postgres) this.deps.metrics.dependencyErrors.inc({ dependency: 'postgres' });
    // Read after the probes: a worker that stopped while they ran makes this answer false.
    const conditions = Object.fromEntries([...this.conditions].map(([name, holds]) => [name, holds()]));
    const ready = !this.draining && temporal && postgres && Object.values(conditions).every(Boolean);
    return { ready, draining: this.draining, checks: { temporal, postgres, ...conditions } };
  }

  private async temporalAnswers(timeoutMs: number): Promise<boolean> {
    try {
      const { connection } = this.deps;
      await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
      return true;
    } catch {
      return false;
    }
  }
}
