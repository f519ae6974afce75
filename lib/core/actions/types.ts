// Remediation actions as the health loop runs them: durations in milliseconds.
import type { StatusMatch } from '../checks/types';

export interface ExecActionSpec {
  type: 'exec';
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  expectedExitCodes: number[];
}

export interface HttpActionSpec {
  type: 'http';
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  expectedStatus: StatusMatch[];
}

export interface NotifyActionSpec {
  type: 'notify';
  message?: string;
}

export type ActionSpec = ExecActionSpec | HttpActionSpec | NotifyActionSpec;

/** What running an action found; `ok` means it did what it is expected to do. */
export interface ActionOutcome {
  ok: boolean;
  detail: string;
  exitCode?: number;
  httpStatus?: number;
  output: string;
}
