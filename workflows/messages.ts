// Names shared by workflows, the worker, the API, the CLI and tests: task
// queues, search attributes, signals, queries and updates. Nothing here may
// import Node built-ins: the workflow bundle includes this file.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DriftSpec } from '../lib/core/drift/spec';
import type { DriftStatusView, DriftSyncView } from '../lib/core/drift/views';
import type { HealthSpec } from '../lib/core/health/spec';
import type { HealthStatusView, PauseInput, RemediationView } from '../lib/core/health/views';
import type { SupervisorState } from '../lib/core/supervisor';
import type { BudgetUse, Budgets } from '../lib/core/triage/budget';
import type { TriageStatus } from '../lib/core/triage/types';

/**
 * One prefix (temporal.taskQueuePrefix, default "vigil") names four queues, so
 * that cheap frequent checks never wait behind slow LLM calls or world-changing
 * actions. Workflows derive the activity queues from their own queue's name.
 */
export const QUEUE_KINDS = ['workflows', 'checks', 'watch', 'actions', 'llm'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];
export type TaskQueues = Record<QueueKind, string>;

export function taskQueues(prefix: string): TaskQueues {
  return { workflows: `${prefix}-workflows`, checks: `${prefix}-checks`, watch: `${prefix}-watch`, actions: `${prefix}-actions`, llm: `${prefix}-llm` };
}

/** `vigil-workflows` → the queues of prefix `vigil`. */
export function queuesOfWorkflowQueue(workflowTaskQueue: string): TaskQueues {
  return taskQueues(workflowTaskQueue.replace(/-workflows$/, ''));
}

/** Custom search attributes: executions are findable in the Temporal UI by these. */
export const SEARCH_ATTRIBUTES = {
  kind: defineSearchAttributeKey('VigilKind', 'KEYWORD'),
  service: defineSearchAttributeKey('VigilService', 'KEYWORD'),
  app: defineSearchAttributeKey('VigilApp', 'KEYWORD'),
  status: defineSearchAttributeKey('VigilStatus', 'KEYWORD'),
  fingerprint: defineSearchAttributeKey('VigilFingerprint', 'KEYWORD'),
  alertname: defineSearchAttributeKey('VigilAlertname', 'KEYWORD'),
} as const;

export const SEARCH_ATTRIBUTE_NAMES = Object.values(SEARCH_ATTRIBUTES).map((key) => key.name);

/** Workflow ids, one place for their shape. */
export const workflowIds = {
  selfCheck: (id: string) => `selfcheck/${id}`,
  health: (service: string) => `health/${service}`,
  drift: (app: string) => `drift/${app}`,
  /** One supervisor per installation (task-queue prefix) in a namespace. */
  supervisor: (taskQueuePrefix: string) => `supervisor/${taskQueuePrefix}`,
};

// Service health workflow (health/<service>): signals, queries, updates.
// The health loop's views and inputs are built by the core (lib/core/health/loop.ts).
export type { CheckView, HealthStatusView, PauseInput, RemediationView } from '../lib/core/health/views';
export const pauseSignal = defineSignal<[PauseInput]>('pause');
export const resumeSignal = defineSignal<[{ by?: string }?]>('resume');
export const healthStatusQuery = defineQuery<HealthStatusView>('status');
export interface RemediateInput {
  /** A ladder step's name; omitted: the next step of the ladder. */
  action?: string;
  reason: string;
  by?: string;
}
/** Runs a remediation step now and returns its result, or is rejected with the reason (paused, cooldown, unknown action). */
export const remediateUpdate = defineUpdate<RemediationView, [RemediateInput]>('remediate');
/** Replaces the service's definition; returns whether anything changed. */
export const configureUpdate = defineUpdate<{ changed: boolean }, [HealthSpec]>('configure');

// Drift reconcile workflow (drift/<app>): pause and resume are the same signals
// as the health loop's (`pause`, `resume`); `sync` and `configure` are updates.
export interface DriftSyncInput {
  /** Apply even outside the app's sync windows. */
  force?: boolean;
  /** Only say what would be applied. */
  dryRun?: boolean;
  by?: string;
}
/** Compares now and applies the desired state; returns what was applied (objects, fields, revision) or why not. */
export const driftSyncUpdate = defineUpdate<DriftSyncView, [DriftSyncInput]>('sync');
/** Replaces the app's definition; returns whether anything changed. */
export const driftConfigureUpdate = defineUpdate<{ changed: boolean }, [DriftSpec]>('configure');
export const driftStatusQuery = defineQuery<DriftStatusView>('status');

// The drift loop's views are built by the core (lib/core/drift/loop.ts).
export type { DriftStatusView, DriftSyncView } from '../lib/core/drift/views';

// Alert triage (triage/<fingerprint>/<startsAt> or triage/manual/<id>): signals and the progress query.
export const triageResolvedSignal = defineSignal<[{ at: number; endsAt?: string }]>('resolved');
export const triageCancelSignal = defineSignal<[{ by?: string; reason?: string }?]>('cancel');
export interface TriageProgress {
  triageId: string;
  status: TriageStatus;
  /** following: the report is out; waiting for the alert to resolve to post a follow-up. */
  phase: 'gate' | 'investigating' | 'final-answer' | 'reporting' | 'awaiting-approval' | 'following' | 'done';
  turn: number;
  budget: BudgetUse;
  budgets: Budgets;
  limitedBy?: string;
  resolvedAt?: number;
  cancelled?: { by?: string; reason?: string };
  /** The remediation the report proposes, and what a human decided about it. */
  proposal?: { service: string; action?: string; reason: string };
  decision?: TriageDecision;
  /** The latest tool calls (at most 20), each with a bounded summary. */
  tools: { id: string; name: string; status: 'ok' | 'error' | 'refused'; summary: string }[];
}
export const triageProgressQuery = defineQuery<TriageProgress>('progress');
export interface TriageDecision {
  kind: 'approved' | 'rejected' | 'expired';
  by?: string;
  at: number;
  reason?: string;
  /** The remediation's result, when approved. */
  result?: RemediationView;
}
/** Runs the proposed remediation (the service's remediate update) and records who approved it; rejected with the reason when there is nothing to approve. */
export const triageApproveUpdate = defineUpdate<RemediationView, [{ by: string }]>('approve');
export const triageRejectUpdate = defineUpdate<TriageDecision, [{ by: string; reason?: string }]>('reject');

// The supervisor (supervisor/<taskQueuePrefix>): keeps the running loops equal to the definitions.
/** Reconcile now instead of at the end of the period (sent by each process that starts it). */
export const superviseSignal = defineSignal('supervise');
/** Last reconcile time, what it restarted, what it could not. */
export const supervisorStatusQuery = defineQuery<SupervisorState>('status');
