// What every shop service has in common: a node:http server that counts and times
// each request, /healthz and /metrics, calls to other services that count and time
// themselves, one JSON log line per request, and the faults.
//
// A fault arrives as a file, <dir>/faults/<service>.json (demo/shop/control.ts
// writes it), read every FAULT_POLL_MS. A file rather than an admin endpoint so a
// fault outlives the process: a crashloop must kill the next start too. Faults act
// only through what a real one would touch (slower or failed requests, CPU, memory,
// the pool, refused connections, log lines); nothing a service exposes or logs
// names the fault.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from './pool';
import { createShopMetrics, openLog, poolGauges, type LogFields, type ShopLog, type ShopMetrics } from './telemetry';
import { CALLEES, shopFiles, urlOf, type Fault, type ServiceName, type ShopSettings } from './topology';

export const FAULT_POLL_MS = 200;
/** Every answer names the process that gave it. */
export const PID_HEADER = 'x-shop-pid';
export const LATENCY_MS = 1_500;
export const ERROR_SHARE = 0.5;
export const CRASHLOOP_AFTER_MS = 2_000;
const CPU_BURN_MS = 90; // of every 100 ms
const LEAK_STEP_BYTES = 8 * 1024 * 1024;
const LEAK_EVERY_MS = 200;
export const MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;
const BURST_EVERY_MS = 20;
/** A callee that did not answer this recently makes /healthz say so. */
const DEPENDENCY_DOWN_MS = 15_000;
/** Where a call goes when its callee is made unreachable: a port nothing listens on. */
const UNREACHABLE_PORT = 1;

export interface Reply {
  status: number;
  body: unknown;
}

export interface Request {
  method: string;
  route: string;
  query: URLSearchParams;
  requestId: string;
}

