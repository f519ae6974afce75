// `vigil config check [dir]`: the same validation as at start, nothing started.
import { formatProblem } from '../../lib/core/config/errors';
import { loadConfig } from '../../lib/adapters/config/load';

/** Returns the exit code: 0 valid, 2 problems. */
export function configCheck(dir: string | undefined): number {
  const loaded = loadConfig({ dir });
  if (loaded.rejected.length) {
    for (const problem of loaded.rejected) process.stderr.write(`${formatProblem(problem)}\n`);
    return 2;
  }
  const { services, apps, policies } = loaded.definitions;
  process.stdout.write(`${dir ?? 'configs'}: OK (vigil.yaml, ${services.length} services, ${apps.length} apps, ${policies.length} policies)\n`);
  return 0;
}
