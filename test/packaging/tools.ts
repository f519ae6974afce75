// The validators the packaging tests run, installed by .ci/install-packaging-tools
// (project-local under .tools/, plus promtool and amtool from Debian). Every tool
// runs as an argv list, never through a shell.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const TOOLS = join(ROOT, '.tools');

export const tools = {
  hadolint: join(TOOLS, 'venv', 'bin', 'hadolint'),
  kustomize: join(TOOLS, 'bin', 'kustomize'),
  kubeconform: join(TOOLS, 'bin', 'kubeconform'),
  composeConfig: join(TOOLS, 'bin', 'compose-config'),
  promtool: 'promtool',
  amtool: 'amtool',
};

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool; a missing tool is an error that says how to install it. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const result = spawnSync(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `${command} is not installed: run .ci/install-packaging-tools` : `${command}: ${result.error.message}`);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a tool and returns its stdout; a non-zero exit fails with everything it printed. */
export function runOk(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export type ComposeProject = {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { environment?: string; file?: string }>;
  volumes?: Record<string, unknown>;
};
export type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile?: string };
  entrypoint?: string[] | null;
  command?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: { target: number; published?: string; host_ip?: string }[];
  volumes?: { type: string; source: string; target: string }[];
  depends_on?: Record<string, { condition: string; required: boolean }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  secrets?: { source: string; target?: string }[];
  stop_grace_period?: string;
  profiles?: string[];
  read_only?: boolean;
  networks?: Record<string, { aliases?: string[] } | null>;
};

/** The compose file resolved as `docker compose config` would, with .env.example as the .env file. */
export function composeProject(profiles: string[] = []): ComposeProject {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const args = ['-env-file', join(ROOT, '.env.example'), ...profiles.flatMap((profile) => ['-profile', profile]), join(ROOT, 'docker-compose.yml')];
  return JSON.parse(runOk(tools.composeConfig, args, { env })) as ComposeProject;
}

/** The services that run Vigil's image (built from this checkout). */
export function vigilServices(project: ComposeProject): [string, ComposeService][] {
  return Object.entries(project.services).filter(([, service]) => service.build?.context === ROOT);
}

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: any };

export function kustomizeBuild(dir: string): string {
  return runOk(tools.kustomize, ['build', '--load-restrictor', 'LoadRestrictionsNone', join(ROOT, dir)]);
}

export function k8sSchemaVersion(): string {
  const file = join(TOOLS, 'k8s-schemas', 'version');
  if (!existsSync(file)) throw new Error('Kubernetes schemas are not prepared: run .ci/install-packaging-tools');
  return readFileSync(file, 'utf8').trim();
}

export function k8sSchemaLocation(): string {
  return join(TOOLS, 'k8s-schemas', '{{ .NormalizedKubernetesVersion }}-local-strict', '{{ .ResourceKind }}{{ .KindSuffix }}.json');
}

/** Writes text to a fresh temporary file and returns its path. */
export function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-packaging-')), name);
  writeFileSync(file, text);
  return file;
}
