// Every recorded history (test/replay/histories/*.json) must replay against the
// current workflow code without nondeterminism: a change that would break
// executions already running in production fails here first.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as workflows from '../../workflows';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { testEnvironment } from '../helpers/harness';

const HISTORIES = join(__dirname, 'histories');

describe('replay of recorded histories', () => {
  const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.json')).sort();

  it('has a recorded history for every workflow the worker registers', async () => {
    const registered = Object.keys(workflows);
    const recorded = new Set(files.map((file) => (JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')) as History).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
    assert.deepEqual(registered.filter((name) => !recorded.has(name)), [], 'record one with test/replay/record-history.ts');
  });

  for (const file of files) {
    it(`replays ${file} without nondeterminism`, async () => {
      const history = JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { codePath: testEnvironment().workflowBundlePath }, replayName: file }, history);
    });
  }
});

interface History {
  events: { workflowExecutionStartedEventAttributes: { workflowType: { name: string } } }[];
}