export class CallError extends Error {
  constructor(
    readonly target: ServiceName,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ServiceContext {
  name: ServiceName;
  settings: ShopSettings;
  log: ShopLog;
  metrics: ShopMetrics;
  /** Calls a callee; resolves with any answer (5xx included), throws a CallError when there is none. */
  call(target: ServiceName, method: string, path: string, request: Request, timeoutMs: number): Promise<Reply>;
}

export interface ServiceSpec {
  /** 'METHOD /path' → handler. */
  routes: Record<string, (request: Request) => Promise<Reply>>;
  /** A reason to answer /healthz with 503, or undefined. */
  health?(): Promise<string | undefined>;
  /** The pool the pool fault exhausts (and whose gauges /metrics shows). */
  pool?: Pool;
  close?(): void;
}

/** Distinctive error lines, as a real failure of that sort would log them. */
const CRASH_ERROR = "TypeError: Cannot read properties of undefined (reading 'amount')";
const CRASHLOOP_ERROR = 'Error: ENOENT: no such file or directory, open /etc/shop/tls/key.pem';

export async function runService(name: ServiceName, settings: ShopSettings, build: (context: ServiceContext) => ServiceSpec): Promise<{ server: Server; close(): Promise<void> }> {
  const files = shopFiles(settings.dir);
  const log = openLog(files.log(name), name);
  const metrics = createShopMetrics();
  const lastNoAnswer = new Map<ServiceName, number>();
  let fault: Fault | undefined;

  const call: ServiceContext['call'] = async (target, method, path, request, timeoutMs) => {
    const started = process.hrtime.bigint();
    const unreachable = fault?.kind === 'dependency' && fault.target === target;
    const url = new URL(path, urlOf(settings, target));
    if (unreachable) url.port = String(UNREACHABLE_PORT);
    const observe = (code: string) => {
      metrics.clientRequests.inc({ target, code });
      metrics.clientDuration.observe({ target }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    try {
      const reply = await send(url, method, request.requestId, timeoutMs);
      observe(String(reply.status));
      lastNoAnswer.delete(target);
      return reply;
    } catch (error) {
      observe('error');
      lastNoAnswer.set(target, Date.now());
      const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
      throw new CallError(target, code, code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : `${code} ${url.host}`);
    }
  };
  const context: ServiceContext = { name, settings, log, metrics, call };
  const spec = build(context);
  if (spec.pool) poolGauges(metrics.registry, spec.pool);

  // The faults' effects, started and stopped as the fault file changes.
  let stopEffect: () => void = () => {};
  let leaked: Buffer[] = [];
  const leakedBytes = () => leaked.length * LEAK_STEP_BYTES;
  const begin = (next: Fault) => {
    switch (next.kind) {
      case 'crash':
        rmSync(files.fault(name), { force: true }); // one crash; the restart comes back healthy
        log('error', 'fatal: uncaught exception, exiting', { error: CRASH_ERROR });
        void log.close().then(() => process.exit(1));
        return;
      case 'crashloop': {
        const timer = setTimeout(() => {
          log('error', 'fatal: startup check failed, exiting', { error: CRASHLOOP_ERROR });
          void log.close().then(() => process.exit(1));
        }, CRASHLOOP_AFTER_MS);
        stopEffect = () => clearTimeout(timer);
        return;
      }
      case 'cpu': {
        const timer = setInterval(() => {
          for (const end = Date.now() + CPU_BURN_MS; Date.now() < end;); // a hot loop in a request path, say
        }, 100);
        stopEffect = () => clearInterval(timer);
        return;
      }
      case 'memory': {
        let warned = false;
        const timer = setInterval(() => {
          if (leakedBytes() < MEMORY_LIMIT_BYTES) leaked.push(Buffer.alloc(LEAK_STEP_BYTES, 1)); // filled: resident, not just reserved
          if (leakedBytes() >= MEMORY_LIMIT_BYTES && !warned) {
            warned = true;
            log('warn', 'memory pressure: resident memory above limit', { rssBytes: process.memoryUsage().rss, limitBytes: MEMORY_LIMIT_BYTES });
          }
        }, LEAK_EVERY_MS);
        stopEffect = () => {
          clearInterval(timer);
          leaked = [];
        };
        return;
      }
      case 'pool': {
        // Connections checked out and never given back, as a leak in a code path would.
        const { pool } = spec;
        if (!pool) return;
        let held: (() => void)[] = [];
        let stopped = false;
        const grab = () => {
          if (stopped) return;
          pool.acquire(60_000).then(
            (release) => (stopped ? release() : void held.push(release)),
            () => {},
          );
        };
        for (let i = 0; i < pool.max; i++) grab();
        stopEffect = () => {
          stopped = true;
          for (const release of held) release();
          held = [];
        };
        return;
      }
      case 'logs': {
        let count = 0;
        const timer = setInterval(() => {
          log('error', 'upstream connection reset by peer', { error: 'ECONNRESET', peer: '10.0.3.7:5432', attempt: ++count });
        }, BURST_EVERY_MS);
        stopEffect = () => clearInterval(timer);
        return;
      }
      default: // latency, errors, dependency act per request; config through the setting file
        return;
    }
  };
  let lastText: string | undefined;
  const pollFault = () => {
    let text: string | undefined;
    try {
      text = readFileSync(files.fault(name), 'utf8');
    } catch {
      text = undefined;
    }
    let next: Fault | undefined;
    try {
      next = text === undefined ? undefined : (JSON.parse(text) as Fault);
    } catch {
      return; // half written: the next poll reads it whole
    }
    if (next?.until !== undefined && Date.now() >= next.until) {
      // Expired (--for): the fault file goes, and a bad setting is put back as it was.
      if (next.kind === 'config' && next.original !== undefined) writeFileSync(files.paymentsSettings, next.original);
      rmSync(files.fault(name), { force: true });
      next = undefined;
      text = undefined;
    }
    if (text === lastText) return;
    lastText = text;
    stopEffect();
    stopEffect = () => {};
    fault = next;
    if (text !== undefined || existsSync(files.faultSeen(name))) writeFileSync(files.faultSeen(name), text ?? '');
    if (next) begin(next);
  };
  pollFault();
  const faultTimer = setInterval(pollFault, FAULT_POLL_MS);

  const health = async (): Promise<string | undefined> => {
    if (leakedBytes() >= MEMORY_LIMIT_BYTES) return `memory pressure: resident memory ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`;
    for (const target of CALLEES[name]) {
      const at = lastNoAnswer.get(target);
      if (at !== undefined && Date.now() - at < DEPENDENCY_DOWN_MS) return `dependency ${target} unreachable`;
    }
    return spec.health?.();
  };

  const answer = async (request: Request): Promise<Reply> => {
    if (request.route === '/healthz') {
      const reason = await health();
      return reason ? { status: 503, body: { status: 'unhealthy', reason } } : { status: 200, body: { status: 'ok' } };
    }
    const handler = spec.routes[`${request.method} ${request.route}`];
    if (!handler) return { status: 404, body: { error: 'not found' } };
    if (fault?.kind === 'latency') await sleep(LATENCY_MS);
    if (fault?.kind === 'errors' && Math.random() < ERROR_SHARE) {
      log('error', 'unhandled error while handling request', { route: request.route, requestId: request.requestId, error: CRASH_ERROR });
      return { status: 500, body: { error: 'internal error' } };
    }
    return handler(request);
  };

  const server = createServer((incoming, response) => {
    const url = new URL(incoming.url ?? '/', 'http://shop');
    const method = incoming.method ?? 'GET';
    const known = url.pathname === '/healthz' || url.pathname === '/metrics' || Object.keys(spec.routes).some((key) => key.endsWith(` ${url.pathname}`));
    const route = known ? url.pathname : 'other';
    const requestId = header(incoming, 'x-request-id') ?? Math.random().toString(16).slice(2, 10);
    const started = process.hrtime.bigint();
    response.setHeader(PID_HEADER, String(process.pid)); // lets `start` tell its own child from a leftover on the port
    metrics.inFlight.inc();
    response.once('close', () => {
      metrics.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const code = response.writableFinished ? response.statusCode : 499; // the caller gave up first (nginx's name for it)
      metrics.requests.inc({ method, route, code: String(code) });
      metrics.duration.observe({ method, route }, seconds);
      if (route === '/metrics' || route === '/healthz') return; // scrapes and probes: counted, not logged
      const fields: LogFields = { method, route, code, durationMs: Math.round(seconds * 1000), requestId };
      log(code >= 500 ? 'error' : code === 499 ? 'warn' : 'info', 'request completed', fields);
    });
    if (route === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      });
      return;
    }
    answer({ method, route, query: url.searchParams, requestId }).then(
      (reply) => {
        response.writeHead(reply.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(reply.body));
      },
      (error: unknown) => {
        log('error', 'unhandled error while handling request', { route, requestId, error: String(error) });
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'internal error' }));
      },
    );
  });
  // Idle keep-alive sockets of callers would otherwise hold a stopping service open.
  server.keepAliveTimeout = 2_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.ports[name], settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log('info', `${name} listening`, { url: urlOf(settings, name), pid: process.pid });

  return {
    server,
    close: async () => {
      clearInterval(faultTimer);
      stopEffect();
      spec.close?.();
      log('info', `${name} stopping`);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
    },
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * One HTTP call with a deadline for the whole answer; rejects with an errno-style
 * code when nothing answered. A connection per call (agent: false): a reused
 * keep-alive socket can be closed by the callee just as a call goes out, and
 * carries the idle timer of its last call.
 */
function send(url: URL, method: string, requestId: string, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => outgoing.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    const settle =
      <T>(then: (value: T) => void) =>
      (value: T) => {
        clearTimeout(deadline);
        then(value);
      };
    resolve = settle(resolve);
    reject = settle(reject);
    const outgoing = httpRequest(url, { method, agent: false, headers: { 'x-request-id': requestId, 'content-length': 0 } }, (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.once('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        resolve({ status: incoming.statusCode ?? 0, body });
      });
      incoming.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end();
  });
}
