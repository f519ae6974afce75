// /api/v1/metrics: agents push batches of samples for a service; anyone with
// read access reads them back. Samples are stored once per (service, name,
// labels, ts), so a retried batch is harmless.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NameMap } from '../../../lib/core/name-map';
import type { ApiDeps } from '../../deps';
import { ErrorBody } from '../../errors';
import { Limit, utcOrNull } from '../../validation';

export const MAX_BATCH = 1000;
const SAMPLES_LIMIT = { default: 1000, maximum: 10_000 };
/** The latest time JavaScript can hold (year 275760); PostgreSQL's timestamps reach further. */
const MAX_EPOCH_MS = 8_640_000_000_000_000;
const ServiceName = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$' });
const MetricName = Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$' });

const Sample = Type.Object(
  {
    name: MetricName,
    value: Type.Number(),
    /** ISO time or epoch milliseconds; default: when the API received it. */
    ts: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS })])),
    labels: Type.Optional(NameMap('^[a-zA-Z_][a-zA-Z0-9_]{0,99}$', Type.String({ maxLength: 200 }), { maxProperties: 20 })),
  },
  { additionalProperties: false },
);

const metrics: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.post(
    '/metrics',
    {
      config: { role: 'operate' },
      schema: {
        summary: `Push a batch of samples (at most ${MAX_BATCH}) for one service`,
        tags: ['metrics'],
        security: [{ bearer: [] }],
        body: Type.Object({ service: ServiceName, metrics: Type.Array(Sample, { minItems: 1, maxItems: MAX_BATCH }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ accepted: Type.Integer(), stored: Type.Integer() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody },
      },
    },
    async (request, reply) => {
      const receivedAt = Date.now();
      const rows = request.body.metrics.map((sample) => {
        const ts = sample.ts === undefined ? receivedAt : typeof sample.ts === 'number' ? sample.ts : Date.parse(sample.ts);
        // Labels in name order: the same label set always makes the same key.
        const labels = Object.fromEntries(Object.entries(sample.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
        return { name: sample.name, labels_key: JSON.stringify(labels), labels, ts, value: sample.value };
      });
      const { rowCount } = await deps.pool.query(
        `INSERT INTO metric_samples (service, name, labels_key, labels, ts, value)
         SELECT $1, r.name, r.labels_key, r.labels, to_timestamp(r.ts / 1000.0), r.value
           FROM jsonb_to_recordset($2::jsonb) AS r(name text, labels_key text, labels jsonb, ts double precision, value double precision)
         ON CONFLICT (service, name, labels_key, ts) DO NOTHING`,
        [request.body.service, JSON.stringify(rows)],
      );
      return reply.status(202).send({ accepted: rows.length, stored: rowCount ?? 0 });
    },
  );

  app.get(
    '/metrics',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Read pushed samples back, newest first',
        tags: ['metrics'],
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            service: ServiceName,
            name: Type.Optional(MetricName),
            since: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Limit(SAMPLES_LIMIT),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Array(Type.Object({ name: Type.String(), value: Type.Number(), ts: Type.String(), labels: Type.Record(Type.String(), Type.String()) })),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const { service, name, since, limit = SAMPLES_LIMIT.default } = request.query;
      const { rows } = await deps.pool.query(
        `SELECT name, value, to_json(ts)#>>'{}' AS ts, labels FROM metric_samples
          WHERE service = $1 AND ($2::text IS NULL OR name = $2) AND ($3::timestamptz IS NULL OR ts >= $3)
          ORDER BY ts DESC, name LIMIT $4`,
        [service, name ?? null, utcOrNull(since), limit],
      );
      return rows;
    },
  );
};

export default metrics;
