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

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'vigil',
    options: `-c search_path=${quoteIdentifier(options.schema)},public`,
  });
  // An idle client losing its server must not crash the process.
  pool.on('error', (error) => options.onError?.(error));
  return pool;
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

/** Redacts the password of a connection URL for display. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database url)';
  }
}
