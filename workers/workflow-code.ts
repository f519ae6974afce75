// Where the worker's workflow code comes from: a bundle built ahead of time by
// `npm run build` (production images), else a bundle made at start from sources.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { projectRoot } from '../lib/adapters/paths';

export const PREBUILT_BUNDLE = join(projectRoot(), 'dist', 'workflow-bundle.js');

export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (message) => console.error(message), log() {} },
  });
}

export type WorkflowCode = { code: string } | { codePath: string };

/** The prebuilt bundle when running from dist/, otherwise a fresh one. */
export async function loadWorkflowCode(): Promise<WorkflowCode> {
  if (__filename.endsWith('.js') && existsSync(PREBUILT_BUNDLE)) return { codePath: PREBUILT_BUNDLE };
  const { code } = await bundleWorkflows();
  return { code };
}

export async function writeWorkflowBundle(out: string): Promise<void> {
  const { code } = await bundleWorkflows();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
}
