// Response schemas of /api/v1/alerts and /api/v1/triage.
import Type, { type Static } from 'typebox';
import type { BudgetUse as LoopBudgetUse } from '../../lib/core/triage/budget';
import type { TriageCost as CoreTriageCost } from '../../lib/core/triage/cost';
import type { GateDecision as LoopGateDecision, TriageReport as LoopTriageReport } from '../../lib/core/triage/types';
import type { TriageDecision as LoopTriageDecision, TriageProgress as LoopTriageProgress } from '../../workflows/messages';
import { EpochMs, Nullable, Timestamp, type Assert, type Same } from './common';
import { Remediation } from './services';

export const TriageStatus = Type.Enum(['running', 'skipped', 'completed', 'refused', 'cancelled', 'failed']);

export const GateDecision = Type.Object({ investigate: Type.Boolean(), reason: Type.String() });

export const BudgetUse = Type.Object({
  turns: Type.Integer(),
  toolCalls: Type.Integer(),
  inputTokens: Type.Integer(),
  cacheCreationTokens: Type.Integer(),
  cacheReadTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  lastTurnInput: Type.Integer({ description: 'Billed input of the last turn' }),
});
/** As stored with a triage: empty until it finishes. */
const StoredBudget = Nullable(Type.Partial(BudgetUse, { description: 'Token and tool use; empty ({}) until the triage finishes' }));

const Proposal = Type.Object({ service: Type.String(), action: Type.Optional(Type.String({ description: 'A ladder step; omitted: the next step' })), reason: Type.String() });

/** A human's decision on a proposed remediation (POST /triage/:id/reject answers with one). */
export const TriageDecision = Type.Object({
  kind: Type.Enum(['approved', 'rejected', 'expired']),
  by: Type.Optional(Type.String()),
  at: EpochMs(),
  reason: Type.Optional(Type.String()),
  result: Type.Optional(Remediation),
});
export type TriageDecision = Static<typeof TriageDecision>;

export const TriageReport = Type.Object({
  summary: Type.String(),
  rootCause: Type.String(),
  rootCauseService: Type.Optional(Type.String({ description: 'The service where the problem starts' })),
  causeKind: Type.Optional(Type.String({ description: 'latency, errors, saturation, crash, dependency, bad change, resource leak, logs, other or unknown' })),
  evidence: Type.Array(Type.Object({ claim: Type.String(), toolUseId: Type.Optional(Type.String({ description: 'The tool call it came from' })) })),
  confidence: Type.Enum(['low', 'medium', 'high']),
  unstructured: Type.Optional(Type.Boolean({ description: 'The model answered in prose without a report: the text is kept as written' })),
  droppedCitations: Type.Optional(Type.Integer({ description: 'Claims that cited a tool call this triage never made, dropped from the evidence' })),
  nextSteps: Type.Array(Type.String()),
  remediation: Type.Optional(Proposal),
  limitedBy: Type.Optional(Type.String({ description: 'Why the investigation ended early, when it did' })),
  partial: Type.Optional(Type.Boolean({ description: "Written from what was known, not as the model's deliberate final answer" })),
  offline: Type.Optional(Type.Boolean({ description: 'Written by the built-in offline investigator (no API key)' })),
});
export type TriageReport = Static<typeof TriageReport>;

/** The running triage's `progress` query. */
export const TriageProgress = Type.Object({
  triageId: Type.String(),
  status: TriageStatus,
  phase: Type.Enum(['gate', 'investigating', 'final-answer', 'reporting', 'awaiting-approval', 'following', 'done']),
  turn: Type.Integer(),
  budget: BudgetUse,
  budgets: Type.Object({ maxToolCalls: Type.Integer(), maxInputTokens: Type.Integer(), maxOutputTokens: Type.Integer(), wallClockMs: Type.Integer() }),
  limitedBy: Type.Optional(Type.String()),
  resolvedAt: Type.Optional(EpochMs()),
  cancelled: Type.Optional(Type.Object({ by: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) })),
  proposal: Type.Optional(Proposal),
  decision: Type.Optional(TriageDecision),
  tools: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), status: Type.Enum(['ok', 'error', 'refused']), summary: Type.String() }), {
    description: 'The latest tool calls (at most 20)',
  }),
});

export const TriageSummary = Type.Object({
  id: Type.String(),
  workflowId: Type.String(),
  source: Type.String({ description: 'alertmanager or manual' }),
  alertname: Type.String(),
  service: Type.String(),
  status: TriageStatus,
  gate: Nullable(GateDecision),
  budget: StoredBudget,
  summary: Nullable(Type.String()),
  awaitingApproval: Type.Boolean({ description: 'The report proposes a remediation that nobody has approved or rejected yet (and its window has not ended)' }),
  startedAt: Timestamp(),
  finishedAt: Nullable(Timestamp()),
  resolvedAt: Nullable(Timestamp()),
});
export type TriageSummary = Static<typeof TriageSummary>;

