// The five services' own work. Each is small but real: orders checks stock, charges
// the card and writes the order through a pool of db connections; payments obeys a
// timeout it reads live from a file (the setting the drift app manages); db serves
// queries through a bounded connection pool.
import { existsSync, mkdirSync, readFileSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, PoolTimeoutError } from './pool';
import { CallError, type Reply, type Request, type ServiceContext, type ServiceSpec } from './runtime';
import { PAYMENTS_DEFAULTS, shopFiles, type ServiceName } from './topology';

const DB_POOL_SIZE = 5;
const ORDERS_POOL_SIZE = 4;
const ACQUIRE_TIMEOUT_MS = 1_000;
/** /healthz needs a connection too, as a real `SELECT 1` does, but waits less. */
const HEALTH_ACQUIRE_MS = 300;
const CALL_TIMEOUT_MS = 2_000;
const GATEWAY_TIMEOUT_MS = 5_000;
const SETTINGS_POLL_MS = 250;

const between = (low: number, high: number) => low + Math.random() * (high - low);

async function poolHealth(pool: Pool, what: string): Promise<string | undefined> {
  try {
    (await pool.acquire(HEALTH_ACQUIRE_MS))();
    return undefined;
  } catch {
    return `${what} exhausted (${pool.inUse}/${pool.max} in use, ${pool.waiting} waiting)`;
  }
}

/** A callee's answer or failure as this service's own reply, logged as the caller sees it. */
async function downstream(context: ServiceContext, request: Request, target: ServiceName, method: string, path: string, timeoutMs = CALL_TIMEOUT_MS): Promise<Reply | undefined> {
  try {
    const reply = await context.call(target, method, path, request, timeoutMs);
    if (reply.status < 500) return undefined;
    context.log('error', `call to ${target} failed`, { target, code: reply.status, requestId: request.requestId });
    return { status: 502, body: { error: `${target} failed (${reply.status})` } };
  } catch (error) {
    if (!(error instanceof CallError)) throw error;
    context.log('error', `call to ${target} failed: no answer`, { target, error: error.message, requestId: request.requestId });
    return { status: 503, body: { error: `${target} unavailable` } };
  }
}

function gateway(context: ServiceContext): ServiceSpec {
  const forward = (method: string, path: string, status: number) => async (request: Request) =>
    (await downstream(context, request, 'orders', method, path, GATEWAY_TIMEOUT_MS)) ?? { status, body: { ok: true } };
  return { routes: { 'GET /api/checkout': forward('POST', '/orders', 200), 'GET /api/orders': forward('GET', '/orders', 200) } };
}

function orders(context: ServiceContext): ServiceSpec {
  const pool = new Pool(ORDERS_POOL_SIZE, ACQUIRE_TIMEOUT_MS);
  let nextId = 1;
  const query = async (request: Request, op: string): Promise<Reply | undefined> => {
    let release: () => void;
    try {
      release = await pool.acquire();
    } catch (error) {
      if (!(error instanceof PoolTimeoutError)) throw error;
      context.log('error', 'db connection pool exhausted', { error: error.message, requestId: request.requestId });
      return { status: 503, body: { error: 'no database connection' } };
    }
    try {
      return await downstream(context, request, 'db', 'POST', `/query?op=${op}`);
    } finally {
      release();
    }
  };
  return {
    pool,
    routes: {
      'POST /orders': async (request) =>
        (await query(request, 'select')) ??
        (await downstream(context, request, 'inventory', 'POST', '/reserve')) ??
        (await downstream(context, request, 'payments', 'POST', '/charge')) ??
        (await query(request, 'insert')) ?? { status: 201, body: { orderId: nextId++ } },
      'GET /orders': async (request) => (await query(request, 'select')) ?? { status: 200, body: { orders: nextId - 1 } },
    },
    health: () => poolHealth(pool, 'db connection pool'),
  };
}

function payments(context: ServiceContext): ServiceSpec {
  const file = shopFiles(context.settings.dir).paymentsSettings;
  let settings = { ...PAYMENTS_DEFAULTS };
  const reload = (first: boolean) => {
    try {
      const read = JSON.parse(readFileSync(file, 'utf8')) as Partial<typeof PAYMENTS_DEFAULTS>;
      if (typeof read.timeoutMs !== 'number' || read.timeoutMs <= 0) throw new Error(`timeoutMs must be a positive number, not ${JSON.stringify(read.timeoutMs)}`);
      settings = { ...PAYMENTS_DEFAULTS, ...read };
      context.log('info', first ? 'settings loaded' : 'settings reloaded', { file, timeoutMs: settings.timeoutMs });
    } catch (error) {
      context.log('error', 'cannot read settings; keeping the previous ones', { file, error: (error as Error).message });
    }
  };
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(PAYMENTS_DEFAULTS, null, 2)}\n`);
  }
  reload(true);
  watchFile(file, { interval: SETTINGS_POLL_MS }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload(false);
  });
  return {
    routes: {
      'POST /charge': async (request) => {
        // The card processor: 20–50 ms, unless the configured timeout is shorter.
        const processorMs = between(20, 50);
        if (processorMs > settings.timeoutMs) {
          await sleep(settings.timeoutMs);
          context.log('error', 'card processor timeout', { timeoutMs: settings.timeoutMs, requestId: request.requestId });
          return { status: 504, body: { error: 'card processor timeout' } };
        }
        await sleep(processorMs);
        return { status: 200, body: { charged: true, currency: settings.currency } };
      },
    },
    close: () => unwatchFile(file),
  };
}

function inventory(): ServiceSpec {
  let stock = 1_000_000;
  return {
    routes: {
      'POST /reserve': async () => {
        await sleep(between(2, 8));
        stock--;
        return { status: 200, body: { reserved: 1 } };
      },
      'GET /stock': () => Promise.resolve({ status: 200, body: { stock } }),
    },
  };
}

function db(context: ServiceContext): ServiceSpec {
  const pool = new Pool(DB_POOL_SIZE, ACQUIRE_TIMEOUT_MS);
  return {
    pool,
    routes: {
      'POST /query': async (request) => {
        let release: () => void;
        try {
          release = await pool.acquire();
        } catch (error) {
          if (!(error instanceof PoolTimeoutError)) throw error;
          context.log('error', 'connection pool exhausted', { error: error.message, requestId: request.requestId });
          return { status: 503, body: { error: 'too many connections' } };
        }
        try {
          await sleep(request.query.get('op') === 'insert' ? between(8, 20) : between(3, 10));
          return { status: 200, body: { rows: 1 } };
        } finally {
          release();
        }
      },
    },
    health: () => poolHealth(pool, 'connection pool'),
  };
}

export const SERVICE_BUILDERS: Record<ServiceName, (context: ServiceContext) => ServiceSpec> = { gateway, orders, payments, inventory, db };
