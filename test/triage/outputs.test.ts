// Where a triage's report goes: PostgreSQL first, then Slack and the generic
// JSON webhook. A Slack outage delays Slack's copy and loses nothing; a retry
// does not send the webhook's copy twice; both say the triage's outcome.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manualWorkflowId, triageIdOf } from '../../lib/core/triage/ids';
import { triageWorkflow } from '../../workflows';
import { taskQueues, triageProgressQuery } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { uniqueName } from '../helpers/harness';
import { SLACK_PATH, startTriageRig, WEBHOOK_PATH, type TriageRig } from './setup';

describe('triage outputs', () => {
  let rig: TriageRig;
  before(async () => {
    rig = await startTriageRig({ webhook: true });
  });
  after(async () => {
    await rig?.close();
  });

  it('a Slack outage loses nothing: the report is readable meanwhile, reaches Slack after, and the webhook gets it once', async () => {
    const report = { summary: 'the payment queue is stuck', rootCause: 'a consumer died', evidence: [], confidence: 'medium', nextSteps: ['restart the consumer'] };
    rig.anthropic.script('outage', [{ content: [{ type: 'text', text: `\`\`\`json\n${JSON.stringify(report)}\n\`\`\`` }], stop_reason: 'end_turn' }]);
    const workflowId = manualWorkflowId(uniqueName('outage'));
    const toSlack = () => rig.slack.requests.filter((request) => request.path === SLACK_PATH);
    const toWebhook = () => rig.slack.requests.filter((request) => request.path === WEBHOOK_PATH);
    rig.slack.outage = SLACK_PATH;
    let handle;
    try {
      handle = await rig.temporal.client.workflow.start(triageWorkflow, {
        taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
        workflowId,
        args: [{ alert: { labels: { alertname: 'PaymentsStuck', service: 'payments', scenario: 'outage' }, annotations: {} }, source: 'manual', settings: rig.settings() }],
      });
      await eventually(async () => toSlack().length >= 1, 'Slack refused the report');
      const { rows } = await rig.db.pool.query('SELECT status, report FROM triage_runs WHERE id = $1', [triageIdOf(workflowId)]);
      assert.deepEqual([rows[0].status, rows[0].report.summary], ['completed', report.summary], 'the report is stored before it is sent');
      assert.equal((await handle.query(triageProgressQuery)).phase, 'reporting');
    } finally {
      rig.slack.outage = undefined;
    }
    assert.equal((await handle.result()).status, 'completed');

    assert.ok(toSlack().length >= 2, `${toSlack().length} posts to Slack`);
    const slackText = JSON.stringify(toSlack().at(-1)!.body);
    assert.match(slackText, /the payment queue is stuck/);
    assert.match(slackText, /\*Status\*\\ncompleted/);
    assert.equal(toWebhook().length, 1, 'the webhook took it the first time and is not sent it again');
    const webhook = toWebhook()[0].body as { version: number; kind: string; service: string; status: string; summary: string; details: string[]; links: { temporal?: string } };
    assert.deepEqual([webhook.version, webhook.kind, webhook.service, webhook.status, webhook.summary], [1, 'triaged', 'payments', 'completed', report.summary]);
    assert.ok(webhook.details.includes('Root cause: a consumer died'));
    assert.match(webhook.links.temporal ?? '', new RegExp(encodeURIComponent(workflowId)));
  });
});