export const TranscriptTurn = Type.Object({
  turn: Type.Integer({ description: "0 is the gate model's, 1 on the investigation" }),
  role: Type.Enum(['user', 'assistant']),
  content: Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true }), { description: 'Messages API content blocks, as sent or received' }),
  model: Nullable(Type.String()),
  stopReason: Nullable(Type.String()),
  usage: Nullable(Type.Object({ input: Type.Integer(), cacheCreation: Type.Integer(), cacheRead: Type.Integer(), output: Type.Integer() })),
  durationMs: Nullable(Type.Number()),
  at: Timestamp(),
});

export const ToolCallRecord = Type.Object({
  toolUseId: Type.String(),
  turn: Type.Integer(),
  name: Type.String(),
  input: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Enum(['ok', 'error']),
  output: Type.String({ description: 'What the model was sent (capped, with a note when cut)' }),
  fullOutput: Type.String(),
  truncated: Type.Boolean(),
  durationMs: Nullable(Type.Number()),
  at: Timestamp(),
});

/** What the triage's model turns cost, from its transcript and llm.prices. */
export const TriageCost = Type.Object(
  {
    requests: Type.Integer({ description: "Model requests: transcript turns with usage (the gate's and the investigation's)" }),
    inputTokens: Type.Integer(),
    outputTokens: Type.Integer(),
    cacheWriteTokens: Type.Integer(),
    cacheReadTokens: Type.Integer(),
    dollars: Type.Number({ description: 'US dollars at the configured prices (llm.prices), of the priced turns only' }),
    unpriced: Type.Array(Type.String(), { description: 'Models of turns that llm.prices has no price for; their tokens are counted, not their dollars' }),
  },
  { description: 'Requests, tokens and dollars of the stored model turns' },
);

/** GET /triage/:id: the triage, its report, the progress of a running one and the whole transcript. */
export const TriageDetail = Type.Object({
  id: Type.String(),
  workflowId: Type.String(),
  status: TriageStatus,
  startedAt: Timestamp(),
  report: Nullable(TriageReport),
  // The triage's stored row: left out in the moments before the triage has written it (progress.phase is then "starting").
  source: Type.Optional(TriageSummary.properties.source),
  alertname: Type.Optional(Type.String()),
  service: Type.Optional(Type.String()),
  fingerprint: Type.Optional(Nullable(Type.String())),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  question: Type.Optional(Nullable(Type.String())),
  gate: Type.Optional(Nullable(GateDecision)),
  budget: Type.Optional(StoredBudget),
  approval: Type.Optional(Nullable(TriageDecision)),
  awaitingApproval: Type.Optional(TriageSummary.properties.awaitingApproval),
  finishedAt: Type.Optional(Nullable(Timestamp())),
  resolvedAt: Type.Optional(Nullable(Timestamp())),
  progress: Type.Optional(Type.Union([TriageProgress, Type.Object({ phase: Type.Literal('starting') })], { description: 'Of a running triage; absent when Temporal did not answer' })),
  temporalUiUrl: Type.Optional(Type.String()),
  transcript: Type.Array(TranscriptTurn),
  toolCalls: Type.Array(ToolCallRecord),
  cost: TriageCost,
});
export type TriageDetail = Static<typeof TriageDetail>;

/** POST /alerts: what became of each alert of the payload (triage ids). */
export const AlertsAccepted = Type.Object({ accepted: Type.Integer(), started: Type.Array(Type.String()), repeats: Type.Array(Type.String()), resolved: Type.Array(Type.String()) });
/** POST /triage. */
export const TriageStarted = Type.Object({ id: Type.String(), workflowId: Type.String(), temporalUiUrl: Type.Optional(Type.String()) });
export type TriageStarted = Static<typeof TriageStarted>;
export const TriageCancelled = Type.Object({ id: Type.String(), cancelled: Type.Boolean() });
export type TriageCancelled = Static<typeof TriageCancelled>;

// The workflow's own shapes, mirrored: a field added there fails here.
export type Checked = [
  Assert<Same<Static<typeof GateDecision>, LoopGateDecision>>,
  Assert<Same<Static<typeof BudgetUse>, LoopBudgetUse>>,
  Assert<Same<Static<typeof TriageCost>, CoreTriageCost>>,
  Assert<Same<TriageDecision, LoopTriageDecision>>,
  Assert<Same<TriageReport, LoopTriageReport>>,
  Assert<Same<Static<typeof TriageProgress>, LoopTriageProgress>>,
];
