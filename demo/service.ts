// The single demo service (before the shop, demo/shop/): a small real HTTP service
// that the compose setup watches and tests restart. It can be told to fail (POST /-/fail) so a heal can be shown and
// tested end to end. Failure modes live in memory only: a restart brings it back
// healthy, which is exactly what the exec remediation relies on.
//
//   GET  /healthz   200 {"status":"ok"} when healthy
//   GET  /          a tiny piece of work
//   GET  /metrics   Prometheus text: requests by path and status, duration, demo_up
//   POST /-/fail    {"mode": FailureMode, "durationMs"?: number}
//   GET  /-/fail    the current mode
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const FAILURE_MODES = ['hang', 'error', 'slow', 'crash', 'spam-logs', 'recover'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];
/** What the service is doing now; `recover` is a command, `normal` its result. */
export type CurrentMode = Exclude<FailureMode, 'recover' | 'crash'> | 'normal';

export const SLOW_DELAY_MS = 1_500;
/** Slowed responses carry this header (the delay in ms), so tests need not time them. */
export const SLOWED_HEADER = 'x-demo-slowed-ms';
/** Every response names the process that answered. */
export const PID_HEADER = 'x-demo-pid';
const SPAM_DEFAULT_MS = 10_000;
const SPAM_EVERY_MS = 5;
const ROUTES = new Set(['/', '/healthz', '/metrics', '/-/fail']);

export function isFailureMode(value: unknown): value is FailureMode {
  return typeof value === 'string' && (FAILURE_MODES as readonly string[]).includes(value);
}

export interface DemoServiceOptions {
  host: string;
  port: number;
  logFile: string;
  /** Called by the crash mode once its answer is sent; process.exit in production. */
  exit?: (code: number) => void;
}

export interface DemoService {
  server: Server;
  url: string;
  mode(): CurrentMode;
  close(): Promise<void>;
}

function createMetrics() {
  const registry = new Registry();
  const labels = ['path', 'status'] as const;
  return {
    registry,
    requests: new Counter({ name: 'demo_requests_total', help: 'Requests answered, by path and status.', labelNames: labels, registers: [registry] }),
    duration: new Histogram({
      name: 'demo_request_duration_seconds',
      help: 'Time to answer a request, by path and status.',
      labelNames: labels,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    up: new Gauge({ name: 'demo_up', help: '1 while /healthz answers 200 (mode normal, slow or spam-logs), else 0.', registers: [registry] }),
    mode: new Gauge({ name: 'demo_failure_mode', help: '1 for the current failure mode.', labelNames: ['mode'] as const, registers: [registry] }),
  };
}

function readBody(request: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > limit) reject(new Error('body too large'));
    });
    request.once('end', () => resolve(body));
    request.once('error', reject);
  });
}

export async function startDemoService(options: DemoServiceOptions): Promise<DemoService> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const logStream: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const log = (level: 'INFO' | 'WARN' | 'ERROR', message: string) => logStream.write(`${new Date().toISOString()} ${level} ${message}\n`);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const metrics = createMetrics();

  let mode: CurrentMode = 'normal';
  let revertTimer: NodeJS.Timeout | undefined;
  let spamTimer: NodeJS.Timeout | undefined;

  const setMode = (next: CurrentMode) => {
    mode = next;
    for (const known of ['normal', 'hang', 'error', 'slow', 'spam-logs'] as const) metrics.mode.set({ mode: known }, known === next ? 1 : 0);
    metrics.up.set(next === 'hang' || next === 'error' ? 0 : 1);
  };
  const clearTimers = () => {
    clearTimeout(revertTimer);
    clearInterval(spamTimer);
    revertTimer = spamTimer = undefined;
  };
  setMode('normal');

  const fail = (requested: FailureMode, durationMs: number | undefined) => {
    clearTimers();
    if (requested === 'recover') {
      setMode('normal');
      log('INFO', 'recovered: back to normal');
      return;
    }
    if (requested === 'crash') return; // handled once the answer is out
    setMode(requested);
    const spanMs = requested === 'spam-logs' ? (durationMs ?? SPAM_DEFAULT_MS) : durationMs;
    log('WARN', `failure mode ${requested}${spanMs === undefined ? '' : ` for ${spanMs} ms`}`);
    if (requested === 'spam-logs') {
      let n = 0;
      spamTimer = setInterval(() => log('ERROR', `simulated failure #${++n}: upstream connection reset (spam-logs)`), SPAM_EVERY_MS);
    }
    if (spanMs !== undefined) {
      revertTimer = setTimeout(() => {
        clearTimers();
        setMode('normal');
        log('INFO', `failure mode ${requested} ended after ${spanMs} ms: back to normal`);
      }, spanMs);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const method = request.method ?? 'GET';
    if (path === '/metrics' && method === 'GET') {
      const text = await metrics.registry.metrics();
      response.writeHead(200, { 'content-type': metrics.registry.contentType });
      return void response.end(text);
    }
    if (path === '/-/fail') {
      if (method === 'GET') return send(200, { mode });
      if (method !== 'POST') return send(405, { error: 'use GET or POST' }, { allow: 'GET, POST' });
      let parsed: { mode?: unknown; durationMs?: unknown };
      try {
        parsed = JSON.parse((await readBody(request)) || '{}') as typeof parsed;
      } catch {
        return send(400, { error: 'body must be JSON: {"mode": "...", "durationMs"?: number}' });
      }
      if (!isFailureMode(parsed.mode)) return send(400, { error: `mode must be one of ${FAILURE_MODES.join(', ')}` });
      const { durationMs } = parsed;
      if (durationMs !== undefined && (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0)) {
        return send(400, { error: 'durationMs must be a positive number' });
      }
      if (parsed.mode === 'crash') {
        log('ERROR', 'crash requested: exiting with code 1');
        response.once('finish', () => logStream.end(() => exit(1)));
        return send(200, { mode: 'crash', exiting: true });
      }
      fail(parsed.mode, durationMs);
      return send(200, { mode, durationMs: durationMs ?? null });
    }
    if ((path === '/healthz' || path === '/') && method === 'GET') {
      if (mode === 'hang') return; // never answers; the client's timeout decides
      if (mode === 'error') {
        log('ERROR', `${path}: simulated internal error`);
        return send(500, { status: 'error', error: 'simulated failure' });
      }
      const headers: Record<string, string> = {};
      if (mode === 'slow') {
        await new Promise((resolve) => setTimeout(resolve, SLOW_DELAY_MS));
        headers[SLOWED_HEADER] = String(SLOW_DELAY_MS);
      }
      if (path === '/healthz') return send(200, { status: 'ok' }, headers);
      // The "work": a little arithmetic, so the endpoint costs something.
      let sum = 0;
      for (let i = 1; i <= 10_000; i++) sum += Math.sqrt(i);
      return send(200, { result: Math.round(sum) }, headers);
    }
    return send(404, { error: 'not found' });
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://demo').pathname;
    const label = ROUTES.has(path) ? path : 'other';
    const started = process.hrtime.bigint();
    response.setHeader(PID_HEADER, String(process.pid)); // lets `start` tell its own child from a leftover
    response.once('finish', () => {
      const labels = { path: label, status: String(response.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    handle(request, response, path).catch((error: unknown) => {
      log('ERROR', `${request.method} ${path}: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'internal error' }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  log('INFO', `demo service listening on ${url} (pid ${process.pid})`);

  return {
    server,
    url,
    mode: () => mode,
    close: async () => {
      clearTimers();
      log('INFO', 'demo service stopping');
      server.closeAllConnections(); // hung requests included
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => logStream.end(() => resolve()));
    },
  };
}
