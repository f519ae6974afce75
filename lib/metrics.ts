// Prometheus metrics, one registry per process (no package-level globals), served
// on the ops listener. Each loop adds its own instruments to this object.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export type Dependency = 'temporal' | 'postgres';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'API request duration by route template, method and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dependencyErrors: new Counter({
      name: 'vigil_dependency_errors_total',
      help: 'Failed calls to Temporal or PostgreSQL made by the API (including readiness probes).',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
