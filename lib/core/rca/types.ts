// The ranked offline investigator's inputs and outputs. Everything is plain
// JSON (numbers, strings, arrays, records) so a recorded case can be written to
// a fixture and replayed through the same functions. Times are epoch seconds,
// as Prometheus gives them.

/** A time series: `[t, value]` pairs, t in epoch seconds, ascending. */
export type Series = readonly (readonly [number, number])[];

/** The signals a service can have, already derived from its raw metrics by whoever gathers them. */
export const SIGNAL_NAMES = ['error_ratio', 'latency_p95', 'request_rate', 'cpu', 'memory', 'heap', 'in_flight', 'pool_use', 'pool_waiting', 'up', 'restarts'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

export interface ServiceSignals {
  service: string;
  /**
   * Derived by the gatherer, e.g. over the shop's metrics with a 1m rate window:
   * error_ratio: share of 5xx answers; latency_p95: seconds; request_rate: requests a second;
   * cpu: cores (rate of process_cpu_seconds_total); memory, heap: bytes; in_flight: requests;
   * pool_use: in use / max; pool_waiting: waiters; up: 1 or 0 per scrape; restarts: a running
   * count of process starts seen (a step up by one per restart).
   */
  signals: Partial<Record<SignalName, Series>>;
  /** Per callee: the share of this service's calls to it that failed (5xx or no answer). */
  clientErrors?: Record<string, Series>;
}

/**
 * config: a setting applied; drift-sync: Vigil wrote the desired state; deploy:
 * a new version; restart, remediation: a process restarted on purpose; drift: a
 * difference a drift check found — made at some time before `at` and seen
 * only then, so it may be recorded after the onset it caused.
 */
export type ChangeKind = 'config' | 'drift-sync' | 'deploy' | 'restart' | 'remediation' | 'drift';

export interface Change {
  service: string;
  /** When it was made, or for `drift` when it was found. */
  at: number;
  kind: ChangeKind;
  detail?: string;
}

/** Log lines of one template of one service, counted before the time of interest and after it. */
export interface LogTemplateCount {
  service: string;
  template: string;
  level?: 'error' | 'warn' | 'info' | 'debug';
  /** Lines in [at − window.before, at). */
  before: number;
  /** Lines in [at, at + window.after]. */
  after: number;
  /** The seconds `before` and `after` were counted over, when not the ranking's window (a live triage has seen less than its `after`). */
  beforeS?: number;
  afterS?: number;
}

/** One raw log line, reduced to what the counting needs (see countLogTemplates). */
export interface LogLine {
  service: string;
  at: number;
  level?: LogTemplateCount['level'];
  template: string;
}

export interface FiringAlert {
  service: string;
  name: string;
  at: number;
}

export interface RcaAlert {
  labels: Record<string, string>;
  startsAt?: string;
}

export interface RcaWindow {
  /** Seconds before `at` the window starts; the earlier part is the baseline. */
  before: number;
  /** Seconds after `at` the window ends. */
  after: number;
}

export interface RcaInput {
  alert: RcaAlert;
  /** The time of interest (the alert's start or the onset the caller knows), epoch seconds. */
  at: number;
  window?: RcaWindow;
  /** Seconds of the rate window the gatherer derived rates, ratios and quantiles with (e.g. 60 for `[1m]`). */
  rateWindow?: number;
  services: readonly ServiceSignals[];
  /** service → the services it calls (dependsOn). */
  callees: Readonly<Record<string, readonly string[]>>;
  changes?: readonly Change[];
  logs?: readonly LogTemplateCount[];
  alerts?: readonly FiringAlert[];
}

export const CAUSE_KINDS = ['latency', 'errors', 'saturation', 'crash', 'resource leak', 'dependency', 'bad change', 'logs'] as const;
export type CauseKind = (typeof CAUSE_KINDS)[number];

export interface RcaEvidence {
  type: 'signal' | 'change' | 'log' | 'alert' | 'graph';
  /** One line a person can read, e.g. `latency_p95 0.012 → 0.51 (score 48)`. */
  what: string;
  value?: number;
  at?: number;
}

export interface Candidate {
  service: string;
  kind: CauseKind;
  score: number;
  /** (score − next candidate's score) / score: 1 for a lone candidate, 0 for a tie. */
  margin: number;
  /** When its own signals started to move, if they did. */
  onset?: number;
  evidence: RcaEvidence[];
}

export type Confidence = 'low' | 'medium' | 'high';

export interface Ranking {
  /** Services that moved (or are implicated by a change or logs), best first. */
  candidates: Candidate[];
  /** Every service of the input, candidates first, then the quiet ones by how close they came. */
  order: string[];
  /** The earliest onset of any candidate, when something moved. */
  onset?: number;
  confidence: Confidence;
}
