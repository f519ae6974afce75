-- Metrics pushed by agents (POST /api/v1/metrics). Keyed by service, name,
-- labels and timestamp, so an agent that retries a batch stores it once.
CREATE TABLE metric_samples (
  service      text NOT NULL,
  name         text NOT NULL,
  labels_key   text NOT NULL,
  labels       jsonb NOT NULL DEFAULT '{}',
  ts           timestamptz NOT NULL,
  value        double precision NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, name, labels_key, ts)
);
CREATE INDEX metric_samples_by_time ON metric_samples (service, name, ts DESC);
