// Recording histories for the replay tests from a test run:
//   RECORD_HISTORIES=1 npm test -- test/workflows/health.test.ts
// writes test/replay/histories/<name>.json for each saveHistory() call.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

export async function saveHistory(handle: WorkflowHandle, name: string, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await (runId ? handle.client.getHandle(handle.workflowId, runId) : handle).fetchHistory();
  const file = join(__dirname, '..', 'replay', 'histories', `${name}.json`);
  writeFileSync(file, `${historyToJSON(temporal.api.history.v1.History.fromObject(history))}\n`);
}
