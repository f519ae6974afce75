// `vigil up` with its own Prometheus and Alertmanager, as a user runs it: the
// banner names them, Prometheus scrapes Vigil's ops listener, an alert given to
// the Alertmanager reaches Vigil's webhook with the Alertmanager's own token and
// starts a triage whose metrics tool queries that Prometheus, and a stop leaves
// no process of either behind.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ALERTMANAGER_BINARY } from '../helpers/alertmanager';
import { eventually } from '../helpers/eventually';
import { testEnvironment } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { PROMETHEUS_BINARY } from '../helpers/prometheus';
import { freeVigilPorts, processesMentioning, runVigil, upEnv, waitForBanner } from '../helpers/vigil-process';

describe('vigil up with its own Prometheus and Alertmanager', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-up-monitoring-'));
  chmodSync(dataDir, 0o755); // embedded PostgreSQL runs as another user when we are root
  after(() => {
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs both, routes an alert to triage with their token, points the tools at Prometheus, and stops them', async () => {
    const ports = await freeVigilPorts();
    const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];
    const env = upEnv(dataDir, ports, testEnvironment().temporalCli, {
      VIGIL_PROMETHEUS__ENABLED: 'true',
      VIGIL_PROMETHEUS__PORT: String(prometheusPort),
      VIGIL_PROMETHEUS__SCRAPE_INTERVAL_MS: '1000',
      VIGIL_ALERTMANAGER__ENABLED: 'true',
      VIGIL_ALERTMANAGER__PORT: String(alertmanagerPort),
      // Binaries where the harness put them, first on PATH.
      PATH: [join(PROMETHEUS_BINARY, '..'), join(ALERTMANAGER_BINARY, '..'), process.env.PATH].join(':'),
      ANTHROPIC_API_KEY: '',
    });
    const run = runVigil(['up'], env);
    const banner = await waitForBanner(run);
    const prometheus = `http://127.0.0.1:${prometheusPort}`;
    const alertmanager = `http://127.0.0.1:${alertmanagerPort}`;
    assert.equal(banner.Prometheus, `${prometheus}/alerts`);
    assert.equal(banner.Alertmanager, `${alertmanager}/  (alerts go to triage)`);
    assert.match(run.stdout(), new RegExp(`vigil: starting Prometheus \\(.*prometheus\\) on 127\\.0\\.0\\.1:${prometheusPort}`));
    const token = banner['Admin token'].split(/\s+/)[0];
    const api = (path: string) => fetch(`${banner.API}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.json() as Promise<any>);

    await eventually(async () => {
      const body = (await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent('up{job="vigil-api"} == 1')}`)).json()) as { data: { result: unknown[] } };
      return body.data.result.length === 1;
    }, "Prometheus scraping Vigil's ops listener");
    const rules = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as { data: { groups: { name: string }[] } };
    assert.ok(rules.data.groups.some((group) => group.name === 'shop'));

    // An alert as Prometheus would send it, straight to the Alertmanager: its route and token are what is under test.
    const posted = await fetch(`${alertmanager}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'LocalStackCheck', service: 'payments', severity: 'warning' }, annotations: { summary: 'test alert' } }]),
    });
    assert.equal(posted.status, 200);
    const [triage] = await eventually(
      async () => {
        const listed = (await api('/triage?alertname=LocalStackCheck')) as { id: string }[];
        return listed.length > 0 && listed;
      },
      'a triage of the alert',
      60_000,
    );
    const amToken = readFileSync(join(dataDir, 'alertmanager', 'token'), 'utf8').trim();
    assert.notEqual(amToken, token, 'the Alertmanager has its own token, not the admin one');

    // Without a model key the triage is offline: its investigator's metric queries went to our Prometheus.
    const detail = await eventually(
      async () => {
        // Its plan runs in parallel: wait for the whole of it, not the first call whose name mentions metrics.
        const body = await api(`/triage/${encodeURIComponent(triage.id)}`);
        return body.status === 'completed' && body;
      },
      'the offline triage to finish',
      60_000,
    );
    const metricCalls = (detail.toolCalls as { name: string; status: string }[]).filter((call) => call.name === 'query_metrics');
    assert.ok(metricCalls.length > 0 && metricCalls.every((call) => call.status === 'ok'), JSON.stringify(metricCalls));
    assert.doesNotMatch(JSON.stringify(detail), /not configured: set llm\.sources\.prometheusUrl/);

    const pids = ['prometheus', 'alertmanager'].map((name) => Number(readFileSync(join(dataDir, 'run', `${name}.pid`), 'utf8')));
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.stdout() + run.stderr());
    assert.match(run.stdout(), /stopping Prometheus \.\.\.[\s\S]*stopping Alertmanager \.\.\./);
    for (const pid of pids) assert.equal(existsSync(`/proc/${pid}`), false, `pid ${pid} is gone`);
    assert.deepEqual(processesMentioning(dataDir), []);
  });
});
