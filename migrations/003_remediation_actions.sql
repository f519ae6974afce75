-- The remediation audit trail. Each action is keyed by its idempotency key
-- (workflow id + decision number): the row is written before the action runs
-- and completed after, so a retried or replayed activity that finds the key
-- returns what is stored instead of acting a second time.
CREATE TABLE remediation_actions (
  idempotency_key  text PRIMARY KEY,
  service          text NOT NULL,
  step             text NOT NULL,
  action_type      text NOT NULL,
  target           text NOT NULL,
  decided_by       text NOT NULL,
  reason           text NOT NULL DEFAULT '',
  status           text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'in-doubt')),
  exit_code        integer,
  http_status      integer,
  output           text NOT NULL DEFAULT '',
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  duration_ms      double precision
);
CREATE INDEX remediation_actions_by_service ON remediation_actions (service, started_at DESC);
CREATE INDEX remediation_actions_by_time ON remediation_actions (started_at DESC);
