// Drift activities. `driftCheck` reads the desired documents and the live state,
// compares them, stores the app's current redacted diff (and an event when what
// was found changed) and returns a bounded summary. `driftSync` applies: keyed by
// (app, desired revision, live-state hash, attempt), claimed in PostgreSQL before
// acting; it re-reads the live state first and refuses if it changed since the
// check, so a retry or a replay never applies twice.
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { inTransaction } from '../lib/adapters/db/pool';
import { compareDocuments, type Comparison, type LiveRead } from '../lib/core/drift/compare';
import { compileIgnore } from '../lib/core/drift/diff';
import { DesiredDocumentError, type DesiredDocument } from '../lib/core/drift/documents';
import { hashOf } from '../lib/core/drift/hash';
import { desiredWithIgnoredFromLive } from '../lib/core/drift/merge';
import type { DriftSpec } from '../lib/core/drift/spec';
import { MAX_LISTED, type CheckSummary, type SyncRequest, type SyncResult } from '../lib/core/drift/types';
import type { ActivityDeps } from './deps';
import { explicitCancelOf } from './actions';
import { providerFor } from './drift-providers';
import { readSource, SourceError, type SourceSnapshot } from './drift-sources';

const PREVIEW_LINES = 20;
const HEARTBEAT_MS = 2_000;
/** Providers are asked for this many objects at once. */
const READ_CONCURRENCY = 16;

export interface Observed {
  snapshot: SourceSnapshot;
  live: LiveRead[];
  liveHash: string;
  comparison: Comparison;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]);
      }
    }),
  );
  return results;
}

/** What the live side looks like, as one hash: the same live state always hashes the same. */
function liveHashOf(live: readonly LiveRead[]): string {
  return hashOf([...live].sort((a, b) => (a.target < b.target ? -1 : 1)));
}

function preview(comparison: Comparison): string[] {
  const lines = comparison.objects.flatMap((object) =>
    object.status === 'error' ? [`${object.target}: ${object.error}`] : object.changes.map((change) => `${object.target} ${change.path || '/'} ${change.kind}`),
  );
  return lines.length > PREVIEW_LINES ? [...lines.slice(0, PREVIEW_LINES - 1), `… ${lines.length - PREVIEW_LINES + 1} more`] : lines;
}

