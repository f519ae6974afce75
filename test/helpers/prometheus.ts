// A real Prometheus (Debian package `prometheus`, installed by .ci/run) for the
// triage tests: scrapes the given targets every second, data in a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually';
import { freePort } from './ports';

/** The executable the test harness provisions (test/tools.ts); tests that run their own import it, so the harness knows they need it. */
export const PROMETHEUS_BINARY = process.env.TEST_PROMETHEUS ?? '/usr/bin/prometheus';

export interface TestPrometheus {
  url: string;
  /** Waits until `query` returns at least one series. */
  waitFor(query: string): Promise<void>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Alerting rules (YAML text), written next to the config and evaluated every second. */
  rules?: string;
  /** host:port of an Alertmanager to send firing alerts to. */
  alertmanager?: string;
}

export async function startPrometheus(jobs: { job: string; target: string; labels?: Record<string, string> }[], options: PrometheusOptions = {}): Promise<TestPrometheus> {
  const binary = PROMETHEUS_BINARY;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prom-'));
  const port = await freePort();
  const config = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    // Entries of one job are its targets (Prometheus refuses two scrape configs of one name), each with its own labels.
    ...[...new Set(jobs.map(({ job }) => job))].map((job) => {
      const targets = jobs.filter((entry) => entry.job === job).map(({ target, labels }) => `{ targets: ["${target}"]${labels ? `, labels: ${JSON.stringify(labels)}` : ''} }`);
      return `  - job_name: ${job}\n    static_configs: [${targets.join(', ')}]`;
    }),
    ...(options.rules === undefined ? [] : ['rule_files: [rules.yml]']),
    ...(options.alertmanager === undefined ? [] : ['alerting:', `  alertmanagers: [{ static_configs: [{ targets: ["${options.alertmanager}"] }] }]`]),
  ].join('\n');
  if (options.rules !== undefined) writeFileSync(join(dir, 'rules.yml'), options.rules);
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  const child: ChildProcess = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  const failed = new Promise<never>((_resolve, reject) => child.once('error', (error) => reject(new Error(`cannot run ${binary} (apt-get install prometheus): ${error.message}`))));
  failed.catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  const query = async (expression: string) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expression)}`);
    const body = (await response.json()) as { data?: { result?: unknown[] } };
    return (body.data?.result?.length ?? 0) > 0;
  };
  await Promise.race([eventually(async () => (await fetch(`${url}/-/ready`)).ok, 'Prometheus ready', 30_000), failed]);
  return {
    url,
    waitFor: (expression) => eventually(() => query(expression), `Prometheus series for ${expression}`, 30_000).then(() => undefined),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
