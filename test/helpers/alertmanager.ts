// A real Alertmanager (Debian package `prometheus-alertmanager`, installed by
// .ci/run) for the end-to-end tests: one webhook receiver with a bearer token,
// short group timings, no clustering, data in a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually';
import { freePort } from './ports';

/** The executable the test harness provisions (test/tools.ts); tests that run their own import it, so the harness knows they need it. */
export const ALERTMANAGER_BINARY = process.env.TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

export interface TestAlertmanager {
  /** host:port, for Prometheus's alerting config. */
  address: string;
  url: string;
  stop(): Promise<void>;
}

export async function startAlertmanager(webhook: { url: string; bearerToken: string }): Promise<TestAlertmanager> {
  const binary = ALERTMANAGER_BINARY;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
  const port = await freePort();
  // JSON is YAML: the URL and token need no escaping rules of their own.
  const config = {
    route: { receiver: 'vigil', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'vigil', webhook_configs: [{ url: webhook.url, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: webhook.bearerToken } } }] }],
  };
  writeFileSync(join(dir, 'alertmanager.yml'), `${JSON.stringify(config, null, 2)}\n`);
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run ${binary} (apt-get install prometheus-alertmanager): ${error.message}`)));
    child.once('exit', (code, signal) => reject(new Error(`${binary} exited early (${code ?? signal}); config ${join(dir, 'alertmanager.yml')}`)));
  });
  failed.catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([eventually(async () => (await fetch(`${url}/-/ready`)).ok, 'Alertmanager ready', 30_000), failed]);
  return {
    address: `127.0.0.1:${port}`,
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
