// Times every request into vigil_http_request_duration_seconds, labelled by the
// route template (not the raw URL, so ids do not explode the label set).
import fp from 'fastify-plugin';
import type { Metrics } from '../../lib/adapters/metrics';

export default fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpRequestDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  },
  { name: 'vigil-metrics', fastify: '5.x' },
);
