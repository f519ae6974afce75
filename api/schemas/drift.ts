// Response schemas of /api/v1/drift (the drift loops).
import Type, { type Static } from 'typebox';
import type { ObjectDrift as StoredObjectDrift } from '../../lib/core/drift/compare';
import { DRIFT_STATUSES } from '../../lib/core/drift/types';
import type { DriftStatusView, DriftSyncView } from '../../workflows/messages';
import { EpochMs, Nullable, PauseView, Timestamp, type Assert, type Same } from './common';
import { LoopMarker } from './services';

export const DriftAppSummary = Type.Object({
  app: Type.String(),
  mode: Type.Optional(Type.String()),
  status: Type.String({ description: 'unknown, in-sync, drifted, contested, error or paused' }),
  revision: Type.Optional(Type.String()),
  lastCheck: Type.Optional(Timestamp()),
  fields: Type.Optional(Type.Integer()),
  ...LoopMarker,
  workflowId: Type.String(),
  temporalUiUrl: Type.Optional(Type.String()),
});
export type DriftAppSummary = Static<typeof DriftAppSummary>;

/** One object not in sync, redacted: each field change is a JSON pointer with the desired and live values. */
export const ObjectDrift = Type.Object({
  target: Type.String(),
  file: Type.String(),
  status: Type.Enum(['in-sync', 'drifted', 'missing', 'error']),
  changes: Type.Array(
    Type.Object({
      kind: Type.Enum(['added', 'removed', 'changed']),
      path: Type.String({ description: 'JSON pointer of the field inside the object' }),
      desired: Type.Optional(Type.Unknown({ description: 'The desired value (absent for added), redacted' })),
      live: Type.Optional(Type.Unknown({ description: 'The live value (absent for removed), redacted' })),
    }),
  ),
  error: Type.Optional(Type.String()),
});

/** What a sync did (POST /drift/:app/sync, and the loop's last sync). */
export const DriftSync = Type.Object({
  outcome: Type.Enum(['applied', 'refused', 'failed', 'in-sync', 'dry-run']),
  key: Type.Optional(Type.String()),
  revision: Type.String(),
  kind: Type.Optional(Type.Enum(['corrective', 'intentional'])),
  objects: Type.Array(Type.String(), { description: 'Targets applied (or that would be, for a dry run)' }),
  fields: Type.Array(Type.String(), { description: '"target /path" of each field corrected, bounded' }),
  detail: Type.String(),
  replayed: Type.Optional(Type.Boolean({ description: 'This call found the sync already done and did not apply again' })),
  at: EpochMs(),
  trigger: Type.Enum(['self-heal', 'manual']),
  by: Type.String(),
});
export type DriftSync = Static<typeof DriftSync>;

/** The stored diff of the app's last check (drift_state). */
export const DriftDiff = Type.Object({
  checkedAt: Timestamp(),
  revision: Nullable(Type.String()),
  status: Type.Enum(['in-sync', 'drifted', 'error']),
  objects: Type.Integer({ description: 'Objects compared' }),
  fields: Type.Integer({ description: 'Fields drifted' }),
  error: Type.Optional(Type.String()),
  drifted: Type.Array(ObjectDrift, { description: 'The objects not in sync' }),
});
export type DriftDiff = Static<typeof DriftDiff>;

/** GET /drift/:app: the loop's `status` query and the stored diff. */
export const DriftAppDetail = Type.Object({
  app: Type.String(),
  mode: Type.Enum(['detect', 'self-heal']),
  status: Type.Enum([...DRIFT_STATUSES]),
  since: Type.Optional(EpochMs('Status since')),
  revision: Type.Optional(Type.String({ description: "The desired revision of the last check: a commit, or sha256:… of a directory's content" })),
  syncedRevision: Type.Optional(Type.String({ description: 'The revision last seen in sync or applied' })),
  checks: Type.Integer(),
  lastCheck: Type.Optional(
    Type.Object({
      checkId: Type.String(),
      status: Type.Enum(['in-sync', 'drifted', 'error']),
      revision: Type.Optional(Type.String()),
      liveHash: Type.Optional(Type.String()),
      objects: Type.Integer(),
      drifted: Type.Array(Type.String(), { description: 'Targets that need an apply (bounded)' }),
      driftedCount: Type.Integer(),
      fields: Type.Integer(),
      preview: Type.Array(Type.String(), { description: '"target /path kind" lines, redacted, bounded' }),
      error: Type.Optional(Type.String()),
      at: EpochMs(),
    }),
  ),
  nextCheckAt: Type.Optional(EpochMs()),
  storage: Type.Optional(
    Type.Object({ unavailableSince: EpochMs('PostgreSQL has been away since then') }, { description: 'Present while the history cannot be recorded (degraded: storage unavailable since …)' }),
  ),
  paused: Type.Optional(PauseView),
  held: Type.Optional(Type.String({ description: 'Why drift is not being applied now (sync window, paused, detect mode), if it is not' })),
  selfHeal: Type.Object({
    attempts: Type.Integer(),
    maxAttempts: Type.Integer(),
    redrifts: Type.Integer(),
    waitingUntil: Type.Optional(EpochMs()),
    gaveUp: Type.Optional(Type.Object({ at: EpochMs(), reason: Type.String(), contested: Type.Boolean() })),
  }),
  lastSync: Type.Optional(DriftSync),
  diff: Nullable(DriftDiff),
  workflowId: Type.String(),
  temporalUiUrl: Type.Optional(Type.String()),
});
export type DriftAppDetail = Static<typeof DriftAppDetail>;

export const SyncRecord = Type.Object({
  at: Timestamp('Started'),
  finishedAt: Nullable(Timestamp()),
  revision: Type.String(),
  kind: Type.String({ description: 'corrective or intentional' }),
  trigger: Type.String({ description: 'self-heal or manual' }),
  by: Type.String(),
  outcome: Type.String({ description: 'running, applied, in-sync, refused or failed' }),
  objects: Type.Array(Type.String(), { description: 'Targets applied' }),
  changes: Type.Array(ObjectDrift, { description: 'What the apply corrected' }),
  detail: Type.String(),
  key: Type.String(),
});
export const DriftEvent = Type.Object({
  at: Timestamp(),
  revision: Nullable(Type.String()),
  status: Type.String(),
  fields: Type.Integer(),
  changes: Type.Array(ObjectDrift),
  error: Type.String(),
});
/** GET /drift/:app/history, newest first. */
export const DriftHistory = Type.Object({ syncs: Type.Array(SyncRecord), events: Type.Array(DriftEvent, { description: 'Checks that changed the status or the diff' }) });
export type DriftHistory = Static<typeof DriftHistory>;

// The loop's own shapes, mirrored: a field added there fails here.
export type Checked = [
  Assert<Same<Static<typeof ObjectDrift>, StoredObjectDrift>>,
  Assert<Same<DriftSync, DriftSyncView>>,
  Assert<Same<Omit<DriftAppDetail, 'diff' | 'workflowId' | 'temporalUiUrl'>, DriftStatusView>>,
];
