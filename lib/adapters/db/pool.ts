// The PostgreSQL pool. Every connection's search_path is Vigil's schema
// (database.schema), so tests can give each file its own schema.
import pg from 'pg';

export interface PoolOptions {
  url: string;
  schema: string;
  max?: number;
  connectTimeoutMs?: number;
  applicationName?: string;
  onError?: (error: Error) => void;
}

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, and part of what Vigil stores
 * comes from outside (a check's output, log lines, tool results): one NUL would
 * fail the write every time, and with it the loop that makes it. So every
 * parameter has NUL, raw or JSON-escaped, replaced with U+FFFD before it is sent.
 */
export function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') || value.includes('\\u0000') ? value.replaceAll('\u0000', '\uFFFD').replaceAll('\\u0000', '\\ufffd') : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value) || 'toPostgres' in value) return value;
  // pg sends any other object as its JSON text: do that here, so the text can be cleaned.
  return withoutNul(JSON.stringify(value));
}

/** pg's client with every query's parameters passed through withoutNul. */
class NulSafeClient extends pg.Client {}
const sendQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
NulSafeClient.prototype.query = function query(this: pg.Client, ...args: unknown[]) {
  const [first, second] = args;
  if (Array.isArray(second)) args[1] = second.map(withoutNul);
  else if (first && typeof first === 'object' && Array.isArray((first as { values?: unknown }).values)) {
    args[0] = { ...first, values: (first as { values: unknown[] }).values.map(withoutNul) };
  }
  return sendQuery.apply(this, args);
} as typeof pg.Client.prototype.query;

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    Client: NulSafeClient,
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'vigil',
    options: `-c search_path=${quoteIdentifier(options.schema)},public`,
  });
  // An idle client losing its server must not crash the process. Once the pool
  // is ending, its clients are closing on purpose: `end()` resolves before the
  // server has seen them go, so a server stopped right after may still cut one.
  pool.on('error', (error) => {
    if (!pool.ending) options.onError?.(error);
  });
  return pool;
}

/**
 * Runs `work` in one transaction on one client. A checked-out client has none of
 * the pool's error listeners: a server that goes away between its queries (a
 * restart, an admin kill) would emit an unhandled 'error' and end the process,
 * and a worker must outlive a PostgreSQL outage. Here the loss fails the
 * transaction instead, and the lost client is destroyed, not pooled again.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Does the database answer within `timeoutMs`? */
export async function databaseAnswers(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([pool.query('SELECT 1').then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
