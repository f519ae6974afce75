// Readiness: the API is ready only when Temporal and PostgreSQL both answer and
// it is not draining. Each probe has its own short deadline.
import type { Connection } from '@temporalio/client';
import type pg from 'pg';
import { databaseAnswers } from '../lib/adapters/db/pool';
import type { Metrics } from '../lib/adapters/metrics';

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: { temporal: boolean; postgres: boolean };
}

export class Readiness {
  private draining = false;

  constructor(
    private readonly deps: { pool: pg.Pool; connection: Connection; metrics: Metrics; timeoutMs?: number },
  ) {}

  startDraining(): void {
    this.draining = true;
  }

  async report(): Promise<ReadinessReport> {
    const timeoutMs = this.deps.timeoutMs ?? 2_000;
    const [temporal, postgres] = await Promise.all([this.temporalAnswers(timeoutMs), databaseAnswers(this.deps.pool, timeoutMs)]);
    if (!temporal) this.deps.metrics.dependencyErrors.inc({ dependency: 'temporal' });
    if (!postgres) this.deps.metrics.dependencyErrors.inc({ dependency: 'postgres' });
    return { ready: !this.draining && temporal && postgres, draining: this.draining, checks: { temporal, postgres } };
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
