// Lint rules that catch what the type checker does not: promises nobody
// awaits, and workflow code that reaches for Node or other non-deterministic I/O
// (the workflow bundle runs in a deterministic sandbox).
import tseslint from 'typescript-eslint';

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
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: do I/O in an activity.' },
            { group: ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'timers', 'timers/*'], message: 'Workflows are deterministic: do I/O in an activity.' },
            { group: ['pg', 'fastify', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Not in workflow code.' },
            { group: ['../lib/db/*', '../lib/postgres/*', '../lib/process/*', '../activities', '../activities/*'], message: 'Workflows import activities as types only, and no I/O modules.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);
