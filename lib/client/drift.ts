// Applying app definitions to Temporal, like lib/health/apply.ts does for
// services: a drift workflow for each new app, a `configure` update for each
// existing one (a no-op when nothing changed), and the loops of apps no longer
// defined are terminated.
import type { Client } from '@temporalio/client';
import type { AppDefinitionSpec } from '../core/config/apps';
import type { Definition } from '../core/config/definitions';
import type { ApplyReport } from './health';
import type { driftWorkflow } from '../../workflows/drift';
import { driftConfigureUpdate, taskQueues, workflowIds } from '../../workflows/messages';
import { driftSpec } from '../core/drift/spec';

export async function applyApps(options: { client: Client; taskQueuePrefix: string; apps: Definition[] }): Promise<ApplyReport> {
  const { client } = options;
  const report: ApplyReport = { started: [], reconfigured: [], unchanged: [], stopped: [] };
  const taskQueue = taskQueues(options.taskQueuePrefix).workflows;
  for (const definition of options.apps) {
    const spec = driftSpec(definition.spec as AppDefinitionSpec);
    const workflowId = workflowIds.drift(spec.app);
    const running = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then((description) => description.status.name === 'RUNNING', () => false);
    if (running) {
      const { changed } = await client.workflow.getHandle(workflowId).executeUpdate(driftConfigureUpdate, { args: [spec] });
      report[changed ? 'reconfigured' : 'unchanged'].push(spec.app);
      continue;
    }
    await client.workflow.start<typeof driftWorkflow>('driftWorkflow', {
      taskQueue,
      workflowId,
      args: [{ spec }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Drift of ${spec.app} (${spec.mode})`,
      staticDetails: `Defined in ${definition.source}`,
    });
    report.started.push(spec.app);
  }
  const wanted = new Set(options.apps.map((definition) => workflowIds.drift(definition.name)));
  const running = client.workflow.list({ query: `VigilKind = 'drift' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'` });
  for await (const execution of running) {
    if (wanted.has(execution.workflowId)) continue;
    await client.workflow.getHandle(execution.workflowId).terminate('removed from the configuration');
    report.stopped.push(execution.workflowId.replace(/^drift\//, ''));
  }
  return report;
}
