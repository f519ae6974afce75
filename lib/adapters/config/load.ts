// Loads the config directory: vigil.yaml (settings, fatal if wrong) plus
// definition files (services, apps, policies; a bad one is rejected alone).
// Order: parse YAML → apply env overrides → validate and fill defaults.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import YAML, { LineCounter } from 'yaml';
import { applyEnvOverrides } from '../../core/config/env';
import { ConfigError, type ConfigProblem } from '../../core/config/errors';
import { DEFINITION_KINDS, emptyDefinitions, type DefinitionKind, type Definitions } from '../../core/config/definitions';
import { expandSettingReferences, positionOf } from '../../core/config/references';
import { VigilConfigSchema, withDefaultPrices, type VigilConfig } from '../../core/config/schema';
import { suggest, validateDocument } from '../../core/config/validate';

export const MAIN_FILE = 'vigil.yaml';

export interface LoadedConfig {
  /** Absolute path of the config directory. */
  dir: string;
  config: VigilConfig;
  definitions: Definitions;
  /** Definitions that were rejected; the rest loaded. */
  rejected: ConfigProblem[];
}

export interface LoadOptions {
  dir?: string;
  env?: NodeJS.ProcessEnv;
  /** vigil.yaml only, no definitions (which cost most of the load): for the operator commands, which need the API's address and dataDir. */
  settingsOnly?: boolean;
}

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIL_CONFIG_DIR || 'configs';
}

/** Throws ConfigError when vigil.yaml or the env overrides are wrong. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const dir = resolve(options.dir ?? defaultConfigDir(env));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError([{ source: display(dir), path: '', message: 'config directory not found' }]);
  }
  const config = loadMainFile(join(dir, MAIN_FILE), env);
  const { definitions, rejected } = options.settingsOnly ? { definitions: emptyDefinitions(), rejected: [] } : loadDefinitions(dir, config);
  return { dir, config, definitions, rejected };
}

function loadMainFile(file: string, env: NodeJS.ProcessEnv): VigilConfig {
  const source = display(file);
  // A missing file and one with only comments both mean: all defaults.
  const document = (existsSync(file) ? parseYaml(file) : null) ?? {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ source, path: '', message: 'must be a mapping of settings' }]);
  }
  const { overrides, problems } = applyEnvOverrides(VigilConfigSchema, document as Record<string, unknown>, env);
  const invalid = validateDocument(VigilConfigSchema, document, source).map((problem) => {
    // The variable that set this value: the last one applied at its path or above it
    // (a later override replaces an earlier one; a JSON list covers its elements).
    const pointer = toPointerish(problem.path);
    const override = overrides.findLast((candidate) => pointer === candidate.pointer || pointer.startsWith(`${candidate.pointer}/`));
    return override ? { ...problem, source: `env ${override.name}` } : problem;
  });
  if (problems.length || invalid.length) throw new ConfigError([...problems, ...invalid]);
  return withDefaultPrices(document as VigilConfig);
}

function toPointerish(path: string): string {
  return `/${path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .join('/')}`;
}

function loadDefinitions(dir: string, settings: VigilConfig): { definitions: Definitions; rejected: ConfigProblem[] } {
  const definitions = emptyDefinitions();
  const rejected: ConfigProblem[] = [];
  const kinds = Object.keys(DEFINITION_KINDS) as DefinitionKind[];
  for (const file of yamlFiles(dir)) {
    const source = display(file);
    let document: unknown;
    try {
      document = parseYaml(file, settings);
    } catch (error) {
      if (error instanceof ConfigError) rejected.push(...error.problems);
      else rejected.push({ source, path: '', message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    if (document === null) continue;
    if (typeof document !== 'object' || Array.isArray(document)) {
      rejected.push({ source, path: '', message: `must be a mapping with ${kinds.join(', ')}` });
      continue;
    }
    for (const [key, items] of Object.entries(document)) {
      if (!kinds.includes(key as DefinitionKind)) {
        rejected.push({ source, path: key, message: `unknown key "${key}"${suggest(key, kinds)} (expected ${kinds.join(', ')})` });
        continue;
      }
      const kind = key as DefinitionKind;
      if (!Array.isArray(items)) {
        rejected.push({ source, path: kind, message: 'must be a list' });
        continue;
      }
      items.forEach((spec, index) => {
        const path = `${kind}[${index}]`;
        const problems = validateDocument(DEFINITION_KINDS[kind], spec, source, path);
        const name = (spec as { name?: string })?.name;
        if (!problems.length && definitions[kind].some((existing) => existing.name === name)) {
          const first = definitions[kind].find((existing) => existing.name === name)!;
          problems.push({ source, path: `${path}.name`, message: `"${name}" is already defined at ${first.source}` });
        }
        if (problems.length) rejected.push(...problems);
        else definitions[kind].push({ kind, name: name!, source: `${source}:${path}`, spec });
      });
    }
  }
  return { definitions, rejected };
}

function yamlFiles(dir: string): string[] {
  return (
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      // Hidden entries are not definitions: a Kubernetes ConfigMap volume keeps a
      // second copy of every file under `..<timestamp>/` (and `..data/`).
      .filter((name) => !name.split(sep).some((part) => part.startsWith('.')))
      .filter((name) => /\.ya?ml$/.test(name) && name !== MAIN_FILE)
      .sort()
      .map((name) => join(dir, name))
      .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile())
  );
}

/** With `settings`, a definition file: its `${setting}` references are expanded first (lib/core/config/references.ts). */
function parseYaml(file: string, settings?: VigilConfig): unknown {
  const source = display(file);
  let text = readFileSync(file, 'utf8');
  if (settings) {
    const expanded = expandSettingReferences(text, settings);
    if (expanded.problems.length) {
      const where = (offset: number) => `${source}:${positionOf(text, offset).line}:${positionOf(text, offset).col}`;
      throw new ConfigError(expanded.problems.map(({ offset, message }) => ({ source: where(offset), path: '', message })));
    }
    text = expanded.text;
  }
  // Without prettyErrors the errors carry no line/column; the LineCounter gives them.
  const lineCounter = new LineCounter();
  const document = YAML.parseDocument(text, { prettyErrors: false, lineCounter });
  if (document.errors.length) {
    throw new ConfigError(
      document.errors.map((error) => {
        const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        const where = `${source}:${position.line}:${position.col}`;
        return { source: where, path: '', message: error.message.split('\n')[0] };
      }),
    );
  }
  return document.toJS() ?? null;
}

function display(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  return fromCwd && !fromCwd.startsWith('..') ? fromCwd : file;
}

/** Validates a settings object as if it were vigil.yaml (no env): for tests and tools. */
export function configFromObject(document: Record<string, unknown> = {}, source = 'config'): VigilConfig {
  const copy = structuredClone(document);
  const problems = validateDocument(VigilConfigSchema, copy, source);
  if (problems.length) throw new ConfigError(problems);
  return withDefaultPrices(copy as VigilConfig);
}
