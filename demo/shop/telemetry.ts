// What each shop service exposes, in the names Prometheus users expect (and the
// shop's alert rules in monitoring/ query): RED metrics for the server side and for
// each outbound call, process metrics, and the connection pool where there is one.
// Prometheus adds the `service` label from its scrape config, so no metric here
// carries one. Logs are JSON lines, one file per service.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceName } from './topology';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createShopMetrics() {
  const registry = new Registry();
  // process_cpu_seconds_total, process_resident_memory_bytes, process_heap_bytes, process_start_time_seconds (and nodejs_*).
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({ name: 'http_requests_total', help: 'Requests answered, by method, route and status code.', labelNames: ['method', 'route', 'code'] as const, registers: [registry] }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer a request, by method and route.',
      labelNames: ['method', 'route'] as const,
      buckets: BUCKETS,
      registers: [registry],
    }),
    inFlight: new Gauge({ name: 'http_requests_in_flight', help: 'Requests being answered now.', registers: [registry] }),
    clientRequests: new Counter({
      name: 'http_client_requests_total',
      help: 'Calls to other services, by target and status code (error: no answer: refused, reset or timed out).',
      labelNames: ['target', 'code'] as const,
      registers: [registry],
    }),
    clientDuration: new Histogram({
      name: 'http_client_request_duration_seconds',
      help: 'Time until another service answered (or the call failed), by target.',
      labelNames: ['target'] as const,
      buckets: BUCKETS,
      registers: [registry],
    }),
  };
}

export type ShopMetrics = ReturnType<typeof createShopMetrics>;

/** The pool gauges, registered only by the services that have a pool (db, and orders' db client). */
export function poolGauges(registry: Registry, pool: { inUse: number; max: number; waiting: number }): void {
  new Gauge({ name: 'db_pool_connections_in_use', help: 'Connections handed out now.', registers: [registry], collect: gaugeOf(() => pool.inUse) });
  new Gauge({ name: 'db_pool_connections_max', help: 'Connections the pool holds at most.', registers: [registry], collect: gaugeOf(() => pool.max) });
  new Gauge({ name: 'db_pool_waiting', help: 'Callers waiting for a free connection.', registers: [registry], collect: gaugeOf(() => pool.waiting) });
}

function gaugeOf(read: () => number) {
  return function (this: Gauge) {
    this.set(read());
  };
}

export type Level = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface ShopLog {
  (level: Level, msg: string, fields?: LogFields): void;
  close(): Promise<void>;
}

/** `{"time","level","service","msg",…fields}` per line to `file`. */
export function openLog(file: string, service: ServiceName): ShopLog {
  mkdirSync(dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'a' });
  const log = ((level: Level, msg: string, fields: LogFields = {}) => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, service, msg, ...fields })}\n`);
  }) as ShopLog;
  log.close = () => new Promise<void>((resolve) => stream.end(() => resolve()));
  return log;
}
