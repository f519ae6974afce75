// `vigil-demo`: the demo shop's control command (demo/shop/cli.ts).
// Exit codes: 0 ok, 1 failure, 2 usage.
import { parseArgs } from 'node:util';
import { SHOP_USAGE, UsageError, shopMain } from './shop/cli';

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return 2;
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 2;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      ports: { type: 'string' },
      dir: { type: 'string' },
      rps: { type: 'string' },
      config: { type: 'string' },
      for: { type: 'string' },
      target: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SHOP_USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  return shopMain(command, rest, values, (line) => process.stdout.write(`demo: ${line}\n`));
}

main(process.argv.slice(2)).then(
  // `serve` and `run` return -1 and stay up until a signal.
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const usage = exitCodeFor(error) === 2;
    const message = ((error as Error).message ?? String(error)).replace(/\s*\n\s*/g, ' '); // one line, parseArgs's own messages too
    process.stderr.write(`vigil-demo: ${message}${usage ? ' (vigil-demo --help for usage)' : ''}\n`);
    process.exit(exitCodeFor(error));
  },
);
