-- End-to-end self checks: API → Temporal → worker → activity → PostgreSQL.
-- Keyed by workflow id, so a retried activity writes the same row again.
CREATE TABLE self_checks (
  workflow_id   text PRIMARY KEY,
  requested_by  text NOT NULL,
  note          text NOT NULL DEFAULT '',
  worker        text NOT NULL,
  attempts      integer NOT NULL DEFAULT 1,
  checked_at    timestamptz NOT NULL DEFAULT now()
);