export function createDriftActivities({ pool, config, log, metrics }: ActivityDeps) {
  const cacheDir = join(resolve(config.dataDir), 'drift');

  async function observe(spec: DriftSpec, revision?: string): Promise<Observed> {
    const snapshot = await readSource(spec.source, { cacheDir, revision });
    const provider = providerFor(spec.provider, { signal: Context.current().cancellationSignal });
    const live = await mapLimited(snapshot.documents, READ_CONCURRENCY, (document: DesiredDocument) => provider.read(document.target, document.state));
    const comparison = compareDocuments(snapshot.documents, live, { ignore: spec.ignore, sensitive: spec.sensitive });
    return { snapshot, live, liveHash: liveHashOf(live), comparison };
  }

  async function store(app: string, mode: string, checkId: string, at: number, summary: CheckSummary, comparison?: Comparison): Promise<void> {
    const notInSync = (comparison?.objects ?? []).filter((object) => object.status !== 'in-sync');
    const diffHash = hashOf({ status: summary.status, revision: summary.revision ?? null, objects: notInSync, error: summary.error ?? '' });
    await inTransaction(pool, async (client) => {
      const previous = await client.query<{ diff_hash: string }>('SELECT diff_hash FROM drift_state WHERE app = $1 FOR UPDATE', [app]);
      if (previous.rows[0]?.diff_hash !== diffHash) {
        await client.query(
          `INSERT INTO drift_events (check_id, app, at, revision, status, fields, changes, error)
           VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $5, $6, $7, $8) ON CONFLICT (check_id) DO NOTHING`,
          [checkId, app, at, summary.revision ?? null, summary.status, summary.fields, JSON.stringify(notInSync), summary.error ?? ''],
        );
      }
      await client.query(
        `INSERT INTO drift_state (app, check_id, checked_at, revision, status, live_hash, diff_hash, objects, drifted, fields, error, mode)
         VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (app) DO UPDATE SET mode = EXCLUDED.mode, check_id = EXCLUDED.check_id, checked_at = EXCLUDED.checked_at, revision = EXCLUDED.revision,
           status = EXCLUDED.status, live_hash = EXCLUDED.live_hash, diff_hash = EXCLUDED.diff_hash, objects = EXCLUDED.objects,
           drifted = EXCLUDED.drifted, fields = EXCLUDED.fields, error = EXCLUDED.error`,
        [app, checkId, at, summary.revision ?? null, summary.status, summary.liveHash ?? null, diffHash, summary.objects, JSON.stringify(notInSync), summary.fields, summary.error ?? '', mode],
      );
    });
  }

  return {
    /** Deletes this app's drift events and finished syncs past the retention (transitionsDays, actionsDays); returns the rows removed. */
    async pruneDriftHistory(input: { app: string }): Promise<number> {
      const { transitionsDays, actionsDays } = config.retention;
      const removed = await Promise.all([
        pool.query(`DELETE FROM drift_events WHERE app = $1 AND at < now() - make_interval(days => $2)`, [input.app, transitionsDays]),
        pool.query(`DELETE FROM drift_syncs WHERE app = $1 AND started_at < now() - make_interval(days => $2) AND status <> 'running'`, [input.app, actionsDays]),
      ]);
      return removed.reduce((sum, result) => sum + (result.rowCount ?? 0), 0);
    },

    /**
     * One comparison of desired against live. Bad input (unreadable source, bad document) is
     * status error, not a failed activity. A record that cannot be written (PostgreSQL away)
     * does not fail the check either: the summary says stored: false and the loop shows it.
     */
    async driftCheck(input: { spec: DriftSpec; checkId: string; at: number }): Promise<CheckSummary & { stored?: false }> {
      const { spec, checkId, at } = input;
      let summary: CheckSummary;
      let comparison: Comparison | undefined;
      try {
        const observed = await observe(spec);
        comparison = observed.comparison;
        const status = comparison.errors.length ? 'error' : comparison.drifted.length ? 'drifted' : 'in-sync';
        summary = {
          checkId,
          status,
          revision: observed.snapshot.revision,
          liveHash: observed.liveHash,
          objects: observed.snapshot.documents.length,
          drifted: comparison.drifted.slice(0, MAX_LISTED),
          driftedCount: comparison.drifted.length,
          fields: comparison.fields,
          preview: preview(comparison),
          error: comparison.errors.length ? comparison.errors.slice(0, 5).join('; ').slice(0, 1000) : undefined,
        };
      } catch (error) {
        if (!(error instanceof SourceError || error instanceof DesiredDocumentError)) throw error;
        summary = { checkId, status: 'error', objects: 0, drifted: [], driftedCount: 0, fields: 0, preview: [], error: error.message.slice(0, 1000) };
      }
      metrics?.driftFields?.set({ app: spec.app }, summary.fields);
      try {
        await store(spec.app, spec.mode, checkId, at, summary, comparison);
      } catch (error) {
        log.warn({ app: spec.app, checkId, error: String(error) }, 'drift check not recorded; PostgreSQL is away');
        return { ...summary, stored: false };
      }
      return summary;
    },

    /** Applies the desired state of the drifted objects, at most once per key. */
    async driftSync(input: { spec: DriftSpec; request: SyncRequest }): Promise<SyncResult> {
      const { spec, request } = input;
      const base = { key: request.key, revision: request.revision, kind: request.kind };
      let claimedBefore = false;
      let changesFor: Comparison['objects'] | undefined;
      if (!request.dryRun) {
        const claim = await pool.query(
          `INSERT INTO drift_syncs (idempotency_key, app, revision, live_hash, kind, trigger, decided_by, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'running') ON CONFLICT (idempotency_key) DO NOTHING`,
          [request.key, request.app, request.revision, request.liveHash, request.kind, request.trigger, request.by],
        );
        if (claim.rowCount !== 1) {
          const { rows } = await pool.query<{ status: string; objects: string[]; changes: { target: string; changes: { path: string }[] }[]; detail: string }>(
            'SELECT status, objects, changes, detail FROM drift_syncs WHERE idempotency_key = $1',
            [request.key],
          );
          const row = rows[0];
          if (row.status !== 'running') {
            return { ...base, outcome: row.status as SyncResult['outcome'], objects: row.objects, fields: fieldsOf(row.changes), detail: row.detail, replayed: true };
          }
          // The worker died mid-apply. Re-reading the live state below tells what happened.
          claimedBefore = true;
        }
      }

      const finish = async (result: SyncResult): Promise<SyncResult> => {
        if (!request.dryRun) {
          await pool.query(`UPDATE drift_syncs SET status = $2, objects = $3, changes = $4, detail = $5, finished_at = now() WHERE idempotency_key = $1`, [
            request.key,
            result.outcome,
            JSON.stringify(result.objects),
            JSON.stringify(changesFor ?? []),
            result.detail.slice(0, 2000),
          ]);
          metrics?.driftSyncs?.inc({ app: request.app, outcome: result.outcome });
        }
        log.info({ app: request.app, key: request.key, outcome: result.outcome, objects: result.objects.length, detail: result.detail }, 'drift sync');
        return result;
      };
      let observed: Observed;
      try {
        observed = await observe(spec, spec.source.type === 'git' ? request.revision : undefined);
      } catch (error) {
        if (!(error instanceof SourceError || error instanceof DesiredDocumentError)) throw error;
        return finish({ ...base, outcome: 'refused', objects: [], fields: [], detail: `cannot read the desired state: ${error.message}` });
      }
      const { comparison } = observed;
      changesFor = comparison.objects.filter((object) => object.status === 'drifted' || object.status === 'missing');
      if (observed.snapshot.revision !== request.revision) {
        return finish({ ...base, outcome: 'refused', objects: [], fields: [], detail: `the desired revision changed since the check (${request.revision} → ${observed.snapshot.revision})` });
      }
      if (comparison.errors.length) return finish({ ...base, outcome: 'refused', objects: [], fields: [], detail: `live state unreadable: ${comparison.errors.slice(0, 3).join('; ')}` });
      if (!comparison.drifted.length) {
        const detail = claimedBefore ? 'already applied (found in sync after an interrupted apply)' : 'already in sync';
        return finish({ ...base, outcome: 'in-sync', objects: [], fields: [], detail });
      }
      if (observed.liveHash !== request.liveHash) {
        return finish({ ...base, outcome: 'refused', objects: [], fields: [], detail: 'the live state changed since the check; the next check compares again' });
      }
      const fields = fieldsOf(changesFor);
      if (request.dryRun) return { ...base, outcome: 'dry-run', objects: comparison.drifted, fields, detail: `would apply ${comparison.drifted.length} object(s)` };

      const context = Context.current();
      // A lost attempt (Temporal away, the heartbeat timed out) leaves a command mid-change be; an explicit cancel stops it.
      const provider = providerFor(spec.provider, { signal: explicitCancelOf(context.cancellationSignal) });
      const desired = new Map(observed.snapshot.documents.map((document) => [document.target, document]));
      const liveByTarget = new Map(observed.live.map((read) => [read.target, 'state' in read ? read.state : undefined]));
      const appIgnore = compileIgnore(spec.ignore);
      const applied: string[] = [];
      // Heartbeats let Temporal notice a dead worker within the heartbeat timeout, not the apply's.
      const beat = setInterval(() => context.heartbeat(applied.length), HEARTBEAT_MS);
      try {
        for (const target of comparison.drifted) {
          try {
            const document = desired.get(target)!;
            const ignore = document.ignore.length ? { patterns: [...appIgnore.patterns, ...compileIgnore(document.ignore).patterns] } : appIgnore;
            // Ignored fields keep their live value: another controller owns them.
            await provider.apply(target, desiredWithIgnoredFromLive(document.state, liveByTarget.get(target), ignore));
            applied.push(target);
          } catch (error) {
            const detail = `applied ${applied.length} of ${comparison.drifted.length}; ${target}: ${(error as Error).message}`;
            return await finish({ ...base, outcome: 'failed', objects: applied, fields, detail });
          }
        }
      } finally {
        clearInterval(beat);
      }
      return finish({ ...base, outcome: 'applied', objects: applied, fields, detail: `applied ${applied.length} object(s), ${fields.length} field(s)` });
    },
  };
}

function fieldsOf(objects: { target: string; changes: { path: string }[] }[]): string[] {
  return objects.flatMap((object) => object.changes.map((change) => `${object.target} ${change.path || '/'}`)).slice(0, MAX_LISTED);
}
