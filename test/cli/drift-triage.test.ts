// `vigil drift …` and `vigil triage …` as a user runs them: the real CLI as a
// child process against the real API on a port, with the project's workers, a
// drift loop over files, a health loop with a real exec remediation, and the
// Anthropic fixture proposing that remediation for a human to approve.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { driftWorkflow, healthWorkflow } from '../../workflows';
import { taskQueues, workflowIds } from '../../workflows/messages';
import { buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { uniqueName } from '../helpers/harness';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';
import { runOperator } from '../helpers/vigil-process';
import { fileAppSpec } from '../drift/specs';
import { countingRestartSpec, proposingRestart, startTriageRig, type TriageRig } from '../triage/setup';

describe('vigil drift and vigil triage against a running API', () => {
  let rig: TriageRig;
  let api: TestApi;
  let apiUrl: string;
  let root: string;
  let served: SerializationWatch;
  const app = uniqueName('site').replace('_', '-');
  const service = uniqueName('wedged').replace('_', '-');
  const vigil = (args: string[], token: string = TOKENS.operate) => runOperator(args, { apiUrl, token });

  before(async () => {
    rig = await startTriageRig();
    api = await buildTestApi({ db: rig.db, taskQueuePrefix: rig.temporal.taskQueuePrefix, config: { llm: rig.config.llm } });
    served = watchSerialization(api.app);
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    apiUrl = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
    root = mkdtempSync(join(tmpdir(), 'vigil-cli-drift-'));
    for (const side of ['desired', 'live']) mkdirSync(join(root, app, side), { recursive: true });
    writeFileSync(join(root, app, 'desired', 'web.yaml'), JSON.stringify({ target: 'web.json', state: { replicas: 2, image: 'web:1' } }));
    writeFileSync(join(root, app, 'live', 'web.json'), JSON.stringify({ replicas: 2, image: 'web:1' }));
    const queue = taskQueues(rig.temporal.taskQueuePrefix).workflows;
    await rig.temporal.client.workflow.start(driftWorkflow, { taskQueue: queue, workflowId: workflowIds.drift(app), args: [{ spec: fileAppSpec(root, app) }] });
  });
  after(async () => {
    for (const workflowId of [workflowIds.drift(app), workflowIds.health(service)])
      await rig.temporal.client.workflow
        .getHandle(workflowId)
        .terminate()
        .catch(() => {});
    await api?.close();
    await rig?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('drift: lists and shows an app, shows each drifted field, syncs on demand, and refuses a sync while paused', async () => {
    await eventually(async () => new RegExp(`^${app}\\s+detect\\s+in-sync\\s+sha256:`, 'm').test((await vigil(['drift', 'list'])).stdout), 'listed in sync');

    writeFileSync(join(root, app, 'live', 'web.json'), JSON.stringify({ replicas: 5, image: 'web:1' }));
    const shown = await eventually(async () => {
      const ran = await vigil(['drift', 'show', app]);
      return /^status\s+drifted/m.test(ran.stdout) && ran.stdout;
    }, 'show says drifted');
    assert.match(shown, /^mode\s+detect$/m);
    assert.match(shown, /^OBJECT\s+FIELD\s+CHANGE$/m);
    assert.match(shown, /^web\.json\s+\/replicas\s+changed$/m);

    const synced = await vigil(['drift', 'sync', app]);
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, /^applied sha256:\S+ \(corrective\): web\.json$/m);
    assert.deepEqual(JSON.parse(readFileSync(join(root, app, 'live', 'web.json'), 'utf8')), { replicas: 2, image: 'web:1' });

    const paused = await vigil(['drift', 'pause', app, '--reason', 'migrating', '--until', '1h']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, new RegExp(`^paused applying to ${app} until \\S+Z \\(checks go on\\)\n$`));
    await eventually(async () => /^paused\s+yes, until \S+ by operate-user: migrating$/m.test((await vigil(['drift', 'show', app])).stdout), 'show says paused');
    const refused = await vigil(['drift', 'sync', app]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /paused/);
    const resumed = await vigil(['drift', 'resume', app]);
    assert.deepEqual([resumed.code, resumed.stdout], [0, `resumed applying to ${app}\n`]);

    const history = await vigil(['drift', 'history', app, '--limit', '5']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^AT\s+OUTCOME\s+KIND\s+TRIGGER\s+BY\s+REVISION\s+OBJECTS$/m);
    assert.match(history.stdout, /^\S+Z\s+applied\s+corrective\s+manual\s+operate-user\s+sha256:\S+\s+web\.json$/m);
    assert.equal((await vigil(['drift', 'show', 'no-such-app'])).code, 1);
    assert.equal((await vigil(['drift', 'sync'])).code, 2, 'a missing APP is a usage error');
  });

  it('triage: starts one, shows its proposal, and a human approves it from the terminal exactly once', async () => {
    const restarts = join(root, 'restarts');
    const spec = countingRestartSpec(service, restarts);
    await rig.temporal.client.workflow.start(healthWorkflow, { taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows, workflowId: workflowIds.health(service), args: [{ spec }] });
    rig.anthropic.script('cli', [proposingRestart(service)]);

    assert.equal((await vigil(['triage', 'start', '--label', 'no-equals-sign'])).code, 2);
    const started = await vigil(['triage', 'start', '--label', 'alertname=Wedged', '--label', `service=${service}`, '--label', 'scenario=cli', '--question', 'why is it stuck?']);
    assert.equal(started.code, 0, started.stderr);
    const id = /^started triage (\S+)/.exec(started.stdout)?.[1];
    assert.ok(id, started.stdout);

    await eventually(
      async () => new RegExp(`^\\S+Z\\s+${id}\\s+Wedged\\s+${service}\\s+completed, awaiting approval\\s+${service} is wedged$`, 'm').test((await vigil(['triage', 'list'])).stdout),
      'listed as awaiting approval',
    );
    const shown = await vigil(['triage', 'show', id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Root cause \(confidence high\)\n {2}stuck worker pool$/m);
    assert.match(shown.stdout, new RegExp(`^Proposed remediation\\n {2}restart on ${service}: clears the stuck pool\\n {2}awaiting approval: vigil triage approve ${id}$`, 'm'));

    assert.equal((await vigil(['triage', 'approve', id], TOKENS.read)).code, 1, 'a read token may not approve');
    const approved = await vigil(['triage', 'approve', id]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^approved: restart succeeded \(decided by operate-user \(approved triage/);
    const again = await vigil(['triage', 'approve', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already approved by operate-user/);
    assert.equal(readFileSync(restarts, 'utf8'), 'x\n', 'the remediation ran exactly once');
    assert.match((await vigil(['triage', 'show', id])).stdout, /^ {2}approved by operate-user$/m);
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
