// End to end as a new user meets it (issue 16): `vigil up` with the shipped
// definitions runs the demo shop, its own Prometheus and Alertmanager; nothing is
// configured by hand. `vigil-demo fault payments errors` makes payments answer
// 5xx; the shipped ShopHighErrorRate rule fires for payments (and not for its
// callers), the Alertmanager posts it to Vigil with its own token, one triage
// starts, and its tools answer with the shop's data: rank_suspects names payments
// first and the logs tool returns payments' own error lines. Without a model key
// the triage is the offline investigator's.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SERVICES } from '../../demo/shop/topology';
import { ALERTMANAGER_BINARY } from '../helpers/alertmanager';
import { eventually } from '../helpers/eventually';
import { testEnvironment } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { PROMETHEUS_BINARY } from '../helpers/prometheus';
import { runDemoCtl } from '../helpers/shop';
import { freeVigilPorts, processesMentioning, runVigil, upEnv, waitForBanner } from '../helpers/vigil-process';

const ROOT = resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

interface ToolCallView {
  name: string;
  status: string;
  fullOutput: string;
}

describe('a shop fault, all the way to a triage', { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-shop-e2e-'));
  chmodSync(dataDir, 0o755); // embedded PostgreSQL runs as another user when we are root
  // The shipped definitions, less the example drift app (it writes under the checkout's .vigil).
  const configDir = mkdtempSync(join(tmpdir(), 'vigil-shop-e2e-configs-'));
  cpSync(join(ROOT, 'configs'), configDir, { recursive: true, filter: (source) => !/[/\\]drift[/\\]example(\.yaml)?$/.test(source) });
  after(() => {
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('errors in payments: the shipped rule fires, Alertmanager posts it, one triage starts and its tools read the shop', async () => {
    const ports = await freeVigilPorts();
    const shopPorts = Object.fromEntries(await Promise.all(SERVICES.map(async (service) => [service, await freePort()] as const)));
    const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];
    const env = upEnv(dataDir, ports, testEnvironment().temporalCli, {
      VIGIL_CONFIG_DIR: configDir,
      VIGIL_DEMO__ENABLED: 'true',
      ...Object.fromEntries(SERVICES.map((service) => [`VIGIL_DEMO__PORTS__${service.toUpperCase()}`, String(shopPorts[service])])),
      VIGIL_DEMO__LOAD__RPS: '10',
      VIGIL_PROMETHEUS__ENABLED: 'true',
      VIGIL_PROMETHEUS__PORT: String(prometheusPort),
      VIGIL_PROMETHEUS__SCRAPE_INTERVAL_MS: '1000',
      VIGIL_ALERTMANAGER__ENABLED: 'true',
      VIGIL_ALERTMANAGER__PORT: String(alertmanagerPort),
      PATH: [join(PROMETHEUS_BINARY, '..'), join(ALERTMANAGER_BINARY, '..'), process.env.PATH].join(':'),
      ANTHROPIC_API_KEY: '',
    });
    const run = runVigil(['up'], env);
    try {
      const banner = await waitForBanner(run);
      const token = banner['Admin token'].split(/\s+/)[0];
      const api = (path: string) => fetch(`${banner.API}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.json() as Promise<any>);
      const prometheus = (query: string) =>
        fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(query)}`).then(async (response) => ((await response.json()) as { data: { result: unknown[] } }).data.result);

      // The five services healthy in Vigil and scraped by Prometheus; then a minute of normal traffic as the baseline.
      await eventually(async () => (await api('/services')).filter((service: { status: string }) => service.status === 'healthy').length === SERVICES.length, 'five healthy services', 90_000);
      await eventually(async () => (await prometheus('up{job="shop"} == 1')).length === SERVICES.length, 'Prometheus scraping the shop', 30_000);
      await sleep(60_000);

      const ctl = ['--dir', join(dataDir, 'demo'), '--ports', SERVICES.map((service) => shopPorts[service]).join(',')];
      const fault = await runDemoCtl({}, ['fault', 'payments', 'errors', '--for', '3m', ...ctl]);
      assert.equal(fault.code, 0, fault.stdout + fault.stderr);

      const [triage] = await eventually(
        async () => {
          const listed = (await api('/triage?alertname=ShopHighErrorRate')) as { id: string; service: string }[];
          return listed.length > 0 && listed;
        },
        'a triage of ShopHighErrorRate',
        120_000,
      );
      assert.equal(triage.service, 'payments');
      const detail = await eventually(
        async () => {
          const body = await api(`/triage/${encodeURIComponent(triage.id)}`);
          return body.status === 'completed' && body;
        },
        'the triage to finish',
        90_000,
      );
      const calls = detail.toolCalls as ToolCallView[];
      const ranked = calls.find((call) => call.name === 'rank_suspects');
      assert.equal(ranked?.status, 'ok', JSON.stringify(ranked));
      assert.match(ranked!.fullOutput, /^1\. payments — /m, ranked!.fullOutput);
      const logs = calls.find((call) => call.name === 'query_logs');
      assert.equal(logs?.status, 'ok', JSON.stringify(logs));
      assert.match(logs!.fullOutput, /service="payments"/);
      assert.equal(detail.report.rootCauseService, 'payments', JSON.stringify(detail.report));

      // One triage for the fault: the callers' rules hold back while their own calls fail.
      const all = (await api('/triage')) as { alertname: string; service: string }[];
      assert.deepEqual(
        all.filter((listed) => listed.alertname.startsWith('Shop')).map((listed) => `${listed.alertname}/${listed.service}`),
        ['ShopHighErrorRate/payments'],
      );
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
    assert.deepEqual(processesMentioning(dataDir), [], 'nothing of the shop, Prometheus or Alertmanager left');
  });
});
