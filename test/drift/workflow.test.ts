// The drift loop on the real dev server, worker and PostgreSQL, against real
// files, a real git repository and a command target that fights back.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { DriftSpec } from '../../lib/core/drift/spec';
import { fileAppSpec } from './specs';
import { driftWorkflow } from '../../workflows';
import { driftStatusQuery, driftSyncUpdate, pauseSignal, resumeSignal, SEARCH_ATTRIBUTES, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { saveHistory } from '../helpers/histories';
import { connectTestTemporal, createTestDatabase, startTestWorkers, testConfig, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { gitRepo } from './git-repo';

describe('drift workflow', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let root: string;
  let stopWorkers: () => Promise<void>;
  const handles: WorkflowHandle[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vigil-drift-wf-'));
    db = await createTestDatabase('drift');
    temporal = await connectTestTemporal();
    const config = testConfig({ dataDir: join(root, 'data') });
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool, config, maxCachedWorkflows: 0 }));
  });
  after(async () => {
    for (const handle of handles) await handle.terminate('test done').catch(() => {});
    await stopWorkers();
    await temporal.close();
    await db.close();
    rmSync(root, { recursive: true, force: true });
  });

  const appName = (prefix: string) => uniqueName(prefix).replace('_', '-');

  const spec = (app: string, overrides: Partial<DriftSpec>) => fileAppSpec(root, app, overrides);

  /** Desired documents in <root>/<app>/desired, live files in <root>/<app>/live. */
  function layout(app: string, desired: Record<string, unknown>, live: Record<string, unknown>) {
    mkdirSync(join(root, app, 'desired'), { recursive: true });
    mkdirSync(join(root, app, 'live'), { recursive: true });
    for (const [target, state] of Object.entries(desired)) writeFileSync(join(root, app, 'desired', `${target}.yaml`), JSON.stringify({ target, state }));
    for (const [target, state] of Object.entries(live)) writeFileSync(join(root, app, 'live', target), JSON.stringify(state));
  }
  const liveFile = (app: string, target: string) => JSON.parse(readFileSync(join(root, app, 'live', target), 'utf8'));

  async function start(driftSpec: DriftSpec, maxChecksPerRun?: number): Promise<WorkflowHandle<typeof driftWorkflow>> {
    const handle = await temporal.client.workflow.start(driftWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.drift(driftSpec.app),
      args: [{ spec: driftSpec, maxChecksPerRun }],
    });
    handles.push(handle);
    return handle;
  }
  const statusOf = (handle: WorkflowHandle) => handle.query(driftStatusQuery);

  it('detect mode: records the redacted drift, notifies nothing to apply, leaves the target alone', async () => {
    const app = appName('detect');
    layout(app, { 'db.json': { user: 'app', password: 'desired-pw', pool: 10 } }, { 'db.json': { user: 'app', password: 'live-pw', pool: 50, extra: true } });
    const handle = await start(spec(app, {}));
    const status = await eventually(async () => {
      const view = await statusOf(handle);
      return view.status === 'drifted' && Boolean(view.held) && view;
    }, 'drifted');
    assert.equal(status.lastCheck!.fields, 3);
    assert.deepEqual(status.lastCheck!.preview, ['db.json /extra added', 'db.json /password changed', 'db.json /pool changed']);
    assert.match(status.held!, /detect mode/);
    assert.deepEqual(liveFile(app, 'db.json'), { user: 'app', password: 'live-pw', pool: 50, extra: true }, 'detect never applies');

    const { rows } = await db.pool.query('SELECT status, fields, drifted FROM drift_state WHERE app = $1', [app]);
    assert.equal(rows[0].status, 'drifted');
    const stored = JSON.stringify(rows[0].drifted);
    assert.doesNotMatch(stored, /desired-pw|live-pw/, 'secrets never reach PostgreSQL');
    assert.match(stored, /\[redacted\]/);
    const events = await db.pool.query('SELECT count(*)::int AS n FROM drift_events WHERE app = $1', [app]);
    assert.equal(events.rows[0].n, 1, 'the same drift seen again is one event');
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM drift_syncs WHERE app = $1', [app])).rows[0].n, 0);

    const described = await eventually(async () => {
      const description = await handle.describe();
      return description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) === 'drifted' && description;
    }, 'VigilStatus=drifted');
    assert.equal(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind), 'drift');
    assert.equal(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.app), app);
    await handle.terminate('recorded');
    await saveHistory(handle, 'drift-detect');
  });

  it('self-heal: applies the desired state, then corrects a later drift as corrective', async () => {
    const app = appName('heal');
    // `minReplicas` belongs to another controller: ignored, and kept as live has it when applying.
    layout(app, { 'web.json': { replicas: 2, image: 'web:1', minReplicas: 1 } }, { 'web.json': { replicas: 5, image: 'web:1', minReplicas: 4 } });
    const handle = await start(spec(app, { mode: 'self-heal', ignore: ['/minReplicas'] }));
    await eventually(async () => (await statusOf(handle)).status === 'in-sync' && (await statusOf(handle)).lastSync, 'healed');
    assert.deepEqual(liveFile(app, 'web.json'), { replicas: 2, image: 'web:1', minReplicas: 4 });

    writeFileSync(join(root, app, 'live', 'web.json'), JSON.stringify({ replicas: 9, image: 'web:1', minReplicas: 3 }));
    const syncs = await eventually(async () => {
      const result = await db.pool.query('SELECT kind, trigger, status, objects, decided_by FROM drift_syncs WHERE app = $1 ORDER BY started_at', [app]);
      return result.rows.length === 2 && result.rows[1].status === 'applied' && result.rows;
    }, 'second sync');
    assert.deepEqual(
      syncs.map((row) => [row.kind, row.trigger, row.status, row.objects, row.decided_by]),
      [
        ['intentional', 'self-heal', 'applied', ['web.json'], 'vigil'],
        ['corrective', 'self-heal', 'applied', ['web.json'], 'vigil'],
      ],
    );
    await eventually(async () => liveFile(app, 'web.json').replicas === 2, 'corrected again');
    assert.deepEqual(liveFile(app, 'web.json'), { replicas: 2, image: 'web:1', minReplicas: 3 });
    await handle.terminate('recorded');
    await saveHistory(handle, 'drift-self-heal');
  });

  it('git source: a new commit changes the revision and the next sync is intentional', async () => {
    const app = appName('git');
    const repo = gitRepo(join(root, app, 'repo'));
    const first = repo.commit({ 'deploy/web.yaml': 'target: web.json\nstate: { replicas: 2 }\n' });
    mkdirSync(join(root, app, 'live'), { recursive: true });
    writeFileSync(join(root, app, 'live', 'web.json'), JSON.stringify({ replicas: 2 }));
    const handle = await start(spec(app, { mode: 'self-heal', source: { type: 'git', repo: repo.dir, ref: 'main', path: 'deploy' } }));
    const synced = await eventually(async () => {
      const view = await statusOf(handle);
      return view.status === 'in-sync' && view;
    }, 'in sync at the first commit');
    assert.equal(synced.revision, first);
    assert.equal(synced.syncedRevision, first);

    const second = repo.commit({ 'deploy/web.yaml': 'target: web.json\nstate: { replicas: 4 }\n' });
    const after = await eventually(async () => {
      const view = await statusOf(handle);
      return view.revision === second && view.status === 'in-sync' && view.lastSync && view;
    }, 'applied the second commit');
    assert.equal(after.lastSync!.kind, 'intentional');
    assert.equal(after.lastSync!.revision, second);
    assert.deepEqual(liveFile(app, 'web.json'), { replicas: 4 });
    const { rows } = await db.pool.query('SELECT revision, kind FROM drift_syncs WHERE app = $1', [app]);
    assert.deepEqual(rows, [{ revision: second, kind: 'intentional' }]);
  });

  it('gives up as contested against a target that reverts every apply', async () => {
    const app = appName('contested');
    mkdirSync(join(root, app, 'desired'), { recursive: true });
    writeFileSync(join(root, app, 'desired', 'x.yaml'), 'target: x\nstate: { mode: managed }\n');
    const applies = join(root, app, 'applies.log');
    writeFileSync(applies, '');
    // Reads always say "mode: theirs" (another controller puts it back at once); applies are counted.
    const script = join(root, app, 'fight.js');
    writeFileSync(
      script,
      `const fs = require('fs'); if (process.argv[2] === 'get') process.stdout.write('{"mode":"theirs"}'); else { process.stdin.resume(); process.stdin.on('end', () => fs.appendFileSync(${JSON.stringify(applies)}, 'apply\\n')); }`,
    );
    const handle = await start(spec(app, { mode: 'self-heal', provider: { type: 'command', read: [process.execPath, script, 'get'], apply: [process.execPath, script, 'set'], timeoutMs: 5_000 } }));
    const view = await eventually(async () => {
      const current = await statusOf(handle);
      return current.selfHeal.gaveUp && current;
    }, 'gave up');
    assert.equal(view.status, 'contested');
    assert.equal(view.selfHeal.gaveUp!.contested, true);
    assert.match(view.selfHeal.gaveUp!.reason, /drifted back after each of \d applies/);
    assert.equal(readFileSync(applies, 'utf8').trim().split('\n').length, 3, 'exactly maxAttempts applies, then it stops fighting');
    // Stays given up: no more applies on later checks.
    const checks = view.checks;
    await eventually(async () => (await statusOf(handle)).checks >= checks + 3, 'more checks');
    assert.equal(readFileSync(applies, 'utf8').trim().split('\n').length, 3);
    const described = await eventually(async () => {
      const description = await handle.describe();
      return description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) === 'contested' && description;
    }, 'VigilStatus=contested');
    assert.ok(described);
  });

  it('sync windows: outside an allow window drift is held; sync refuses without force and applies with it', async () => {
    const app = appName('window');
    layout(app, { 'a.json': { on: true } }, { 'a.json': { on: false } });
    // An allow window that opened on 1 January and closed a minute later: never open now.
    const handle = await start(spec(app, { mode: 'self-heal', windows: [{ kind: 'allow', cron: '0 0 1 1 *', durationMs: 60_000, timezone: 'UTC' }] }));
    const held = await eventually(async () => {
      const view = await statusOf(handle);
      return view.status === 'drifted' && Boolean(view.held) && view;
    }, 'held');
    assert.match(held.held!, /outside the allow windows/);
    assert.deepEqual(liveFile(app, 'a.json'), { on: false });

    const refused = await handle.executeUpdate(driftSyncUpdate, { args: [{ by: 'alice' }] });
    assert.equal(refused.outcome, 'refused');
    assert.match(refused.detail, /outside the allow windows.*use force/);
    const dryRun = await handle.executeUpdate(driftSyncUpdate, { args: [{ by: 'alice', dryRun: true }] });
    assert.deepEqual([dryRun.outcome, dryRun.objects, dryRun.fields], ['dry-run', ['a.json'], ['a.json /on']]);
    assert.deepEqual(liveFile(app, 'a.json'), { on: false }, 'a dry run changes nothing');

    const forced = await handle.executeUpdate(driftSyncUpdate, { args: [{ by: 'alice', force: true }] });
    assert.deepEqual([forced.outcome, forced.objects, forced.trigger, forced.by], ['applied', ['a.json'], 'manual', 'alice']);
    assert.deepEqual(liveFile(app, 'a.json'), { on: true });
    const { rows } = await db.pool.query('SELECT trigger, decided_by, status FROM drift_syncs WHERE app = $1', [app]);
    assert.deepEqual(rows, [{ trigger: 'manual', decided_by: 'alice', status: 'applied' }]);
    await eventually(async () => (await statusOf(handle)).status === 'in-sync', 'in sync');
  });

  it('pause and resume by signal: paused holds self-heal, resume applies', async () => {
    const app = appName('pause');
    layout(app, { 'p.json': { v: 1 } }, { 'p.json': { v: 1 } });
    const handle = await start(spec(app, { mode: 'self-heal' }));
    await eventually(async () => (await statusOf(handle)).status === 'in-sync', 'in sync');
    await handle.signal(pauseSignal, { reason: 'maintenance', by: 'bob' });
    await eventually(async () => (await statusOf(handle)).status === 'paused', 'paused');
    writeFileSync(join(root, app, 'live', 'p.json'), JSON.stringify({ v: 2 }));
    const paused = await eventually(async () => {
      const view = await statusOf(handle);
      return view.lastCheck?.status === 'drifted' && Boolean(view.held) && view;
    }, 'drift seen while paused');
    assert.match(paused.held!, /paused: maintenance/);
    assert.deepEqual(liveFile(app, 'p.json'), { v: 2 });
    await assert.rejects(handle.executeUpdate(driftSyncUpdate, { args: [{}] }), (error: Error) => /paused \(maintenance\); resume it first/.test(String((error.cause as Error)?.message)));
    await handle.signal(resumeSignal, { by: 'bob' });
    await eventually(async () => liveFile(app, 'p.json').v === 1, 'applied after resume');
    await eventually(async () => (await statusOf(handle)).status === 'in-sync', 'in sync');
  });

  it('a bad document is an error on its app with the file named; other apps go on', async () => {
    const bad = appName('bad');
    const good = appName('good');
    layout(good, { 'g.json': { ok: true } }, { 'g.json': { ok: true } });
    mkdirSync(join(root, bad, 'desired'), { recursive: true });
    writeFileSync(join(root, bad, 'desired', 'broken.yaml'), 'target: x\nstate: [1, 2\n');
    const [badHandle, goodHandle] = [await start(spec(bad, {})), await start(spec(good, {}))];
    const view = await eventually(async () => {
      const current = await statusOf(badHandle);
      return current.status === 'error' && current;
    }, 'error');
    assert.match(view.lastCheck!.error!, /broken\.yaml:\d+:\d+/);
    await eventually(async () => (await statusOf(goodHandle)).status === 'in-sync', 'the other app is fine');
    writeFileSync(join(root, bad, 'desired', 'broken.yaml'), 'target: x.json\nstate: [1, 2]\n');
    mkdirSync(join(root, bad, 'live'), { recursive: true });
    writeFileSync(join(root, bad, 'live', 'x.json'), '[1, 2]');
    await eventually(async () => (await statusOf(badHandle)).status === 'in-sync', 'recovers once fixed');
  });

  it('continues as new with its state', async () => {
    const app = appName('can');
    layout(app, { 'c.json': { v: 1 } }, { 'c.json': { v: 0 } });
    // An event from long ago, past the retention: the run that continues as new prunes it.
    await db.pool.query(`INSERT INTO drift_events (check_id, app, at, status) VALUES ($1, $2, now() - interval '400 days', 'drifted')`, [`${app}/old`, app]);
    const handle = await start(spec(app, { mode: 'self-heal' }), 3);
    const firstRun = (await handle.describe()).runId;
    const view = await eventually(async () => {
      const current = await statusOf(handle);
      return current.checks >= 5 && current;
    }, 'five checks over two runs');
    assert.notEqual((await handle.describe()).runId, firstRun);
    assert.equal(view.status, 'in-sync');
    assert.ok(view.lastSync, 'the last sync survived continue-as-new');
    assert.ok(view.syncedRevision);
    const old = await db.pool.query('SELECT count(*)::int AS n FROM drift_events WHERE check_id = $1', [`${app}/old`]);
    assert.equal(old.rows[0].n, 0, 'history past the retention is pruned');
    await saveHistory(handle, 'drift-continued-as-new', firstRun);
  });
});
