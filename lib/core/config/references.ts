// Settings of vigil.yaml used inside definition files: `${demo.ports.gateway}` is
// replaced, before the file is parsed, by the setting's value after env overrides
// and defaults (as compose and gatus expand variables before parsing). So a setting
// moved in vigil.yaml or by its VIGIL_ variable moves every check and action
// written against it, e.g. the demo shop's:
//   url: http://127.0.0.1:${demo.ports.gateway}/healthz   → …:9400/healthz
//   port: ${demo.ports.gateway}                           → 9400 (a number, as YAML reads it)
//   argv: [node, bin/vigil-demo.js, restart, gateway, --dir, "${dataDir}/demo"]   → ".vigil/demo" (quoted: a string)
// A reference is `${` + a setting path starting with a lowercase letter + `}`;
// anything else (`${HOME}`, `${VAR:-x}` in a script) is left alone, and `$${`
// writes a literal `${`. A reference to no setting rejects the file.
import { suggest } from './validate';

/** What expansion found wrong, with the offset in the original text. */
export interface ReferenceProblem {
  offset: number;
  message: string;
}

const REFERENCE = /\$(\$?)\{([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)\}/g;

export function expandSettingReferences(text: string, settings: object): { text: string; problems: ReferenceProblem[] } {
  const problems: ReferenceProblem[] = [];
  const expanded = text.replace(REFERENCE, (whole, escape: string, path: string, offset: number) => {
    if (escape) return whole.slice(1);
    const value = valueAt(settings, path);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    problems.push({
      offset,
      message:
        value === undefined || value === null
          ? `\${${path}} is not a setting of vigil.yaml${suggest(path, scalarPaths(settings))}`
          : `\${${path}} is a ${Array.isArray(value) ? 'list' : 'mapping'}; only a single value can be used in a definition`,
    });
    return whole;
  });
  return { text: expanded, problems };
}

/** 1-based line and column of `offset` in `text`, for the problem's source. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function valueAt(settings: object, path: string): unknown {
  let node: unknown = settings;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function scalarPaths(node: object, prefix = ''): string[] {
  return Object.entries(node).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? scalarPaths(value, path) : [path];
  });
}
