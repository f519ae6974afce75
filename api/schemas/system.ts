// Response schemas of the system routes: /status, /selfcheck, /config,
// /config/apply and /metrics.
import Type, { type Static } from 'typebox';
import { RoleSchema, VigilConfigSchema } from '../../lib/core/config/schema';

export const StatusBody = Type.Object({
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  you: Type.Object({ name: Type.String(), role: Type.String() }),
  temporal: Type.Object({
    address: Type.String(),
    namespace: Type.String(),
    uiUrl: Type.Optional(Type.String()),
    taskQueues: Type.Record(Type.String(), Type.String()),
  }),
});
export type StatusBody = Static<typeof StatusBody>;

export const SelfCheckResult = Type.Object({
  workflowId: Type.String(),
  runId: Type.String(),
  worker: Type.String(),
  databaseTime: Type.String(),
  attempts: Type.Integer(),
  temporalUiUrl: Type.Optional(Type.String()),
});

/** GET /config: the effective configuration; a token given inline shows "[redacted]" as its value, a database URL no password. */
export const ConfigView = Type.Object(
  {
    ...VigilConfigSchema.properties,
    auth: Type.Object({
      tokens: Type.Array(
        Type.Object({
          name: Type.String(),
          role: RoleSchema,
          value: Type.Optional(Type.String({ description: '[redacted]' })),
          env: Type.Optional(Type.String({ description: 'The env var holding the token' })),
        }),
      ),
    }),
  },
  { description: 'configs/vigil.yaml after env overrides and defaults, secrets redacted' },
);

/** POST /config/apply. */
export const ApplyReport = Type.Object({
  started: Type.Array(Type.String()),
  reconfigured: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
  stopped: Type.Array(Type.String()),
  rejected: Type.Array(Type.String({ description: 'file:path: problem, for each definition that was not applied' })),
  apps: Type.Optional(
    Type.Object(
      { started: Type.Array(Type.String()), reconfigured: Type.Array(Type.String()), unchanged: Type.Array(Type.String()), stopped: Type.Array(Type.String()) },
      { description: 'The same for drift apps' },
    ),
  ),
});
export type ApplyReport = Static<typeof ApplyReport>;

/** POST /metrics. */
export const SamplesAccepted = Type.Object({ accepted: Type.Integer(), stored: Type.Integer({ description: 'New samples; a sample already stored is not stored again' }) });
export type SamplesAccepted = Static<typeof SamplesAccepted>;

/** GET /metrics, newest first. */
export const MetricSample = Type.Object({ name: Type.String(), value: Type.Number(), ts: Type.String(), labels: Type.Record(Type.String(), Type.String()) });
export type MetricSample = Static<typeof MetricSample>;
