// The `vigil` command. Exit codes: 0 ok, 1 runtime failure, 2 invalid
// configuration or usage, 3 a port `vigil up` needs is taken.
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config/errors';
import { loadConfig } from '../lib/config/load';
import { TemporalCliNotFound } from '../lib/temporal/cli-binary';
import { writeWorkflowBundle } from '../workers/workflow-code';
import { api } from './commands/api';
import { configCheck } from './commands/config-check';
import { migrate } from './commands/migrate';
import { PortsTaken, up } from './commands/up';
import { worker } from './commands/worker';

const USAGE = `Usage: vigil <command> [--config DIR]

Commands:
  up                  run everything on this machine: Temporal dev server, PostgreSQL,
                      migrations, a worker and the API (what \`npm start\` runs)
  worker              run a worker only (needs TEMPORAL_ADDRESS and DATABASE_URL)
  api                 run the API and ops listener only (same)
  migrate             apply database migrations and exit
  config check [DIR]  validate the configuration and exit
  bundle --out FILE   write the workflow bundle (used by npm run build)

Options:
  --config DIR        configuration directory (default: configs, or VIGIL_CONFIG_DIR)
  -h, --help          show this help
`;

async function main(argv: string[]): Promise<number> {
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
  const load = () => loadConfig({ dir: values.config });
  switch (command) {
    case 'up':
      await up(load());
      return -1;
    case 'worker':
      await worker(load());
      return -1;
    case 'api':
      await api(load());
      return -1;
    case 'migrate':
      await migrate(load());
      return 0;
    case 'config':
      if (rest[0] !== 'check') break;
      return configCheck(rest[1] ?? values.config);
    case 'bundle':
      if (!values.out) break;
      await writeWorkflowBundle(values.out);
      return 0;
  }
  process.stderr.write(`vigil: unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
  return 2;
}

function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError) return 2;
  if (error instanceof PortsTaken) return 3;
  if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return 2;
  return 1;
}

main(process.argv.slice(2)).then(
  // Long-running commands return -1 and stay up until a signal.
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof PortsTaken || error instanceof TemporalCliNotFound;
    const message = known || !(error instanceof Error) ? String((error as Error).message ?? error) : (error.stack ?? error.message);
    process.stderr.write(`vigil: ${message}\n`);
    process.exit(exitCodeFor(error));
  },
);
