// The `vigil` command. Exit codes: 0 ok, 1 runtime failure, 2 invalid
// configuration or usage, 3 a port the command needs is taken.
//
// Each command loads its own modules when it runs: the worker, the bundler and
// the API take seconds to load, and `vigil --help` or `vigil service list` must
// not wait for them. `require` rather than `import()`: these files compile to
// CommonJS (module node20), where `import()` would need file extensions and
// tsx's ESM hooks; `require` is lazy all the same and keeps the types.
import { parseArgs } from 'node:util';
import { ApiError } from './api-client';
import { ConfigError } from '../lib/core/config/errors';
import type { LoadedConfig } from '../lib/adapters/config/load';
import { DataDirInUse } from '../lib/adapters/process/data-dir-lock';
import { TemporalCliNotFound } from '../lib/adapters/temporal/cli-binary';
import { PortsTaken } from './ports';
import { UsageError } from './usage-error';

const USAGE = `Usage: vigil <command> [--config DIR]

Commands:
  up                  run everything on this machine: Temporal dev server, PostgreSQL,
                      migrations, a worker and the API (what \`npm start\` runs)
  worker              run a worker only (needs TEMPORAL_ADDRESS and DATABASE_URL)
  api                 run the API and ops listener only (same)
                      both serve metrics and probes on server.ops.port: on one host,
                      give one of them its own, e.g. VIGIL_SERVER__OPS__PORT=8082
  migrate             apply database migrations and exit
  config check [DIR]  validate the configuration and exit
  bundle --out FILE   write the workflow bundle (used by npm run build)

Operator commands (talk to a running API over HTTP):
  service list                          services being watched, with their status
  service show NAME                     status, pause, last check results, remediation
  service history NAME [--limit N]      status transitions and recent check results
  service pause NAME --reason TEXT [--until ISO|DURATION]
                                        pause remediation (checks go on), e.g. --until 30m
  service resume NAME                   resume remediation
  service remediate NAME --reason TEXT [--action STEP]
                                        run a ladder step now (default: the next one);
                                        exit 1 if refused or if the step did not succeed
  drift list                            apps being reconciled, with mode, status, revision
  drift show APP                        state, pause, self-heal, and every drifted field
  drift history APP [--limit N]         syncs and status changes
  drift sync APP [--force] [--dry-run]  compare and apply now; exit 1 if refused or failed
  drift pause APP --reason TEXT [--until ISO|DURATION]
  drift resume APP                      stop / start applying (checks go on)
  triage list [--status S] [--alertname NAME] [--limit N]
                                        triages, newest first
  triage show ID                        report, proposed remediation, budget, tool calls
  triage start --label K=V... [--annotation K=V...] [--question TEXT]
                                        start a manual triage
  triage approve ID                     run the proposed remediation (a human's decision);
                                        exit 1 if refused or if it did not succeed
  triage reject ID [--reason TEXT]      reject the proposed remediation
  triage cancel ID [--reason TEXT]      cancel a running triage
  actions [--service NAME] [--limit N]  the remediation audit trail, newest first
  apply                                 re-read the service definitions and apply them
                                        (admin; exit 1 if a definition was rejected)

Options:
  --config DIR        configuration directory (default: configs, or VIGIL_CONFIG_DIR)
  --api URL           operator commands: the API (default: VIGIL_API_URL, else
                      http://server.host:server.port from the configuration)
  --json              operator commands: print the API's JSON as is
  -h, --help          show this help

The operator commands send the token in VIGIL_TOKEN, else VIGIL_ADMIN_TOKEN, else
the one \`vigil up\` stored in <dataDir>/admin-token.
`;

async function main(argv: string[]): Promise<number> {
  const operator = require('./operator-commands') as typeof import('./operator-commands');
  if (operator.isApiCommand(argv)) return operator.apiCommand(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  // The configuration first: a mistake in it shows at once, before seconds of loading.
  const load = (): LoadedConfig => (require('../lib/adapters/config/load') as typeof import('../lib/adapters/config/load')).loadConfig({ dir: values.config });
  switch (command) {
    case 'up': {
      const loaded = load();
      await (require('./commands/up') as typeof import('./commands/up')).up(loaded);
      return -1;
    }
    case 'worker': {
      const loaded = load();
      await (require('./commands/worker') as typeof import('./commands/worker')).worker(loaded);
      return -1;
    }
    case 'api': {
      const loaded = load();
      await (require('./commands/api') as typeof import('./commands/api')).api(loaded);
      return -1;
    }
    case 'migrate': {
      const loaded = load();
      await (require('./commands/migrate') as typeof import('./commands/migrate')).migrate(loaded);
      return 0;
    }
    case 'config':
      if (rest[0] !== 'check') break;
      return (require('./commands/config-check') as typeof import('./commands/config-check')).configCheck(rest[1] ?? values.config);
    case 'bundle':
      if (!values.out) break;
      await (require('../workers/workflow-code') as typeof import('../workers/workflow-code')).writeWorkflowBundle(values.out);
      return 0;
  }
  process.stderr.write(`vigil: unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
  return 2;
}

function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError) return 2;
  if (error instanceof PortsTaken || error instanceof DataDirInUse) return 3;
  if (error instanceof UsageError || isParseArgsError(error)) return 2;
  return 1;
}

function isParseArgsError(error: unknown): boolean {
  return String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS_');
}

main(process.argv.slice(2)).then(
  // Long-running commands return -1 and stay up until a signal.
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const known =
      error instanceof ConfigError ||
      error instanceof PortsTaken ||
      error instanceof DataDirInUse ||
      error instanceof TemporalCliNotFound ||
      error instanceof UsageError ||
      error instanceof ApiError ||
      isParseArgsError(error);
    const message = known || !(error instanceof Error) ? String((error as Error).message ?? error) : (error.stack ?? error.message);
    process.stderr.write(`vigil: ${message}\n`);
    process.exit(exitCodeFor(error));
  },
);
