// `vigil worker` against a Temporal namespace that lacks Vigil's search
// attributes (a fresh cluster, as in compose's cluster profile or Kubernetes)
// registers them before polling, so workflows that upsert them do not fail.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { dropSchema, testEnvironment, uniqueName } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { runVigil } from '../helpers/vigil-process';

describe("vigil worker on a namespace without Vigil's search attributes", () => {
  const namespace = uniqueName('ns');
  const schema = uniqueName('wsa');
  let connection: Connection;

  before(async () => {
    connection = await Connection.connect({ address: testEnvironment().temporalAddress });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  });
  after(async () => {
    await connection.close();
    await dropSchema(schema);
  });

  it('registers them and becomes ready', async () => {
    const customAttributes = async () => (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    const before = await customAttributes();
    assert.deepEqual(
      SEARCH_ATTRIBUTE_NAMES.filter((name) => name in before),
      [],
      'a new namespace has none of them',
    );
    const opsPort = await freePort();
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_')));
    const worker = runVigil(['worker'], {
      ...inherited,
      TEMPORAL_ADDRESS: testEnvironment().temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      DATABASE_URL: testEnvironment().databaseUrl,
      VIGIL_DATABASE__SCHEMA: schema,
      VIGIL_TEMPORAL__TASK_QUEUE_PREFIX: uniqueName('wsa'),
      VIGIL_SERVER__OPS__PORT: String(opsPort),
      VIGIL_LOG__LEVEL: 'warn',
    });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${opsPort}/-/ready`).catch(() => undefined))?.status === 200, `the worker to be ready (stderr: ${worker.stderr()})`, 90_000);
      const registered = await customAttributes();
      for (const name of SEARCH_ATTRIBUTE_NAMES) assert.ok(name in registered, `${name} is registered on ${namespace}`);
    } finally {
      worker.child.kill('SIGTERM');
    }
    assert.equal(await worker.exited, 0, worker.stderr());
  });
});
