// Dependencies a chaos test can stop and start again: a PostgreSQL and a Temporal
// dev server of the test's own (not the run's shared ones, which other files use),
// each keeping its data across a restart on the same port, as a real outage would.
// Used by test/chaos/*.test.ts (`npm run test:chaos`).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../lib/adapters/postgres/embedded';
import { startDevServer, type DevServer } from '../../lib/adapters/temporal/dev-server';
import { testEnvironment } from '../helpers/harness';
import { freePort } from '../helpers/ports';

export interface Stoppable {
  /** Stops it; what it held stays on disk. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  dispose(): Promise<void>;
}

export interface ChaosPostgres extends Stoppable {
  url: string;
}

export interface ChaosTemporal extends Stoppable {
  address: string;
}

/** A scratch directory under the run's temp dir (readable by the postgres user when we are root). */
function scratch(prefix: string): string {
  const parent = testEnvironment().tmpDir || undefined;
  const dir = parent ? mkdtempSync(join(parent, `${prefix}-`)) : mkdtempSync(join('/tmp', `${prefix}-`));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function chaosPostgres(): Promise<ChaosPostgres> {
  const dir = scratch('chaos-pg');
  const port = await freePort();
  let running: RunningPostgres | undefined = await startEmbeddedPostgres({ dir, port });
  const url = running.url;
  return {
    url,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async start() {
      running ??= await startEmbeddedPostgres({ dir, port });
    },
    async dispose() {
      await running?.stop();
      running = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function chaosTemporal(): Promise<ChaosTemporal> {
  const dir = scratch('chaos-temporal');
  const port = await freePort();
  const options = {
    executable: testEnvironment().temporalCli,
    ip: '127.0.0.1',
    port,
    namespace: 'default',
    // A file, so that workflows, timers and task queues survive the restart.
    dbFile: join(dir, 'temporal.db'),
    logFile: join(dir, 'temporal.log'),
    pidFile: join(dir, 'temporal.pid'),
  };
  let running: DevServer | undefined = await startDevServer(options);
  return {
    address: running.address,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async start() {
      running ??= await startDevServer(options);
    },
    async dispose() {
      await running?.stop();
      running = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
