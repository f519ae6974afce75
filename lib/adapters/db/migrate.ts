// Plain numbered SQL migrations (migrations/NNN_name.sql), applied in order,
// each in its own transaction, under an advisory lock so that processes starting
// at once take turns; an applied migration is recorded with its checksum and a
// changed file is an error rather than silently skipped.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { migrationsDir } from '../paths';
import { quoteIdentifier } from './pool';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = migrationsDir()): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number.parseInt(file, 10),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    // By number: as names, 10_x would sort before 9_x.
    .sort((a, b) => a.version - b.version || a.name.localeCompare(b.name));
  for (let index = 1; index < migrations.length; index++) {
    const [previous, migration] = [migrations[index - 1], migrations[index]];
    if (previous.version === migration.version) {
      throw new Error(`migrations ${previous.name} and ${migration.name} have the same version ${migration.version}; renumber one`);
    }
  }
  return migrations;
}

/** Applies what is pending; returns the names applied (empty when up to date). */
export async function migrate(pool: pg.Pool, schema: string, migrations = readMigrations()): Promise<string[]> {
  const client = await pool.connect();
  // A checked-out client has no error listener; if the connection dies (server
  // restart, admin kill) pg would emit an unhandled 'error' and crash the process.
  // The failure still reaches us through the query that was running.
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`vigil.migrate.${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`SET search_path TO ${quoteIdentifier(schema)}, public`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations');
    const done = new Map(rows.map((row) => [row.version, row]));
    for (const migration of migrations) {
      const previous = done.get(migration.version);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new Error(`migration ${migration.name} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        // If ROLLBACK fails too (connection gone), report the migration's error, not that one.
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`vigil.migrate.${schema}`]).catch(() => {});
    // Back to the pool's own search_path (set at connect), which may name another schema.
    await client.query('RESET search_path').catch(() => {});
    client.removeListener('error', onError);
    client.release(lost);
  }
}
