// The migration runner against the run's real PostgreSQL: fresh schemas of our
// own (dropped after), the project's migrations and small SQL files of our own in
// temporary directories.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { migrate, readMigrations } from '../../lib/adapters/db/migrate';
import { createPool, quoteIdentifier } from '../../lib/adapters/db/pool';
import { testEnvironment, uniqueName } from '../helpers/harness';

interface Recorded {
  version: number;
  name: string;
  checksum: string;
}

describe('migrate (real PostgreSQL)', () => {
  let url: string;
  /** Not bound to any of our schemas: inspects and drops them. */
  let admin: pg.Pool;
  const pools: pg.Pool[] = [];
  const schemas: string[] = [];
  const dirs: string[] = [];

  before(() => {
    url = testEnvironment().databaseUrl;
    admin = createPool({ url, schema: 'public', max: 2 });
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A schema name nobody has used; dropped after the file. */
  function freshSchema(): string {
    const schema = uniqueName('migrate');
    schemas.push(schema);
    return schema;
  }

  function poolFor(schema: string, max = 2): pg.Pool {
    const pool = createPool({ url, schema, max });
    pools.push(pool);
    return pool;
  }

  /** A temporary migrations directory holding `files` (name → SQL). */
  function migrationsDir(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-migrations-'));
    dirs.push(dir);
    writeMigrations(dir, files);
    return dir;
  }

  function writeMigrations(dir: string, files: Record<string, string>): void {
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  }

  async function recorded(schema: string): Promise<Recorded[]> {
    const { rows } = await admin.query<Recorded>(`SELECT version, name, checksum FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`);
    return rows;
  }

  async function tables(schema: string): Promise<string[]> {
    const { rows } = await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
    return rows.map((row) => row.table_name);
  }

  describe('readMigrations', () => {
    it('reads numbered .sql files in version order with their checksums, and nothing else', () => {
      const dir = migrationsDir({
        '002_second.sql': 'CREATE TABLE b (id int);',
        '001_first.sql': 'CREATE TABLE a (id int);',
        '010_tenth.sql': 'CREATE TABLE j (id int);',
        'README.md': 'not a migration',
        'draft.sql': 'CREATE TABLE nope (id int);',
        '003_notes.sql.bak': 'CREATE TABLE nope (id int);',
      });
      const migrations = readMigrations(dir);
      assert.deepEqual(
        migrations.map(({ version, name }) => ({ version, name })),
        [
          { version: 1, name: '001_first' },
          { version: 2, name: '002_second' },
          { version: 10, name: '010_tenth' },
        ],
      );
      assert.equal(migrations[0].sql, 'CREATE TABLE a (id int);');
      assert.equal(migrations[0].checksum, createHash('sha256').update('CREATE TABLE a (id int);').digest('hex'));
    });

    it('orders by version number, not by file name', () => {
      const dir = migrationsDir({ '9_nine.sql': 'SELECT 9;', '10_ten.sql': 'SELECT 10;', '100_hundred.sql': 'SELECT 100;' });
      assert.deepEqual(
        readMigrations(dir).map((migration) => migration.version),
        [9, 10, 100],
      );
    });

    it('refuses two files with the same version, naming both', () => {
      const dir = migrationsDir({ '004_users.sql': 'SELECT 1;', '004_teams.sql': 'SELECT 2;' });
      assert.throws(() => readMigrations(dir), /004_teams.*004_users|004_users.*004_teams/);
    });

    it('finds the project migrations by default', () => {
      const migrations = readMigrations();
      assert.ok(migrations.length > 0);
      assert.equal(migrations[0].name, '001_self_checks');
    });
  });

  it('applies the project migrations to a fresh schema, and a second run applies nothing', async () => {
    const schema = freshSchema();
    const pool = poolFor(schema);
    const migrations = readMigrations();

    const first = await migrate(pool, schema);

    assert.deepEqual(
      first,
      migrations.map((migration) => migration.name),
    );
    assert.deepEqual(
      await recorded(schema),
      migrations.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );
    assert.ok((await tables(schema)).includes('self_checks'));
    // The pool's search_path reaches the migrated tables without qualification.
    await pool.query("INSERT INTO self_checks (workflow_id, requested_by, worker) VALUES ('wf-1', 'test', 'w')");
    const { rows } = await pool.query('SELECT workflow_id, attempts FROM self_checks');
    assert.deepEqual(rows, [{ workflow_id: 'wf-1', attempts: 1 }]);

    const appliedAt = await admin.query(`SELECT version, applied_at FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`);
    const second = await migrate(pool, schema);

    assert.deepEqual(second, []);
    const appliedAtAfter = await admin.query(`SELECT version, applied_at FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`);
    assert.deepEqual(appliedAtAfter.rows, appliedAt.rows);
    // The data written in between is untouched.
    assert.equal((await pool.query('SELECT count(*)::int AS n FROM self_checks')).rows[0].n, 1);
  });

  it('applies only what is new when a migration is added later', async () => {
    const schema = freshSchema();
    const pool = poolFor(schema);
    const dir = migrationsDir({ '001_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY);' });
    assert.deepEqual(await migrate(pool, schema, readMigrations(dir)), ['001_notes']);

    writeMigrations(dir, { '002_note_text.sql': "ALTER TABLE notes ADD COLUMN text text NOT NULL DEFAULT '';" });
    assert.deepEqual(await migrate(pool, schema, readMigrations(dir)), ['002_note_text']);
    assert.deepEqual(
      (await recorded(schema)).map((row) => row.name),
      ['001_notes', '002_note_text'],
    );
  });

  for (const callers of [2, 5]) {
    it(`lets ${callers} concurrent migrate() calls on separate pools share a fresh schema`, async () => {
      const schema = freshSchema();
      // Each migration fails if it runs twice: no IF NOT EXISTS, and a unique row.
      const dir = migrationsDir({
        '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);',
        '002_seed.sql': "INSERT INTO accounts (id, name) VALUES (1, 'root');",
        '003_audit.sql': 'CREATE TABLE audit (id bigserial PRIMARY KEY, account int REFERENCES accounts (id));',
      });
      const migrations = readMigrations(dir);

      const results = await Promise.all(Array.from({ length: callers }, () => migrate(poolFor(schema, 1), schema, migrations)));

      // Every call succeeded; between them, each migration was applied by exactly one.
      assert.deepEqual(results.flat().sort(), ['001_accounts', '002_seed', '003_audit']);
      assert.equal(results.filter((applied) => applied.length > 0).length, 1, JSON.stringify(results));
      assert.deepEqual(
        (await recorded(schema)).map((row) => row.version),
        [1, 2, 3],
      );
      const { rows } = await admin.query(`SELECT id, name FROM ${quoteIdentifier(schema)}.accounts`);
      assert.deepEqual(rows, [{ id: 1, name: 'root' }]);
    });
  }

  it('refuses a migration whose file changed after it was applied, naming it, and applies nothing after it', async () => {
    const schema = freshSchema();
    const pool = poolFor(schema);
    const dir = migrationsDir({ '001_widgets.sql': 'CREATE TABLE widgets (id int PRIMARY KEY);' });
    await migrate(pool, schema, readMigrations(dir));
    const before = await recorded(schema);

    writeMigrations(dir, {
      '001_widgets.sql': 'CREATE TABLE widgets (id int PRIMARY KEY, colour text);',
      '002_gadgets.sql': 'CREATE TABLE gadgets (id int PRIMARY KEY);',
    });

    await assert.rejects(migrate(pool, schema, readMigrations(dir)), {
      message: 'migration 001_widgets was changed after it was applied; add a new migration instead',
    });
    assert.deepEqual(await recorded(schema), before);
    assert.deepEqual(await tables(schema), ['schema_migrations', 'widgets']);
  });

  it('rolls back a failing migration completely, records it not, and applies it once fixed', async () => {
    const schema = freshSchema();
    const pool = poolFor(schema);
    const dir = migrationsDir({
      '001_orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);',
      // The first statements succeed; the last fails, so all of it must go.
      '002_items.sql': `
        CREATE TABLE items (id int PRIMARY KEY, order_id int REFERENCES orders (id));
        INSERT INTO orders (id) VALUES (42);
        ALTER TABLE orders ADD COLUMN total numeric;
        INSERT INTO no_such_table VALUES (1);
      `,
      '003_invoices.sql': 'CREATE TABLE invoices (id int PRIMARY KEY);',
    });

    await assert.rejects(migrate(pool, schema, readMigrations(dir)), (error: Error) => {
      assert.match(error.message, /^migration 002_items failed: relation "no_such_table" does not exist$/);
      return true;
    });

    // 001 stays applied (its own transaction); nothing of 002 remains; 003 never ran.
    assert.deepEqual(
      (await recorded(schema)).map((row) => row.name),
      ['001_orders'],
    );
    assert.deepEqual(await tables(schema), ['orders', 'schema_migrations']);
    const orders = await admin.query(`SELECT count(*)::int AS n FROM ${quoteIdentifier(schema)}.orders`);
    assert.equal(orders.rows[0].n, 0);
    const columns = await admin.query("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'orders' ORDER BY column_name", [schema]);
    assert.deepEqual(columns.rows, [{ column_name: 'id' }]);

    // The lock was released and the connection is fine: fixing the file lets it through.
    writeMigrations(dir, { '002_items.sql': 'CREATE TABLE items (id int PRIMARY KEY, order_id int REFERENCES orders (id));' });
    assert.deepEqual(await migrate(pool, schema, readMigrations(dir)), ['002_items', '003_invoices']);
    assert.deepEqual(await tables(schema), ['invoices', 'items', 'orders', 'schema_migrations']);
  });

  it('reports the migration that was running when its connection died, and recovers', async () => {
    const schema = freshSchema();
    const pool = poolFor(schema);
    const dir = migrationsDir({
      '001_base.sql': 'CREATE TABLE base (id int);',
      '002_dies.sql': 'CREATE TABLE doomed (id int); SELECT pg_terminate_backend(pg_backend_pid());',
    });

    await assert.rejects(migrate(pool, schema, readMigrations(dir)), /^Error: migration 002_dies failed: terminating connection/);

    assert.deepEqual(
      (await recorded(schema)).map((row) => row.name),
      ['001_base'],
    );
    assert.deepEqual(await tables(schema), ['base', 'schema_migrations']);
    writeMigrations(dir, { '002_dies.sql': 'CREATE TABLE survived (id int);' });
    assert.deepEqual(await migrate(pool, schema, readMigrations(dir)), ['002_dies']);
  });

  it("leaves a pooled connection's search_path as the pool set it", async () => {
    const home = freshSchema();
    const other = freshSchema();
    // One connection, so migrate() and the queries after it share it.
    const pool = poolFor(home, 1);
    const dir = migrationsDir({ '001_marker.sql': 'CREATE TABLE marker (id int);' });
    await migrate(pool, home, readMigrations(dir));

    await migrate(pool, other, readMigrations(dir));

    assert.deepEqual(await tables(other), ['marker', 'schema_migrations']);
    const { rows } = await pool.query('SELECT current_schema() AS schema');
    assert.equal(rows[0].schema, home);
  });
});
