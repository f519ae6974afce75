// Starting a triage, for every caller that does (the API's Alertmanager intake
// and manual start, the health loop's hand-off when it gives up). Dedupe is
// Temporal's: one workflow id per alert instance, USE_EXISTING so a running triage
// is reused, and REJECT_DUPLICATE first so a closed one is found; a closed one
// younger than the repeat window is not started again, an older one is
// (ALLOW_DUPLICATE). No dedupe table.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { TriageSettings } from '../core/triage/settings';
import type { TriageInput } from '../../workflows/triage';

export interface TriageStarter {
  client: Client;
  taskQueue: string;
  settings: TriageSettings;
  /** A closed triage of the same id younger than this is a repeat; Infinity: never a second run under one id. */
  repeatWindowMs: number;
}

/** 'started': a new run, or the running one joined; 'repeat': a closed run within the repeat window, nothing started. */
export type StartOutcome = 'started' | 'repeat';

const isAlreadyStarted = (error: unknown) => error instanceof WorkflowExecutionAlreadyStartedError || (error as Error)?.name === 'WorkflowExecutionAlreadyStartedError';

/** Starts the triage (or finds it running); resolves once Temporal has acknowledged. */
export async function startTriage(starter: TriageStarter, workflowId: string, input: Omit<TriageInput, 'settings'>): Promise<StartOutcome> {
  const start = (reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') =>
    starter.client.workflow.start('triageWorkflow', {
      taskQueue: starter.taskQueue,
      workflowId,
      args: [{ ...input, settings: starter.settings } satisfies TriageInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
      staticSummary: `Triage of ${input.alert.labels.alertname ?? 'an alert'}${input.alert.labels.service ? ` on ${input.alert.labels.service}` : ''}`,
    });
  try {
    await start('REJECT_DUPLICATE');
    return 'started';
  } catch (error) {
    if (!isAlreadyStarted(error)) throw error;
  }
  if (starter.repeatWindowMs === Infinity) return 'repeat';
  // A closed run of this alert instance exists: a repeat within the window starts nothing.
  const description = await starter.client.workflow.getHandle(workflowId).describe();
  const closedAt = description.closeTime?.getTime() ?? Date.now();
  if (Date.now() - closedAt < starter.repeatWindowMs) return 'repeat';
  await start('ALLOW_DUPLICATE');
  return 'started';
}
