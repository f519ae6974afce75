// Fuzzing the API from its own OpenAPI document (GET /docs/json) with
// Schemathesis, against the real API on a real port with the project's workers,
// Temporal and PostgreSQL behind it. Every operation gets generated requests,
// valid and invalid, in the examples, coverage, fuzzing and stateful phases
// (a fixed seed). It fails on any 5xx, a status code or response body the
// document does not describe, an invalid request accepted, a valid one refused,
// or a wrong answer to a method a path does not take.
// Needs .tools/fuzz-venv (bash .ci/install-api-fuzzer) or TEST_SCHEMATHESIS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { connectTestTemporal, createTestDatabase, startTestWorkers, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { freePort } from '../helpers/ports';

const ROOT = resolve(__dirname, '..', '..');
const SCHEMATHESIS = process.env.TEST_SCHEMATHESIS ?? join(ROOT, '.tools', 'fuzz-venv', 'bin', 'st');

describe('the API under Schemathesis, from its own OpenAPI document', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let workers: { stop(): Promise<void> } | undefined;
  let dir: string;
  let url: string;

  before(async () => {
    assert.ok(existsSync(SCHEMATHESIS), `Schemathesis is not at ${SCHEMATHESIS}: run \`bash .ci/install-api-fuzzer\` (or set TEST_SCHEMATHESIS)`);
    db = await createTestDatabase('e2e_fuzz');
    temporal = await connectTestTemporal();
    workers = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool });
    // POST /config/apply reads this directory: settings only, no loops to start.
    dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-'));
    writeFileSync(join(dir, 'vigil.yaml'), '');
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, configDir: dir });
    const port = await freePort();
    await api.app.listen({ host: '127.0.0.1', port });
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await api?.close();
    await workers?.stop();
    await temporal?.close();
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds no server error, undocumented answer, or request wrongly accepted or refused', { timeout: 600_000 }, async () => {
    const args = [
      '--config-file',
      join(__dirname, 'schemathesis.toml'),
      'run',
      `${url}/docs/json`,
      '--url',
      url,
      '-H',
      `Authorization: Bearer ${TOKENS.admin}`,
      // A stream that never ends by design; test/api/overview.test.ts covers it.
      '--exclude-path',
      '/api/v1/events',
      '--max-examples',
      '20',
      '--seed',
      '20261123',
      '--request-timeout',
      '30',
      // NUL is refused up front (PostgreSQL cannot store it): covered by test/api/errors.test.ts.
      '--generation-allow-x00',
      'false',
    ];
    // Its working directory (Hypothesis keeps an example database there) is the temp dir.
    const child = spawn(SCHEMATHESIS, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit));
    assert.equal(code, 0, `Schemathesis found problems:\n${output.slice(-20_000)}`);
    assert.match(output, /API Operations:\s+Selected: \d+\/\d+\s+Tested: \d+/);
  });
});
