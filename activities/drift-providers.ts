// Live state and how to apply it, per provider:
// - file: a file on this machine, structured (JSON/YAML) or whole content and
//   mode; apply writes a temp file and renames it over (never half-written) and
//   keeps the previous version beside it as <file>.vigil-prev for rollback;
// - http: GET a JSON state endpoint, apply with PUT/PATCH/POST; header secrets
//   from env vars named in the config;
// - command: argv that prints the live state as JSON (`null`: no such object),
//   argv that applies the desired JSON given on stdin; no shell.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';
import type { LiveRead } from '../lib/core/drift/compare';
import type { ProviderSpec } from '../lib/core/drift/spec';
import { ExecError, inheritedEnv, runCommand } from '../lib/adapters/process/run';

export interface Provider {
  /** Reads one object's live state. `desired` tells a text file whether its mode is managed. Never throws for the object's own problems. */
  read(target: string, desired: unknown): Promise<LiveRead>;
  /** Makes the object look like `state`; throws ProviderError when it could not. */
  apply(target: string, state: unknown): Promise<void>;
}

export class ProviderError extends Error {
  override name = 'ProviderError';
}

export function providerFor(spec: ProviderSpec, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Provider {
  if (spec.type === 'file') return fileProvider(spec);
  if (spec.type === 'http') return httpProvider(spec, options.env ?? process.env, options.signal);
  return commandProvider(spec, options.signal);
}

export const PREVIOUS_SUFFIX = '.vigil-prev';

type Format = 'json' | 'yaml' | 'text';

function fileProvider(spec: Extract<ProviderSpec, { type: 'file' }>): Provider {
  const pathOf = (target: string) => (isAbsolute(target) ? target : resolve(spec.root || '.', target));
  const formatOf = (path: string): Format => {
    if (spec.format !== 'auto') return spec.format;
    const extension = extname(path).toLowerCase();
    return extension === '.json' ? 'json' : extension === '.yaml' || extension === '.yml' ? 'yaml' : 'text';
  };
  return {
    async read(target, desired) {
      const path = pathOf(target);
      let content: string;
      let mode: number;
      try {
        [content, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((stats) => stats.mode & 0o7777)]);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { target, exists: false };
        return { target, error: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
      }
      const format = formatOf(path);
      if (format === 'text') {
        const managesMode = typeof desired === 'object' && desired !== null && 'mode' in desired;
        return { target, exists: true, state: managesMode ? { content, mode: formatMode(mode) } : { content } };
      }
      try {
        return { target, exists: true, state: format === 'json' ? JSON.parse(content) : YAML.parse(content) };
      } catch (error) {
        return { target, error: `${path}: not valid ${format.toUpperCase()}: ${(error as Error).message.split('\n')[0]}` };
      }
    },
    async apply(target, state) {
      const path = pathOf(target);
      const format = formatOf(path);
      let content: string;
      let mode: number | undefined;
      if (format === 'text') {
        const text = state as { content?: unknown; mode?: unknown };
        if (typeof text?.content !== 'string') throw new ProviderError(`${target}: a text file's state needs "content" (a string)`);
        content = text.content;
        if (text.mode !== undefined) mode = parseMode(text.mode, target);
      } else {
        content = format === 'json' ? `${JSON.stringify(state, null, 2)}\n` : YAML.stringify(state);
      }
      await writeAtomically(path, content, mode);
    },
  };
}

function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function parseMode(mode: unknown, target: string): number {
  const text = String(mode);
  if (!/^0?[0-7]{3,4}$/.test(text)) throw new ProviderError(`${target}: mode must be octal like "0644", got ${JSON.stringify(mode)}`);
  return parseInt(text, 8);
}

/** temp file in the same directory → fsync → rename over the target. The old version is kept as <file>.vigil-prev. */
async function writeAtomically(path: string, content: string, mode?: number): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const previousMode = await stat(path).then(
    (stats) => stats.mode & 0o7777,
    () => undefined,
  );
  if (previousMode !== undefined) await copyFile(path, `${path}${PREVIOUS_SUFFIX}`);
  const temp = join(dir, `.${basename(path)}.vigil-tmp-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', mode ?? previousMode ?? 0o644);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await chmod(temp, mode ?? previousMode ?? 0o644); // open()'s mode is filtered by the umask
  await rename(temp, path);
}

function httpProvider(spec: Extract<ProviderSpec, { type: 'http' }>, env: NodeJS.ProcessEnv, signal?: AbortSignal): Provider {
  const urlOf = (target: string) => `${spec.baseUrl.replace(/\/+$/, '')}/${target.replace(/^\/+/, '')}`;
  const headers = (): Record<string, string> => {
    const out: Record<string, string> = { accept: 'application/json', ...spec.headers };
    for (const [name, variable] of Object.entries(spec.headersEnv ?? {})) {
      const value = env[variable];
      if (!value) throw new ProviderError(`env var ${variable} (header ${name}) is not set`);
      out[name] = value;
    }
    return out;
  };
  const call = async (method: string, target: string, body?: string) => {
    const timeout = AbortSignal.timeout(spec.timeoutMs);
    try {
      return await fetch(urlOf(target), {
        method,
        headers: body === undefined ? headers() : { ...headers(), 'content-type': 'application/json' },
        body,
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      const why = timeout.aborted ? `timed out after ${spec.timeoutMs} ms` : String((error as Error).cause ?? (error as Error).message);
      throw new ProviderError(`${method} ${target}: ${why}`);
    }
  };
  return {
    async read(target) {
      let response: Response;
      try {
        response = await call('GET', target);
      } catch (error) {
        return { target, error: (error as Error).message };
      }
      const text = await response.text();
      if (response.status === 404) return { target, exists: false };
      if (!response.ok) return { target, error: `GET ${target}: HTTP ${response.status}` };
      try {
        return { target, exists: true, state: JSON.parse(text) };
      } catch {
        return { target, error: `GET ${target}: the answer is not JSON` };
      }
    },
    async apply(target, state) {
      const response = await call(spec.applyMethod, target, JSON.stringify(state));
      await response.arrayBuffer();
      if (!response.ok) throw new ProviderError(`${spec.applyMethod} ${target}: HTTP ${response.status}`);
    },
  };
}

function commandProvider(spec: Extract<ProviderSpec, { type: 'command' }>, signal?: AbortSignal): Provider {
  const argvFor = (argv: string[], target: string) => argv.map((arg) => arg.split('{target}').join(target));
  const options = { timeoutMs: spec.timeoutMs, env: inheritedEnv(spec.env), cwd: spec.cwd, signal };
  return {
    async read(target) {
      const argv = argvFor(spec.read, target);
      try {
        const result = await runCommand(argv, options);
        if (result.code !== 0) return { target, error: `${argv[0]} exited ${result.code}${result.stderr ? `: ${result.stderr.slice(-300)}` : ''}` };
        const text = result.stdout.toString('utf8').trim();
        let state: unknown;
        try {
          state = JSON.parse(text);
        } catch {
          return { target, error: `${argv[0]} printed no JSON: ${JSON.stringify(text.slice(0, 80))}` };
        }
        return state === null ? { target, exists: false } : { target, exists: true, state };
      } catch (error) {
        return { target, error: (error as Error).message };
      }
    },
    async apply(target, state) {
      const argv = argvFor(spec.apply, target);
      let result;
      try {
        result = await runCommand(argv, { ...options, input: JSON.stringify(state) });
      } catch (error) {
        throw new ProviderError(error instanceof ExecError ? error.message : String(error));
      }
      if (result.code !== 0) throw new ProviderError(`${argv[0]} exited ${result.code}${result.stderr ? `: ${result.stderr.slice(-300)}` : ''}`);
    },
  };
}
