/** One thing wrong with the configuration: where it is and what is wrong. */
export interface ConfigProblem {
  /** File (relative to the working directory) or `env VIGIL_…` for an override. */
  source: string;
  /** Dotted path inside the document, e.g. `server.port` or `auth.tokens[0].role`. */
  path: string;
  message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.source}: ${problem.path}: ${problem.message}` : `${problem.source}: ${problem.message}`;
}

/** Thrown when the configuration cannot be used; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `/auth/tokens/0/name` → `auth.tokens[0].name` */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}
