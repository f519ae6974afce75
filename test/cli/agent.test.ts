// `vigil agent`: reads this host's numbers from the OS and pushes them to a real API.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { createTestDatabase, uniqueName, type TestDatabase } from '../helpers/harness';
import { runVigil } from '../helpers/vigil-process';

describe('vigil agent', () => {
  let db: TestDatabase;
  let api: TestApi;
  let configDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    db = await createTestDatabase('agent');
    api = await buildTestApi({ db, taskQueuePrefix: uniqueName('agent') });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    configDir = mkdtempSync(join(tmpdir(), 'vigil-agent-'));
    writeFileSync(join(configDir, 'vigil.yaml'), '');
    const { port } = api.app.server.address() as { port: number };
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_')));
    env = { ...inherited, VIGIL_API_URL: `http://127.0.0.1:${port}`, VIGIL_TOKEN: TOKENS.operate, VIGIL_CONFIG_DIR: configDir };
  });
  after(async () => {
    await api.close();
    await db.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('pushes CPU, memory, disk and load read from the OS', async () => {
    const run = runVigil(['agent', '--service', 'host-a', '--once'], env);
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stdout(), /^pushed 9 samples for host-a$/m);
    const { rows } = await db.pool.query<{ name: string; value: number; labels: Record<string, string> }>('SELECT name, value, labels FROM metric_samples WHERE service = $1', ['host-a']);
    const byName = Object.fromEntries(rows.map((row) => [row.name, row]));
    assert.deepEqual(Object.keys(byName).sort(), ['cpu_percent', 'disk_free_bytes', 'disk_used_percent', 'load1', 'load15', 'load5', 'memory_total_bytes', 'memory_used_bytes', 'memory_used_percent']);
    assert.equal(byName.memory_total_bytes.value, totalmem(), 'memory total is the OS figure');
    assert.ok(byName.cpu_percent.value >= 0 && byName.cpu_percent.value <= 100);
    assert.ok(byName.disk_free_bytes.value > 0);
    assert.deepEqual(byName.disk_used_percent.labels, { mount: '/' });
  });

  it('refuses to run without a service name, and with a bad interval', async () => {
    const missing = runVigil(['agent', '--once'], env);
    assert.equal(await missing.exited, 2);
    assert.match(missing.stderr(), /agent needs --service NAME/);
    const bad = runVigil(['agent', '--service', 'host-a', '--interval', '10ms'], env);
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /--interval must be a duration of at least 1s/);
  });
});
