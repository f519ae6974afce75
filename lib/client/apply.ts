// Applying definitions to their loops in Temporal, the same way for services
// (health loops) and apps (drift loops): a workflow for each new definition, a
// `configure` update for each existing one whose spec differs from the one its
// memo says it has (none is sent when nothing changed), and
// the loops of definitions no longer there are terminated.
import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { AppDefinitionSpec } from '../core/config/apps';
import type { Definition } from '../core/config/definitions';
import type { ServiceDefinitionSpec } from '../core/config/services';
import { driftSpec, type DriftSpec } from '../core/drift/spec';
import { healthSpec, type HealthSpec } from '../core/health/spec';
import { SPEC_DIGEST_MEMO, specDigest } from '../core/spec-digest';
import { configureUpdate, driftConfigureUpdate, taskQueues, workflowIds } from '../../workflows/messages';

export interface ApplyReport {
  started: string[];
  reconfigured: string[];
  unchanged: string[];
  stopped: string[];
}

/** What differs between the kinds of loop; the rest of applying is the same. */
interface LoopKind<Spec> {
  workflowType: string;
  workflowId: (name: string) => string;
  spec: (definition: Definition) => Spec;
  nameOf: (spec: Spec) => string;
  configure: UpdateDefinition<{ changed: boolean }, [Spec]>;
  summary: (spec: Spec) => string;
}

const health: LoopKind<HealthSpec> = {
  workflowType: 'healthWorkflow',
  workflowId: workflowIds.health,
  spec: (definition) => healthSpec(definition.spec as ServiceDefinitionSpec),
  nameOf: (spec) => spec.service,
  configure: configureUpdate,
  summary: (spec) => `Health of ${spec.service}`,
};

const drift: LoopKind<DriftSpec> = {
  workflowType: 'driftWorkflow',
  workflowId: workflowIds.drift,
  spec: (definition) => driftSpec(definition.spec as AppDefinitionSpec),
  nameOf: (spec) => spec.app,
  configure: driftConfigureUpdate,
  summary: (spec) => `Drift of ${spec.app} (${spec.mode})`,
};

export const LOOP_KINDS = { health, drift };
/** The loop kind, as its VigilKind search attribute and its workflow-id prefix say it. */
export type LoopKindName = keyof typeof LOOP_KINDS;

export interface ApplyOptions {
  client: Client;
  taskQueuePrefix: string;
  definitions: Definition[];
}

export async function applyLoops(kindName: LoopKindName, options: ApplyOptions): Promise<ApplyReport> {
  return applyKind(kindName, LOOP_KINDS[kindName] as LoopKind<unknown>, options);
}

async function applyKind<Spec>(kindName: LoopKindName, kind: LoopKind<Spec>, { client, taskQueuePrefix, definitions }: ApplyOptions): Promise<ApplyReport> {
  const report: ApplyReport = { started: [], reconfigured: [], unchanged: [], stopped: [] };
  const taskQueue = taskQueues(taskQueuePrefix).workflows;
  for (const definition of definitions) {
    const spec = kind.spec(definition);
    const name = kind.nameOf(spec);
    const workflowId = kind.workflowId(name);
    const description = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    if (description?.status.name === 'RUNNING') {
      // The loop already has this spec (its memo says so): nothing to send.
      if (description.memo?.[SPEC_DIGEST_MEMO] === specDigest(spec)) {
        report.unchanged.push(name);
        continue;
      }
      const { changed } = await client.workflow.getHandle(workflowId).executeUpdate(kind.configure, { args: [spec] });
      report[changed ? 'reconfigured' : 'unchanged'].push(name);
      continue;
    }
    await startLoop(kindName, { client, taskQueuePrefix, definition, input: { spec } });
    report.started.push(name);
  }
  const wanted = new Set(definitions.map((definition) => kind.workflowId(definition.name)));
  const prefix = kind.workflowId('');
  const running = client.workflow.list({ query: `VigilKind = '${kindName}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'` });
  for await (const execution of running) {
    if (wanted.has(execution.workflowId)) continue;
    await client.workflow.getHandle(execution.workflowId).terminate('removed from the configuration');
    report.stopped.push(execution.workflowId.slice(prefix.length));
  }
  return report;
}

/**
 * Starts the loop of a definition with `input` (its spec, and the state it carries on
 * with when the supervisor restarts it). USE_EXISTING: if another apply or the
 * supervisor started it a moment ago, this is a no-op.
 */
export async function startLoop(kindName: LoopKindName, options: { client: Client; taskQueuePrefix: string; definition: Definition; input: { spec: unknown } }): Promise<void> {
  const kind = LOOP_KINDS[kindName] as LoopKind<unknown>;
  const { spec } = options.input;
  await options.client.workflow.start(kind.workflowType, {
    taskQueue: taskQueues(options.taskQueuePrefix).workflows,
    workflowId: kind.workflowId(kind.nameOf(spec)),
    args: [options.input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: kind.summary(spec),
    staticDetails: `Defined in ${options.definition.source}`,
    // The loop keeps it current on every configure (workflows/spec-memo.ts): apply compares it and skips the update.
    memo: { [SPEC_DIGEST_MEMO]: specDigest(spec) },
  });
}

/** Health loops for service definitions. */
export const applyServices = (options: { client: Client; taskQueuePrefix: string; services: Definition[] }) => applyLoops('health', { ...options, definitions: options.services });

/** Drift loops for app definitions. */
export const applyApps = (options: { client: Client; taskQueuePrefix: string; apps: Definition[] }) => applyLoops('drift', { ...options, definitions: options.apps });
