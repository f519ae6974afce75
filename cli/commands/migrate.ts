// `vigil migrate`: apply pending migrations and exit (a compose one-shot, a k8s Job).
import type { LoadedConfig } from '../../lib/adapters/config/load';
import { ConfigError } from '../../lib/core/config/errors';
import { createPool } from '../../lib/adapters/db/pool';
import { migrate as applyMigrations } from '../../lib/adapters/db/migrate';

export async function migrate({ config }: LoadedConfig): Promise<void> {
  if (!config.database.url) {
    throw new ConfigError([{ source: 'vigil migrate', path: 'database.url', message: 'is required (set DATABASE_URL)' }]);
  }
  const pool = createPool({ url: config.database.url, schema: config.database.schema, max: 1 });
  try {
    const applied = await applyMigrations(pool, config.database.schema);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await pool.end();
  }
}
