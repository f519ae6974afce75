-- Service health: every check result, and every change of a service's status.
-- Rows are keyed by (service, round, check) and (service, round): a retried
-- activity writes the same row again instead of a second one.
CREATE TABLE check_results (
  service     text NOT NULL,
  round       bigint NOT NULL,
  check_name  text NOT NULL,
  checked_at  timestamptz NOT NULL,
  up          boolean NOT NULL,
  latency_ms  double precision NOT NULL,
  attempts    integer NOT NULL,
  detail      text NOT NULL DEFAULT '',
  PRIMARY KEY (service, round, check_name)
);
CREATE INDEX check_results_by_time ON check_results (service, checked_at DESC);

CREATE TABLE health_transitions (
  service      text NOT NULL,
  round        bigint NOT NULL,
  from_status  text NOT NULL,
  to_status    text NOT NULL,
  at           timestamptz NOT NULL,
  reason       text NOT NULL DEFAULT '',
  PRIMARY KEY (service, round)
);
CREATE INDEX health_transitions_by_time ON health_transitions (service, at DESC);
