// Approving a triage's proposed remediation runs a real remediation (the health
// loop's remediate update, an exec action) exactly once and records who approved;
// a second approval and an approval of nothing are refused.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { workflowIdOf } from '../../lib/core/triage/ids';
import { healthWorkflow } from '../../workflows';
import { taskQueues, triageProgressQuery, workflowIds } from '../../workflows/messages';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';
import { uniqueName } from '../helpers/harness';
import { saveHistory } from '../helpers/histories';
import { countingRestartSpec, proposingRestart, startTriageRig, type TriageRig } from './setup';

describe('triage approval', () => {
  let rig: TriageRig;
  let api: TestApi;
  let served: SerializationWatch;
  let dir: string;
  before(async () => {
    rig = await startTriageRig();
    api = await buildTestApi({ db: rig.db, taskQueuePrefix: rig.temporal.taskQueuePrefix, config: { llm: rig.config.llm } });
    served = watchSerialization(api.app);
    dir = mkdtempSync(join(tmpdir(), 'vigil-approve-'));
  });
  after(async () => {
    await api?.close();
    await rig?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, body: object = {}) => api.app.inject({ method: 'POST', url, headers: bearer('operate'), payload: body });
  const get = async (url: string) => (await api.app.inject({ method: 'GET', url, headers: bearer('read') })).json();
  it('runs the approved remediation once and records who approved it', async () => {
    const service = uniqueName('wedged').replace('_', '-');
    const counter = join(dir, `${service}.restarts`);
    const spec = countingRestartSpec(service, counter);
    const health = await rig.temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec }],
    });
    try {
      rig.anthropic.script('approve', [proposingRestart(service)]);
      const { id } = (await post('/api/v1/triage', { labels: { alertname: 'Wedged', service, scenario: 'approve' } })).json();
      const handle = rig.temporal.client.workflow.getHandle(workflowIdOf(id));
      await eventually(async () => (await handle.query(triageProgressQuery)).phase === 'awaiting-approval', 'awaiting approval');
      // What the dashboard reads to offer Approve / Reject.
      const waiting = await get(`/api/v1/triage/${encodeURIComponent(id)}`);
      assert.deepEqual([waiting.awaitingApproval, waiting.approval, waiting.report.remediation.service], [true, null, service]);
      assert.equal((await get('/api/v1/overview')).triages.find((triage: { id: string }) => triage.id === id).awaitingApproval, true);

      const approved = await post(`/api/v1/triage/${encodeURIComponent(id)}/approve`);
      assert.equal(approved.statusCode, 200, approved.body);
      assert.equal(approved.json().status, 'succeeded');
      assert.equal(approved.json().step, 'restart');
      assert.match(approved.json().decidedBy, /operate-user \(approved triage/);
      const again = await post(`/api/v1/triage/${encodeURIComponent(id)}/approve`);
      assert.equal(again.statusCode, 409);
      assert.match(again.json().message, /already approved by operate-user/);

      assert.equal((await handle.result()).status, 'completed');
      await saveHistory(handle, 'triage-approved');
      assert.equal(readFileSync(counter, 'utf8'), 'x\n', 'the remediation ran exactly once');
      const decided = await get(`/api/v1/triage/${encodeURIComponent(id)}`);
      assert.deepEqual([decided.awaitingApproval, decided.approval.kind, decided.approval.by], [false, 'approved', 'operate-user']);
      const actions = await rig.db.pool.query(`SELECT step, status, decided_by FROM remediation_actions WHERE service = $1`, [service]);
      assert.equal(actions.rows.length, 1);
      assert.match(actions.rows[0].decided_by, /operate-user/);
    } finally {
      await health.terminate();
    }
  });

  it('cancelling a triage whose proposal awaits approval declines it: nothing runs, and a later approval is refused', async () => {
    const service = uniqueName('wedged').replace('_', '-');
    const counter = join(dir, `${service}.restarts`);
    const health = await rig.temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec: countingRestartSpec(service, counter) }],
    });
    try {
      rig.anthropic.script('cancel-proposal', [proposingRestart(service)]);
      const { id } = (await post('/api/v1/triage', { labels: { alertname: 'Wedged', service, scenario: 'cancel-proposal' } })).json();
      const handle = rig.temporal.client.workflow.getHandle(workflowIdOf(id));
      await eventually(async () => (await handle.query(triageProgressQuery)).phase === 'awaiting-approval', 'awaiting approval');
      assert.equal((await post(`/api/v1/triage/${encodeURIComponent(id)}/cancel`, { reason: 'fixed by hand' })).statusCode, 202);
      assert.equal((await handle.result()).status, 'completed', 'the report stands');
      const decided = await get(`/api/v1/triage/${encodeURIComponent(id)}`);
      assert.deepEqual([decided.awaitingApproval, decided.approval.kind, decided.approval.by], [false, 'rejected', 'operate-user']);
      assert.match(decided.approval.reason, /the triage was cancelled: fixed by hand/);
      const late = await post(`/api/v1/triage/${encodeURIComponent(id)}/approve`);
      assert.equal(late.statusCode, 409);
      assert.equal(existsSync(counter), false, 'no remediation ran');
      await saveHistory(handle, 'triage-cancelled-awaiting-approval');
    } finally {
      await health.terminate();
    }
  });

  it('rejection records who rejected; a triage without a proposal has nothing to approve', async () => {
    rig.anthropic.script('reject', [proposingRestart('nothing-here')]);
    const { id } = (await post('/api/v1/triage', { labels: { alertname: 'Wedged', scenario: 'reject' } })).json();
    const handle = rig.temporal.client.workflow.getHandle(workflowIdOf(id));
    await eventually(async () => (await handle.query(triageProgressQuery)).phase === 'awaiting-approval', 'awaiting approval');
    const rejected = await post(`/api/v1/triage/${encodeURIComponent(id)}/reject`, { reason: 'not now' });
    assert.equal(rejected.statusCode, 200, rejected.body);
    assert.equal(rejected.json().kind, 'rejected');
    await handle.result();
    const { rows } = await rig.db.pool.query(`SELECT approval FROM triage_runs WHERE id = $1`, [id]);
    assert.deepEqual([rows[0].approval.kind, rows[0].approval.by, rows[0].approval.reason], ['rejected', 'operate-user', 'not now']);

    rig.anthropic.script('no-proposal', [{ hold: true }]);
    const second = (await post('/api/v1/triage', { labels: { alertname: 'Wedged', scenario: 'no-proposal' } })).json();
    await eventually(async () => rig.anthropic.held() === 1, 'in flight');
    const refused = await post(`/api/v1/triage/${encodeURIComponent(second.id)}/approve`);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().message, /proposes no remediation/);
    rig.anthropic.release();
    // Finished, with nothing proposed: still a refusal (409), not a missing triage.
    await rig.temporal.client.workflow.getHandle(workflowIdOf(second.id)).result();
    const afterwards = await post(`/api/v1/triage/${encodeURIComponent(second.id)}/reject`);
    assert.deepEqual([afterwards.statusCode, afterwards.json().message], [409, `triage "${second.id}" has finished and proposes nothing to decide`]);
    assert.equal((await post('/api/v1/triage/manual~nobody/approve')).statusCode, 404);
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
