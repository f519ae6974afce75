// Check specs and the result of running one. A check is what a service definition
// asks for (`http`, `tcp`, `grpc`, `script`); a probe is one attempt at it. These
// are plain JSON so they can travel as activity arguments and results.
import type { RetryPolicy } from './retry';

interface CheckBase {
  /** Per attempt, in milliseconds. Default 5,000. */
  timeoutMs?: number;
  /** Retries inside one check run; default none. */
  retry?: RetryPolicy;
}

/** A status, or an inclusive range of statuses. */
export type StatusMatch = number | { from: number; to: number };

export interface HttpCheckSpec extends CheckBase {
  type: 'http';
  url: string;
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Statuses that count as up. Default 200–399 (redirects are not followed). */
  expectedStatus?: StatusMatch[];
  /** A regular expression (source) that must match the (bounded) body. */
  bodyRegex?: string;
  /** A field of the JSON body, found by JSON pointer (RFC 6901), that must equal a value. */
  json?: { path: string; equals: unknown };
  /** Verify the server's TLS certificate. Default true. */
  tlsVerify?: boolean;
  /** Read at most this many bytes of the body. Default 64 KiB. */
  maxBodyBytes?: number;
}

export interface TcpCheckSpec extends CheckBase {
  type: 'tcp';
  host: string;
  port: number;
  /** Written once connected. */
  send?: string;
  /** A regular expression (source) that what the peer sends must match within the timeout. */
  expect?: string;
}

export interface GrpcCheckSpec extends CheckBase {
  type: 'grpc';
  /** host:port */
  address: string;
  /** The service name asked about; '' (the default) means the whole server. */
  service?: string;
  /** Omit for plaintext. */
  tls?: {
    /** Verify the server's certificate. Default true. */
    verify?: boolean;
    /** PEM file of the CA(s) to trust instead of the system's. */
    caFile?: string;
    /** Name to verify the certificate against, when it differs from the address. */
    serverName?: string;
  };
}

export interface ScriptCheckSpec extends CheckBase {
  type: 'script';
  /** Program and arguments; run without a shell, so nothing in them is interpreted. */
  argv: string[];
  /** Added to a minimal environment (PATH, HOME, LANG, TZ); the worker's own env is not passed on. */
  env?: Record<string, string>;
  cwd?: string;
}

export type CheckSpec = HttpCheckSpec | TcpCheckSpec | GrpcCheckSpec | ScriptCheckSpec;
export type CheckType = CheckSpec['type'];

export interface CheckResult {
  up: boolean;
  /** Duration of the last attempt (the one whose outcome this is). */
  latencyMs: number;
  /** What happened, for people; at most DETAIL_MAX characters. */
  detail: string;
  /** How many attempts were made (1 + retries used). */
  attempts: number;
  /** Script checks: stdout and stderr of the last attempt, at most OUTPUT_MAX_BYTES. */
  output?: string;
}

/** What one attempt of a probe found. */
export interface ProbeOutcome {
  up: boolean;
  detail: string;
  output?: string;
}

/** What a probe gets from the runner for one attempt. */
export interface ProbeContext {
  /** Aborts on the attempt's timeout or when the caller cancels. */
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * One attempt. A failing service is an outcome ({ up: false }); a probe only
 * throws for a programming error (a spec that validation should have refused).
 */
export type Probe<S extends CheckSpec> = (spec: S, context: ProbeContext) => Promise<ProbeOutcome>;
