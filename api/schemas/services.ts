// Response schemas of /api/v1/services (the health loops) and /api/v1/actions
// (the remediation audit trail).
import Type, { type Static } from 'typebox';
import { LOOP_STATES } from '../../lib/core/supervisor';
import type { CheckView as LoopCheckView, HealthStatusView, RemediationView } from '../../workflows/messages';
import { EpochMs, Nullable, PauseView, Timestamp, type Assert, type Same } from './common';

/** Whether a defined loop runs (lists mark the ones that do not; the supervisor starts them again within supervisor.intervalMs). */
export const LoopMarker = {
  loop: Type.Enum([...LOOP_STATES], {
    description: 'running, or why not: missing (never started), failed, terminated, timed-out, cancelled or completed (how its last run ended)',
  }),
  loopSince: Type.Optional(Timestamp('When the last run ended (not running only)')),
};

export const ServiceSummary = Type.Object({
  name: Type.String(),
  status: Type.String({ description: 'What the checks say: unknown, healthy, degraded or unhealthy' }),
  paused: Type.Optional(Type.Object({ reason: Type.String(), by: Type.Optional(Type.String()), until: Type.Optional(Timestamp()) }, { description: 'Remediation is paused (checks go on)' })),
  ...LoopMarker,
  workflowId: Type.String(),
  temporalUiUrl: Type.Optional(Type.String()),
});
export type ServiceSummary = Static<typeof ServiceSummary>;

/** The result of one remediation step (POST /services/:name/remediate, POST /triage/:id/approve). */
export const Remediation = Type.Object({
  key: Type.String({ description: 'Idempotency key of the action (its row in GET /actions)' }),
  step: Type.String(),
  status: Type.Enum(['succeeded', 'failed', 'in-doubt']),
  detail: Type.String(),
  at: EpochMs(),
  decidedBy: Type.String(),
});
export type Remediation = Static<typeof Remediation>;

export const CheckView = Type.Object({
  name: Type.String(),
  up: Type.Boolean(),
  latencyMs: Type.Number(),
  attempts: Type.Integer(),
  detail: Type.String(),
  at: EpochMs(),
  baseline: Type.Optional(Type.Object({ samples: Type.Integer(), mean: Type.Number(), spread: Type.Number() })),
  degraded: Type.Optional(Type.Boolean({ description: 'The baseline judged this source anomalous (the service is degraded while any is)' })),
});

/** GET /services/:name: the loop's `status` query, each check as its latest stored result says. */
export const ServiceDetail = Type.Object({
  service: Type.String(),
  status: Type.Enum(['unknown', 'healthy', 'degraded', 'unhealthy']),
  since: Type.Optional(EpochMs('Status since')),
  round: Type.Integer(),
  consecutiveFailures: Type.Integer(),
  consecutiveSuccesses: Type.Integer(),
  paused: Type.Optional(PauseView),
  checks: Type.Array(CheckView),
  nextCheckAt: Type.Optional(EpochMs()),
  storage: Type.Optional(
    Type.Object(
      {
        unavailableSince: EpochMs('PostgreSQL has been away since then'),
        unstoredRounds: Type.Integer({ description: 'Rounds probed while it was away, still to store' }),
        droppedRounds: Type.Optional(Type.Integer({ description: 'Rounds of a long outage the loop could not keep' })),
      },
      { description: 'Present while the loop cannot store (degraded: storage unavailable since …)' },
    ),
  ),
  remediation: Type.Object({
    nextStep: Type.Optional(Type.String()),
    actionsInWindow: Type.Integer(),
    maxActions: Type.Integer(),
    suppressed: Type.Optional(Type.String()),
    waiting: Type.Optional(Type.Object({ until: EpochMs(), reason: Type.String() })),
    gaveUp: Type.Optional(Type.Object({ at: EpochMs(), reason: Type.String(), triageId: Type.Optional(Type.String({ description: 'The triage it was handed to (GET /triage/:id)' })) })),
    last: Type.Optional(Remediation),
  }),
  workflowId: Type.String(),
  temporalUiUrl: Type.Optional(Type.String()),
});
export type ServiceDetail = Static<typeof ServiceDetail>;

export const Transition = Type.Object({ round: Type.Integer(), from: Type.String(), to: Type.String(), at: Timestamp(), reason: Type.String() });
export const CheckRecord = Type.Object({
  round: Type.Integer(),
  check: Type.String(),
  at: Timestamp(),
  up: Type.Boolean(),
  latencyMs: Type.Number(),
  attempts: Type.Integer(),
  detail: Type.String(),
});
/** GET /services/:name/history, newest first. */
export const ServiceHistory = Type.Object({ transitions: Type.Array(Transition), checks: Type.Array(CheckRecord) });
export type ServiceHistory = Static<typeof ServiceHistory>;

export const ActionRecord = Type.Object({
  idempotencyKey: Type.String(),
  service: Type.String(),
  step: Type.String(),
  type: Type.String(),
  target: Type.String(),
  decidedBy: Type.String(),
  reason: Type.String(),
  status: Type.String({ description: 'running, succeeded, failed or in-doubt' }),
  exitCode: Nullable(Type.Integer()),
  httpStatus: Nullable(Type.Integer()),
  output: Type.String(),
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  durationMs: Nullable(Type.Number()),
});
export type ActionRecord = Static<typeof ActionRecord>;

// The loop's own shapes, mirrored: a field added there fails here.
export type Checked = [
  Assert<Same<Static<typeof Remediation>, RemediationView>>,
  Assert<Same<Static<typeof CheckView>, LoopCheckView>>,
  Assert<Same<Omit<ServiceDetail, 'workflowId' | 'temporalUiUrl'>, HealthStatusView>>,
];
