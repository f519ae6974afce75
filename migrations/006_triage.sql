-- Alert triage (claim check): the transcript lives here, not in Temporal history.
-- One run per triage id (`<fingerprint>~<startsAt>` or `manual~<id>`); messages
-- keyed by (triage, turn, role) so a retried LLM activity appends a turn once;
-- tool calls keyed by their tool_use id so a retried tool activity stores once.
CREATE TABLE triage_runs (
  id            text PRIMARY KEY,
  workflow_id   text NOT NULL,
  source        text NOT NULL,
  alertname     text NOT NULL DEFAULT '',
  service       text NOT NULL DEFAULT '',
  fingerprint   text,
  labels        jsonb NOT NULL DEFAULT '{}',
  annotations   jsonb NOT NULL DEFAULT '{}',
  question      text,
  status        text NOT NULL CHECK (status IN ('running', 'skipped', 'completed', 'refused', 'cancelled', 'failed')),
  gate          jsonb,
  budget        jsonb,
  report        jsonb,
  -- A proposed remediation's fate: approved (by whom, with the result), rejected or expired.
  approval      jsonb,
  resolved_at   timestamptz,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX triage_runs_by_time ON triage_runs (started_at DESC);
CREATE INDEX triage_runs_by_alertname ON triage_runs (alertname, started_at DESC);
CREATE INDEX triage_runs_by_service ON triage_runs (service, started_at DESC);

CREATE TABLE triage_messages (
  triage_id    text NOT NULL REFERENCES triage_runs (id) ON DELETE CASCADE,
  turn         integer NOT NULL,
  role         text NOT NULL CHECK (role IN ('user', 'assistant')),
  content      jsonb NOT NULL,
  model        text,
  stop_reason  text,
  usage        jsonb,
  duration_ms  double precision,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (triage_id, turn, role)
);

CREATE TABLE triage_tool_calls (
  triage_id    text NOT NULL REFERENCES triage_runs (id) ON DELETE CASCADE,
  tool_use_id  text NOT NULL,
  turn         integer NOT NULL,
  name         text NOT NULL,
  input        jsonb NOT NULL,
  status       text NOT NULL CHECK (status IN ('ok', 'error')),
  -- What the model is sent (capped, with a note when cut) and the whole result.
  output       text NOT NULL DEFAULT '',
  full_output  text NOT NULL DEFAULT '',
  truncated    boolean NOT NULL DEFAULT false,
  duration_ms  double precision,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (triage_id, tool_use_id)
);
