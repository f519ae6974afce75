// `vigil api` and `vigil worker` both serve their metrics and probes on
// server.ops.port. On one host the second one started used to die with a raw
// EADDRINUSE stack trace; it now names the setting and how to give it its own
// port (exit 3, as `vigil up` does for its ports). Both running side by side
// with their own ops ports: test/cli/processes.test.ts.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { dropSchema, uniqueName } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { runVigil, workerProcessEnv } from '../helpers/vigil-process';

const ADMIN = 'ops-port-admin-token';

describe('vigil api and vigil worker on one host', () => {
  const schema = uniqueName('opsport');
  const prefix = uniqueName('opsport');
  let taken: Server;
  let takenPort: number;

  before(async () => {
    taken = createServer();
    await new Promise<void>((resolveListen) => taken.listen(0, '127.0.0.1', resolveListen));
    takenPort = (taken.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((resolveClose) => taken.close(resolveClose));
    await dropSchema(schema);
  });

  for (const command of ['worker', 'api'] as const) {
    it(`vigil ${command} on a taken server.ops.port exits 3 with one line naming the setting and the per-process override`, async () => {
      const env = workerProcessEnv({ schema, prefix, opsPort: takenPort, extra: { VIGIL_ADMIN_TOKEN: ADMIN, VIGIL_SERVER__PORT: String(await freePort()) } });
      const run = runVigil([command], env);
      const code = await exitWithin(run, 60_000);
      const stderr = run.stderr().trim();
      assert.equal(code, 3, stderr);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      assert.equal(stderr.split('\n').length, 1, stderr);
      assert.match(stderr, new RegExp(`^vigil: port ${takenPort} \\(server\\.ops\\.port\\) on 127\\.0\\.0\\.1 is already in use`));
      assert.match(stderr, new RegExp(`VIGIL_SERVER__OPS__PORT=${takenPort + 1} vigil ${command}`), 'says how to run both side by side');
    });
  }
});

async function exitWithin(run: ReturnType<typeof runVigil>, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout('timeout'), ms)));
  const result = await Promise.race([run.exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    run.child.kill('SIGKILL');
    assert.fail(`still running after ${ms} ms (it should have refused to start):\n${run.stderr()}`);
  }
  return result;
}
