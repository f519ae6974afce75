// Shapes shared by the triage workflow, its activities, the API and tests.
// Plain JSON only: these travel through Temporal history.

import { FAILURES } from '../failures';

export type StopReason = 'end_turn' | 'stop_sequence' | 'tool_use' | 'max_tokens' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

export interface TokenUsage {
  input: number;
  cacheCreation: number;
  cacheRead: number;
  output: number;
}

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** The alert a triage is about (one Alertmanager alert, or a manual request). */
export interface TriageAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  fingerprint?: string;
  generatorURL?: string;
}

export type TriageStatus = 'running' | 'skipped' | 'completed' | 'refused' | 'cancelled' | 'failed';

export interface Evidence {
  claim: string;
  /** The tool call it came from (a tool_use id of this triage). */
  toolUseId?: string;
}

export interface TriageReport {
  summary: string;
  rootCause: string;
  /** Where the problem starts and what kind of cause it is, when the report names them (submit_report, the offline ranking). */
  rootCauseService?: string;
  causeKind?: string;
  evidence: Evidence[];
  confidence: 'low' | 'medium' | 'high';
  /** Set when the model answered in prose without a report: the text is kept as it was written. */
  unstructured?: boolean;
  /** Claims that cited a tool call this triage never made: dropped from the evidence. */
  droppedCitations?: number;
  nextSteps: string[];
  remediation?: { service: string; action?: string; reason: string };
  /** Why the investigation ended early, when it did (budget, context window, resolved). */
  limitedBy?: string;
  /** Set when the report was written from what was known, not as the model's deliberate final answer. */
  partial?: boolean;
  /** Written by the built-in offline investigator (no API key), not by a model. */
  offline?: boolean;
}

export interface GateDecision {
  investigate: boolean;
  reason: string;
}

/** Failure types of the LLM activity that retrying cannot fix (listed in the workflow's retry policy). */
export const LLM_REJECTED = FAILURES.llmRejected;
