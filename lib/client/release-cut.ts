// Crossing a release cut on a Temporal server Vigil runs itself (`vigil up`'s dev
// server). A release may drop the code paths that executions started by an older
// release are replaying on (0.2.0 removed every `patched()` branch), so those
// executions are terminated before the new workers take their tasks; applying the
// definitions then starts every loop afresh. A file in the data directory says
// which release last ran there; a server someone else runs is never touched
// (docs: CHANGELOG.md, "Upgrading").
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';

export interface ReleaseCut {
  /** The release that ran here before, or undefined when none was recorded (0.1.x recorded none). */
  from?: string;
  /** How many running executions of the older release were terminated. */
  terminated: number;
}

export async function crossReleaseCut(options: { client: Client; workflowTaskQueue: string; stampFile: string; version: string }): Promise<ReleaseCut> {
  const { client, workflowTaskQueue, stampFile, version } = options;
  const from = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : undefined;
  if (from === version) return { from, terminated: 0 };
  let terminated = 0;
  const query = `ExecutionStatus = "Running" AND TaskQueue = "${workflowTaskQueue}"`;
  for await (const execution of client.workflow.list({ query })) {
    try {
      await client.workflow.getHandle(execution.workflowId, execution.runId).terminate(`upgraded from ${from ?? 'an earlier release'} to ${version}; started again by apply`);
      terminated += 1;
    } catch (error) {
      // Closed between the list and now: nothing to do.
      if ((error as { name?: string }).name !== 'WorkflowNotFoundError') throw error;
    }
  }
  writeFileSync(stampFile, `${version}\n`);
  return { ...(from ? { from } : {}), terminated };
}
