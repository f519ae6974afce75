// /api/v1/metrics: agents push batches of samples for a service; anyone with
// read access reads them back (api/views/metrics.ts stores and reads them).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NameMap } from '../../../lib/core/name-map';
import type { ApiDeps } from '../../deps';
import { ErrorBody } from '../../errors';
import { MetricSample, SamplesAccepted } from '../../schemas/system';
import { Limit } from '../../validation';
import { listSamples, storeSamples, type SampleRow } from '../../views/metrics';

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
        response: { 202: SamplesAccepted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody },
      },
    },
    async (request, reply) => {
      const receivedAt = Date.now();
      const rows = request.body.metrics.map((sample): SampleRow => {
        const ts = sample.ts === undefined ? receivedAt : typeof sample.ts === 'number' ? sample.ts : Date.parse(sample.ts);
        // Labels in name order: the same label set always makes the same key.
        const labels = Object.fromEntries(Object.entries(sample.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
        return { name: sample.name, labels_key: JSON.stringify(labels), labels, ts, value: sample.value };
      });
      const stored = await storeSamples(deps.pool, request.body.service, rows);
      return reply.status(202).send({ accepted: rows.length, stored });
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
          200: Type.Array(MetricSample),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const { limit = SAMPLES_LIMIT.default, ...filter } = request.query;
      return listSamples(deps.pool, { ...filter, limit });
    },
  );
};

export default metrics;
