// Env overrides. Every scalar in vigil.yaml can be set by an env var whose name
// is `VIGIL_` + the path, one `__` between levels, camelCase keys in UPPER_SNAKE:
//   server.port               → VIGIL_SERVER__PORT
//   server.ops.port           → VIGIL_SERVER__OPS__PORT
//   temporal.devServer.uiPort → VIGIL_TEMPORAL__DEV_SERVER__UI_PORT
//   auth.tokens[0].role       → VIGIL_AUTH__TOKENS__0__ROLE
// A list or mapping may be given whole as JSON (VIGIL_AUTH__TOKENS='[…]').
import type { ConfigProblem } from './errors';
import { schemaAt, suggest } from './validate';

type JsonSchema = Record<string, any>;

/** Conventional variables that other tools already set, applied before VIGIL_ ones. */
export const ENV_ALIASES: Record<string, string> = {
  TEMPORAL_ADDRESS: '/temporal/address',
  TEMPORAL_NAMESPACE: '/temporal/namespace',
  DATABASE_URL: '/database/url',
  VIGIL_TEMPORAL_CLI: '/temporal/devServer/executable',
};

/** VIGIL_ variables that are not config paths. */
export const ENV_RESERVED = new Set(['VIGIL_CONFIG_DIR', 'VIGIL_ADMIN_TOKEN', 'VIGIL_API_URL', 'VIGIL_TOKEN']);

export function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function envNameFor(pointer: string): string {
  return `VIGIL_${pointer.split('/').slice(1).map(envSegment).join('__')}`;
}

/** Every VIGIL_ name that maps to a scalar of the schema (arrays shown with index 0). */
export function knownEnvNames(schema: JsonSchema): string[] {
  const names: string[] = [];
  const walk = (node: JsonSchema, pointer: string) => {
    if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries<JsonSchema>(node.properties)) walk(child, `${pointer}/${key}`);
    } else if (node.type === 'array' && node.items) {
      names.push(envNameFor(pointer));
      walk(node.items, `${pointer}/0`);
    } else {
      names.push(envNameFor(pointer));
    }
  };
  walk(schema, '');
  return [...names, ...Object.keys(ENV_ALIASES), ...ENV_RESERVED];
}

/** Is `name` an env var Vigil reads? (Array indexes may be any number.) */
export function isKnownEnvName(schema: JsonSchema, name: string): boolean {
  if (name in ENV_ALIASES || ENV_RESERVED.has(name)) return true;
  if (!name.startsWith('VIGIL_')) return false;
  return resolveEnvName(schema, name) !== undefined;
}

/** Maps `VIGIL_SERVER__PORT` to the JSON pointer `/server/port`, or undefined. */
function resolveEnvName(schema: JsonSchema, name: string): string | undefined {
  let node: JsonSchema | undefined = schema;
  let pointer = '';
  for (const segment of name.slice('VIGIL_'.length).split('__')) {
    if (!node) return undefined;
    if (node.type === 'array' && /^\d+$/.test(segment)) {
      node = node.items;
      pointer += `/${segment}`;
      continue;
    }
    const key = Object.keys(node.properties ?? {}).find((candidate) => envSegment(candidate) === segment);
    if (key === undefined) return undefined;
    node = node.properties[key];
    pointer += `/${key}`;
  }
  return pointer;
}

export interface EnvOverride {
  name: string;
  pointer: string;
}

/**
 * Applies env overrides to `document` in place. Returns which pointers came
 * from which variable (so validation errors can name the variable) and the
 * problems with unknown VIGIL_ names.
 */
export function applyEnvOverrides(schema: JsonSchema, document: Record<string, unknown>, env: NodeJS.ProcessEnv): { overrides: EnvOverride[]; problems: ConfigProblem[] } {
  const overrides: EnvOverride[] = [];
  const problems: ConfigProblem[] = [];
  const known = knownEnvNames(schema);
  const apply = (name: string, pointer: string, raw: string) => {
    setAt(document, pointer, coerce(schemaAt(schema, pointer), raw));
    overrides.push({ name, pointer });
  };
  for (const [name, pointer] of Object.entries(ENV_ALIASES)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') apply(name, pointer, raw);
  }
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith('VIGIL_') || raw === undefined || name in ENV_ALIASES || ENV_RESERVED.has(name)) continue;
    const pointer = resolveEnvName(schema, name);
    if (pointer === undefined) {
      problems.push({ source: `env ${name}`, path: '', message: `not a Vigil setting${suggest(name, known)}` });
      continue;
    }
    apply(name, pointer, raw);
  }
  return { overrides, problems };
}

/** Turns the env string into the type the schema wants; leaves it a string if it is not one, so validation reports it. */
function coerce(node: JsonSchema | undefined, raw: string): unknown {
  const type = node?.type ?? (node?.anyOf ? 'union' : 'string');
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  if (type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw.trim())) return true;
    if (/^(false|0|no|off)$/i.test(raw.trim())) return false;
  }
  if (type === 'array' || type === 'object') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function setAt(document: Record<string, any>, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1);
  let node: any = document;
  keys.slice(0, -1).forEach((key, index) => {
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') {
      node[key] = /^\d+$/.test(keys[index + 1]) ? [] : {};
    }
    node = node[key];
  });
  node[keys[keys.length - 1]] = value;
}
