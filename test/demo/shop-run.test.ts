// `vigil-demo run`, the shop container's main process (docker-compose.yml): it
// starts the five services and stays in the foreground; when one dies and stays
// gone it stops the rest and exits 1, so Docker's restart policy brings the shop
// back; a restart by hand within the grace does not end it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { isRunning } from '../../demo/process';
import { SERVICES } from '../../demo/shop/topology';
import { eventually } from '../helpers/eventually';
import { startTestShop, type TestShop } from '../helpers/shop';

const BIN = resolve(__dirname, '..', '..', 'bin', 'vigil-demo.js');

describe('vigil-demo run', { timeout: 90_000 }, () => {
  let shop: TestShop | undefined;
  after(() => shop?.close());

  it('keeps the shop up through a restart by hand, and exits 1 with the shop stopped when a crashed service stays gone', async () => {
    shop = await startTestShop({ start: false });
    const child = spawn(process.execPath, [BIN, 'run'], { env: { PATH: process.env.PATH, ...shop.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    try {
      await eventually(async () => /shop running at/.test(output), 'the shop running', 30_000);
      assert.deepEqual(await shop.checkouts(2), [200, 200]);

      assert.equal((await shop.ctl('restart', 'payments')).code, 0);
      assert.equal(child.exitCode, null, 'a restart by hand does not end it');
      assert.deepEqual(await shop.checkouts(2), [200, 200]);

      const pids = SERVICES.map((service) => shop!.pid(service)!);
      const crashed = Date.now();
      assert.equal((await shop.ctl('fault', 'payments', 'crash')).code, 0);
      assert.equal(await exited, 1);
      assert.ok(Date.now() - crashed >= 9_000, 'not before the grace');
      assert.match(output, /payments has been gone for 10 s; stopping the shop/);
      assert.deepEqual(
        pids.filter((pid) => isRunning(pid)),
        [],
        'the other four stopped with it',
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  });

  it('a SIGTERM while the shop is still starting stops whatever started and exits 0 (a container stopped at once)', async () => {
    const starting = await startTestShop({ start: false });
    try {
      const child = spawn(process.execPath, [BIN, 'run'], { env: { PATH: process.env.PATH, ...starting.env }, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
      // The first service has been spawned (its pid file is there), the shop is not up yet.
      await eventually(async () => SERVICES.some((service) => starting.pid(service) !== undefined), 'a service spawned', 30_000);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const left = SERVICES.map((service) => starting.pid(service)).filter((pid) => pid !== undefined && isRunning(pid));
      assert.deepEqual(left, [], 'no service outlives it');
    } finally {
      await starting.close();
    }
  });
});
