// GET /api/v1/actions: the remediation audit trail, newest first. Targets were
// redacted when stored; output is an excerpt.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiDeps } from '../../deps';
import { ErrorBody } from '../../errors';

const Action = Type.Object({
  idempotencyKey: Type.String(),
  service: Type.String(),
  step: Type.String(),
  type: Type.String(),
  target: Type.String(),
  decidedBy: Type.String(),
  reason: Type.String(),
  status: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  httpStatus: Type.Union([Type.Integer(), Type.Null()]),
  output: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Union([Type.Number(), Type.Null()]),
});

const actions: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/actions',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Remediation actions: who or what decided, what ran, how it ended',
        tags: ['services'],
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            service: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$' })),
            since: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Action), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const { service, since, limit } = request.query;
      const { rows } = await deps.pool.query(
        `SELECT idempotency_key AS "idempotencyKey", service, step, action_type AS type, target, decided_by AS "decidedBy", reason, status,
                exit_code AS "exitCode", http_status AS "httpStatus", left(output, 1000) AS output,
                to_json(started_at)#>>'{}' AS "startedAt", to_json(finished_at)#>>'{}' AS "finishedAt", duration_ms AS "durationMs"
           FROM remediation_actions
          WHERE ($1::text IS NULL OR service = $1) AND ($2::timestamptz IS NULL OR started_at >= $2)
          ORDER BY started_at DESC LIMIT $3`,
        [service ?? null, since ?? null, limit],
      );
      return rows;
    },
  );
};

export default actions;
