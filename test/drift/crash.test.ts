// The drift crash test: a worker process is SIGKILLed while an apply is in
// flight. A new worker takes over; the retried sync re-reads the live state
// first, finds it already applied and does not apply again. And the file
// provider's applies are atomic: a reader never sees a half-written file.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { providerFor } from '../../activities/drift-providers';
import { quoteIdentifier } from '../../lib/adapters/db/pool';
import type { DriftSpec } from '../../lib/core/drift/spec';
import { driftWorkflow } from '../../workflows';
import { driftStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { dropSchema, testEnvironment, uniqueName } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { runVigil, workerProcessEnv, type VigilRun } from '../helpers/vigil-process';

describe('drift: worker killed mid-apply', () => {
  const schema = uniqueName('driftcrash');
  const prefix = uniqueName('driftcrash');
  const app = uniqueName('crashy').replace('_', '-');
  let root: string;
  let connection: Connection;
  let client: Client;
  const workers: VigilRun[] = [];
  let opsPort: number;

  const workerEnv = () =>
    workerProcessEnv({
      schema,
      prefix,
      opsPort,
      extra: {
        VIGIL_DATA_DIR: join(root, 'data'),
      },
    });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vigil-drift-crash-'));
    opsPort = await freePort();
    connection = await Connection.connect({ address: testEnvironment().temporalAddress });
    client = new Client({ connection });
  });
  after(async () => {
    await client.workflow
      .getHandle(workflowIds.drift(app))
      .terminate()
      .catch(() => {});
    for (const worker of workers) worker.child.kill('SIGKILL');
    await connection.close();
    await dropSchema(schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('applies exactly once and the loop goes on in sync', async () => {
    mkdirSync(join(root, 'desired'));
    writeFileSync(join(root, 'desired', 'cfg.yaml'), 'target: cfg\nstate: { version: 2 }\n');
    const liveFile = join(root, 'cfg.json');
    writeFileSync(liveFile, '{"version":1}');
    const started = join(root, 'apply-started');
    const applies = join(root, 'applies.log');
    // A slow apply: says it started, takes 3 s, then counts itself and writes the state (temp file + rename).
    const script = join(root, 'slow.js');
    writeFileSync(
      script,
      `const fs = require('fs'); const file = ${JSON.stringify(liveFile)};
       if (process.argv[2] === 'get') { process.stdout.write(fs.readFileSync(file, 'utf8')); }
       else { let input = ''; process.stdin.on('data', (c) => input += c); process.stdin.on('end', () => {
         fs.writeFileSync(${JSON.stringify(started)}, 'yes');
         setTimeout(() => { fs.appendFileSync(${JSON.stringify(applies)}, 'apply\\n'); fs.writeFileSync(file + '.tmp', input); fs.renameSync(file + '.tmp', file); }, 3000);
       }); }`,
    );
    const spec: DriftSpec = {
      app,
      mode: 'self-heal',
      intervalMs: 500,
      jitterMs: 0,
      source: { type: 'directory', path: join(root, 'desired') },
      provider: { type: 'command', read: [process.execPath, script, 'get'], apply: [process.execPath, script, 'set'], timeoutMs: 30_000 },
      ignore: [],
      sensitive: [],
      heal: { initialBackoffMs: 1_000, maxBackoffMs: 10_000, maxAttempts: 5, contestedAfter: 2 },
      windows: [],
    };

    const first = runVigil(['worker'], workerEnv());
    workers.push(first);
    const handle = await client.workflow.start(driftWorkflow, { taskQueue: taskQueues(prefix).workflows, workflowId: workflowIds.drift(app), args: [{ spec }] });
    await eventually(async () => existsSync(started), 'the apply has started', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = runVigil(['worker'], workerEnv());
    workers.push(second);
    const view = await eventually(
      async () => {
        const status = await handle.query(driftStatusQuery);
        return status.status === 'in-sync' && status.lastSync && status;
      },
      'in sync under the new worker',
      90_000,
    );

    assert.equal(readFileSync(applies, 'utf8').trim().split('\n').length, 1, 'applied exactly once');
    assert.deepEqual(JSON.parse(readFileSync(liveFile, 'utf8')), { version: 2 });
    assert.equal(view.lastSync!.outcome, 'in-sync');
    assert.match(view.lastSync!.detail, /already applied \(found in sync after an interrupted apply\)/);
    const admin = new pg.Client({ connectionString: testEnvironment().databaseUrl });
    await admin.connect();
    const { rows } = await admin.query(`SELECT status, kind FROM ${quoteIdentifier(schema)}.drift_syncs WHERE app = $1`, [app]).finally(() => admin.end());
    assert.deepEqual(rows, [{ status: 'in-sync', kind: 'intentional' }], 'one sync row, never a second apply');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
  });

  it('file provider: a reader never sees a half-written file while applies replace it', async () => {
    const provider = providerFor({ type: 'file', root, format: 'json' });
    const big = (n: number) => ({ n, items: Array.from({ length: 20_000 }, (_, index) => ({ index, name: `item-${index}-${n}` })) });
    await provider.apply('big.json', big(0));
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const text = readFileSync(join(root, 'big.json'), 'utf8');
        assert.equal((JSON.parse(text) as { items: unknown[] }).items.length, 20_000);
        reads += 1;
        await new Promise((resolveTick) => setImmediate(resolveTick));
      }
    })();
    for (let n = 1; n <= 20; n += 1) await provider.apply('big.json', big(n));
    stop = true;
    await reader;
    assert.ok(reads > 0);
    assert.equal((JSON.parse(readFileSync(join(root, 'big.json'), 'utf8')) as { n: number }).n, 20);
  });
});
