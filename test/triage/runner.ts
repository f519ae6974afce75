// Runs a scripted triage on the rig to its end, for the loop tests: the model
// fixture answers with `replies`, the workflow runs on the rig's workers, and the
// stored run and the requests the model got come back to assert on.
import type { WorkflowHandle } from '@temporalio/client';
import { manualWorkflowId, triageIdOf } from '../../lib/core/triage/ids';
import type { TriageSettings } from '../../lib/core/triage/settings';
import { triageWorkflow } from '../../workflows';
import { taskQueues } from '../../workflows/messages';
import type { Reply } from '../fixtures/anthropic';
import { uniqueName } from '../helpers/harness';
import type { TriageRig } from './setup';

/** A final answer with the report as a JSON block (the fallback path). */
export const answer = (summary: string): Reply => ({
  content: [{ type: 'text', text: `Done.\n\`\`\`json\n{"summary":"${summary}","rootCause":"rc of ${summary}","evidence":[],"confidence":"medium","nextSteps":[]}\n\`\`\`` }],
  stop_reason: 'end_turn',
});
export const tool = (id: string, name: string, input: Record<string, unknown> = {}) => ({ type: 'tool_use' as const, id, name, input });

export const lastUserText = (request: { body: { messages: { role: string; content: { type: string; text?: string; content?: unknown }[] }[] } }) =>
  JSON.stringify(request.body.messages.filter((message) => message.role === 'user').at(-1)?.content);

export function triageRunner(rig: () => TriageRig) {
  async function start(scenario: string, settings: Partial<TriageSettings> = {}, labels: Record<string, string> = {}) {
    const workflowId = manualWorkflowId(uniqueName(scenario));
    const handle: WorkflowHandle<typeof triageWorkflow> = await rig().temporal.client.workflow.start(triageWorkflow, {
      taskQueue: taskQueues(rig().temporal.taskQueuePrefix).workflows,
      workflowId,
      args: [{ alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario, ...labels }, annotations: {} }, source: 'manual', settings: rig().settings(settings) }],
    });
    return { handle, triageId: triageIdOf(workflowId) };
  }
  async function run(scenario: string, replies: Reply[], settings: Partial<TriageSettings> = {}, labels: Record<string, string> = {}) {
    rig().anthropic.script(scenario, replies);
    const started = await start(scenario, settings, labels);
    const result = await started.handle.result();
    const { rows } = await rig().db.pool.query('SELECT status, report, budget FROM triage_runs WHERE id = $1', [started.triageId]);
    return { ...started, result, run: rows[0], billed: rig().anthropic.billed(scenario), all: rig().anthropic.requests.filter((request) => request.scenario === scenario) };
  }
  return { start, run };
}
