// The programs some test files need besides Node (Debian's packages), found before
// anything starts so that a missing one costs seconds, not a hung run. A file needs
// a tool when it imports, directly or through other test modules, the helper that
// runs it. A missing tool is installed with apt-get when we may (root, apt-get on
// PATH, TEST_NO_INSTALL unset), saying so; otherwise the run stops at once
// with the line that installs it.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

interface Tool {
  /** What the helper runs, and the env var a developer can point elsewhere. */
  name: string;
  envVar: string;
  defaultPath: string;
  debianPackage: string;
  /** The helper module (relative to test/) whose importers need the tool. */
  helper: string;
}

const TOOLS: Tool[] = [
  { name: 'Prometheus', envVar: 'TEST_PROMETHEUS', defaultPath: '/usr/bin/prometheus', debianPackage: 'prometheus', helper: 'helpers/prometheus.ts' },
  { name: 'Alertmanager', envVar: 'TEST_ALERTMANAGER', defaultPath: '/usr/bin/prometheus-alertmanager', debianPackage: 'prometheus-alertmanager', helper: 'helpers/alertmanager.ts' },
  { name: 'Chromium', envVar: 'TEST_CHROMIUM', defaultPath: '/usr/bin/chromium', debianPackage: 'chromium', helper: 'helpers/browser.ts' },
];

/** Every test module `file` imports, transitively (relative imports under test/ only). */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file) || !existsSync(file)) return seen;
  seen.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), spec);
    // A folder import means its index.ts.
    const imported = [`${target}.ts`, join(target, 'index.ts'), target].find((path) => existsSync(path) && statSync(path).isFile());
    if (imported) importsOf(imported, seen);
  }
  return seen;
}

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, name)));

export class MissingTool extends Error {}

/**
 * Makes sure the tools that `files` need are there. Throws MissingTool naming the
 * install line when one is missing and cannot be installed here.
 */
export function provisionTestTools(root: string, files: string[], say: (line: string) => void): void {
  const needed = new Map<Tool, string[]>();
  for (const file of files) {
    const modules = importsOf(resolve(root, file));
    for (const tool of TOOLS) if (modules.has(join(root, 'test', tool.helper))) needed.set(tool, [...(needed.get(tool) ?? []), file]);
  }
  const missing = [...needed].filter(([tool]) => !executable(process.env[tool.envVar] ?? tool.defaultPath));
  if (!missing.length) return;
  const packages = missing.map(([tool]) => tool.debianPackage);
  const why = missing.map(([tool, users]) => `${tool.name} (${process.env[tool.envVar] ?? tool.defaultPath}) for ${users.length} file(s), e.g. ${users[0]}`).join('; ');
  const installLine = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  // A path chosen by hand is not ours to fill; nor is a machine we are not root on.
  const mayInstall = !process.env.TEST_NO_INSTALL && process.getuid?.() === 0 && onPath('apt-get') && missing.every(([tool]) => !process.env[tool.envVar]);
  if (!mayInstall) throw new MissingTool(`missing: ${why}. Install with: ${installLine} (as root), or set ${missing.map(([tool]) => tool.envVar).join('/')} to its path`);
  say(`missing: ${why}; installing Debian's ${packages.join(', ')} (${installLine}) ...`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000 });
    if (result.status !== 0)
      throw new MissingTool(
        `apt-get ${args[0]} failed (${result.error?.message ?? `exit ${result.status}`}): ${String(result.stderr).trim().split('\n').slice(-3).join(' / ')}. Install with: ${installLine}`,
      );
  }
  const still = missing.filter(([tool]) => !executable(tool.defaultPath));
  if (still.length) throw new MissingTool(`installed ${packages.join(', ')} but ${still.map(([tool]) => tool.defaultPath).join(', ')} is still missing`);
  say(`installed ${packages.join(', ')}`);
}
