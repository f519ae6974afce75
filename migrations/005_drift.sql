-- Drift reconciliation: the current state of each app (the last check, its
-- redacted diff), drift events (each change of what was found), and the sync
-- history. Every write an activity retry could repeat is keyed: events by
-- check id, syncs by (app, desired revision, live-state hash, attempt).
CREATE TABLE drift_state (
  app          text PRIMARY KEY,
  mode         text NOT NULL DEFAULT 'detect',
  check_id     text NOT NULL,
  checked_at   timestamptz NOT NULL,
  revision     text,
  status       text NOT NULL CHECK (status IN ('in-sync', 'drifted', 'error')),
  live_hash    text,
  diff_hash    text NOT NULL DEFAULT '',
  objects      integer NOT NULL DEFAULT 0,
  drifted      jsonb NOT NULL DEFAULT '[]',  -- redacted ObjectDrift[] of the objects not in sync
  fields       integer NOT NULL DEFAULT 0,
  error        text NOT NULL DEFAULT ''
);

CREATE TABLE drift_events (
  check_id     text PRIMARY KEY,
  app          text NOT NULL,
  at           timestamptz NOT NULL,
  revision     text,
  status       text NOT NULL,
  fields       integer NOT NULL DEFAULT 0,
  changes      jsonb NOT NULL DEFAULT '[]',  -- redacted ObjectDrift[]
  error        text NOT NULL DEFAULT ''
);
CREATE INDEX drift_events_by_app ON drift_events (app, at DESC);

CREATE TABLE drift_syncs (
  idempotency_key  text PRIMARY KEY,
  app              text NOT NULL,
  revision         text NOT NULL,
  live_hash        text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('corrective', 'intentional')),
  trigger          text NOT NULL,          -- self-heal | manual
  decided_by       text NOT NULL,
  status           text NOT NULL CHECK (status IN ('running', 'applied', 'in-sync', 'refused', 'failed')),
  objects          jsonb NOT NULL DEFAULT '[]',  -- targets applied
  changes          jsonb NOT NULL DEFAULT '[]',  -- redacted ObjectDrift[] that the apply corrected
  detail           text NOT NULL DEFAULT '',
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX drift_syncs_by_app ON drift_syncs (app, started_at DESC);
