// Applying service definitions to Temporal: a health workflow for each new
// service, a `configure` update for each existing one (a no-op when nothing
// changed), and the loops of services no longer defined are terminated.
import type { Client } from '@temporalio/client';
import type { Definition } from '../core/config/definitions';
import type { ServiceDefinitionSpec } from '../core/config/services';
import type { healthWorkflow } from '../../workflows/health';
import { configureUpdate, taskQueues, workflowIds } from '../../workflows/messages';
import { healthSpec } from '../core/health/spec';

export interface ApplyReport {
  started: string[];
  reconfigured: string[];
  unchanged: string[];
  stopped: string[];
}

export async function applyServices(options: {
  client: Client;
  taskQueuePrefix: string;
  services: Definition[];
}): Promise<ApplyReport> {
  const { client } = options;
  const report: ApplyReport = { started: [], reconfigured: [], unchanged: [], stopped: [] };
  const taskQueue = taskQueues(options.taskQueuePrefix).workflows;
  for (const definition of options.services) {
    const spec = healthSpec(definition.spec as ServiceDefinitionSpec);
    const workflowId = workflowIds.health(spec.service);
    const running = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then((description) => description.status.name === 'RUNNING', () => false);
    if (running) {
      const { changed } = await client.workflow.getHandle(workflowId).executeUpdate(configureUpdate, { args: [spec] });
      report[changed ? 'reconfigured' : 'unchanged'].push(spec.service);
      continue;
    }
    // USE_EXISTING: if another apply started it a moment ago, this is a no-op.
    await client.workflow.start<typeof healthWorkflow>('healthWorkflow', {
      taskQueue,
      workflowId,
      args: [{ spec }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Health of ${spec.service}`,
      staticDetails: `Defined in ${definition.source}`,
    });
    report.started.push(spec.service);
  }
  const wanted = new Set(options.services.map((definition) => workflowIds.health(definition.name)));
  const running = client.workflow.list({ query: `VigilKind = 'health' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'` });
  for await (const execution of running) {
    if (wanted.has(execution.workflowId)) continue;
    await client.workflow.getHandle(execution.workflowId).terminate('removed from the configuration');
    report.stopped.push(execution.workflowId.replace(/^health\//, ''));
  }
  return report;
}
