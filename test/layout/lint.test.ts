// The layout's lint rules (eslint.config.mjs) reject what would let it decay:
// the core reaching for I/O or adapters, a workflow importing an activity's
// code or an adapter, the API importing activities. Each case is linted as if
// it were a file at that place in the tree.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '..', '..');

async function problems(path: string, code: string): Promise<string[]> {
  // The type-aware rules need a file in the project; the import rules do not.
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false, project: null } },
      rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
    },
  });
  const [result] = await eslint.lintText(code, { filePath: resolve(root, path) });
  return result.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('layout lint rules', { timeout: 120_000 }, () => {
  const cases: [string, string, RegExp | null][] = [
    ['lib/core/health/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", /core does no I\/O/],
    ['lib/core/health/x.ts', "import { Pool } from 'pg';\nexport const x = Pool;\n", /core does no I\/O/],
    ['lib/core/health/x.ts', "import { pool } from '../../adapters/db/pool';\nexport const x = pool;\n", /no adapter and no client/],
    ['lib/core/health/x.ts', "import { Client } from '@temporalio/client';\nexport const x = Client;\n", /core does no I\/O/],
    ['lib/core/health/x.ts', "import { createHash } from 'node:crypto';\nexport const x = createHash;\n", null],
    ['workflows/x.ts', "import { createActivities } from '../activities';\nexport const x = createActivities;\n", /activities as types only/],
    ['workflows/x.ts', "import type { Activities } from '../activities';\nexport type X = Activities;\n", null],
    ['workflows/x.ts', "import { runProcess } from '../lib/adapters/process/child';\nexport const x = runProcess;\n", /no I\/O module/],
    ['api/routes/x.ts', "import type { Activities } from '../../activities';\nexport type X = Activities;\n", /never imports activities/],
    ['lib/adapters/x.ts', "import { applyHealth } from '../client/health';\nexport const x = applyHealth;\n", /Adapters/],
  ];
  for (const [path, code, expected] of cases) {
    const first = code.split('\n')[0];
    it(`${expected ? 'rejects' : 'allows'} in ${path}: ${first}`, async () => {
      const found = (await problems(path, code)).filter((message) => message.startsWith('no-restricted-imports'));
      if (expected)
        assert.ok(
          found.some((message) => expected.test(message)),
          `expected ${expected}, got ${JSON.stringify(found)}`,
        );
      else assert.deepEqual(found, []);
    });
  }
});
