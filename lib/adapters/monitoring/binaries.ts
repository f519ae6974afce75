// Finds the Prometheus and Alertmanager executables for `vigil up`, installing
// Debian's packages when it may (root, apt-get on PATH), as the test harness
// does (test/tools.ts). Neither is required: when one is missing and cannot be
// installed, `vigil up` says how to install it and goes on without it.
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MonitoringTool {
  name: 'Prometheus' | 'Alertmanager';
  /** Names tried on PATH, in order: Debian's first, then the upstream tarball's. */
  executables: string[];
  debianPackage: string;
  download: string;
}

export const PROMETHEUS_TOOL: MonitoringTool = { name: 'Prometheus', executables: ['prometheus'], debianPackage: 'prometheus', download: 'https://prometheus.io/download/' };
export const ALERTMANAGER_TOOL: MonitoringTool = {
  name: 'Alertmanager',
  executables: ['prometheus-alertmanager', 'alertmanager'],
  debianPackage: 'prometheus-alertmanager',
  download: 'https://prometheus.io/download/#alertmanager',
};

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

export function findOnPath(names: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of names) for (const dir of dirs) if (isExecutable(join(dir, name))) return join(dir, name);
  return undefined;
}

export const installLine = (tools: MonitoringTool[]) => `apt-get install -y --no-install-recommends ${tools.map((tool) => tool.debianPackage).join(' ')}`;

/**
 * The executable of each tool, by tool name; a tool that is neither found nor
 * installed is missing from the result, and `say` has told the user how to get it.
 */
export async function provisionMonitoringTools(tools: MonitoringTool[], options: { say: (line: string) => void; env?: NodeJS.ProcessEnv; mayInstall?: boolean }): Promise<Map<MonitoringTool, string>> {
  const env = options.env ?? process.env;
  const found = new Map<MonitoringTool, string>();
  for (const tool of tools) {
    const path = findOnPath(tool.executables, env);
    if (path) found.set(tool, path);
  }
  const missing = tools.filter((tool) => !found.has(tool));
  if (!missing.length) return found;
  const mayInstall = (options.mayInstall ?? process.getuid?.() === 0) && findOnPath(['apt-get'], env) !== undefined;
  if (mayInstall) {
    options.say(
      `${missing.map((tool) => tool.name).join(' and ')} not found on PATH; installing Debian's ${missing.map((tool) => tool.debianPackage).join(', ')} (apt-get update && ${installLine(missing)}) ...`,
    );
    try {
      const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
      await run('apt-get', ['update'], { env: aptEnv, timeout: 10 * 60_000 });
      await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing.map((tool) => tool.debianPackage)], { env: aptEnv, timeout: 10 * 60_000 });
    } catch (error) {
      options.say(`apt-get failed: ${lastLine(error)}`);
    }
    for (const tool of missing) {
      const path = findOnPath(tool.executables, env);
      if (path) found.set(tool, path);
    }
  }
  for (const tool of tools.filter((candidate) => !found.has(candidate))) {
    options.say(`${tool.name} not found; going on without it. To have vigil up run one: ${installLine([tool])} (as root), or put ${tool.executables.at(-1)} from ${tool.download} on PATH`);
  }
  return found;
}

function lastLine(error: unknown): string {
  const err = error as { stderr?: string; message?: string };
  return (err.stderr?.trim() || err.message || String(error)).split('\n').filter(Boolean).slice(-1)[0] ?? 'failed';
}
