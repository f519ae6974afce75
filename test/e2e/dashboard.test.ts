// End to end: the dashboard in headless Chromium against the real API (on a
// real port, with its Content-Security-Policy), the project's workers, and a
// health loop watching payments of a demo shop. Asserts what a user sees: sign-in,
// live status changes over the event stream without a reload, untrusted alert
// text rendered as text, and pause/resume from the page; and that the page
// logs no error (a CSP violation would be one).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ServiceDefinition } from '../../lib/core/config/services';
import { validateDocument } from '../../lib/core/config/validate';
import { applyServices } from '../../lib/client/apply';
import { workflowIds } from '../../workflows/messages';
import { TOKENS, buildTestApi, type TestApi } from '../helpers/api';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { startTestShop, type TestShop } from '../helpers/shop';

/** Generous: the CI machine has two slow cores, and every wait here ends as soon as the page shows the state. */
const WAIT = { timeout: 60_000 };
const XSS = '<img src=x onerror="window.__xss=1">';

/** What the test reads in the page (the project's TypeScript has no DOM types). */
interface PageGlobals {
  __xss?: number;
  __sameDocument?: string;
  sessionStorage: { length: number };
}

describe('end to end: the dashboard in a browser', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let shop: TestShop;
  let api: TestApi;
  let browser: TestBrowser;
  let page: Page;
  let baseUrl: string;
  let workers: { stop(): Promise<void> } | undefined;
  const startedTriages: string[] = [];
  let markupTriageId = '';
  const service = uniqueName('payments').replace('_', '-');

  const row = () => page.locator(`#services tr[data-service="${service}"]`);
  const statusIs = (...statuses: string[]) => page.locator(statuses.map((status) => `#services tr[data-service="${service}"] td.status[data-status="${status}"]`).join(', ')).waitFor(WAIT);

  before(async () => {
    db = await createTestDatabase('e2e_dashboard');
    temporal = await connectTestTemporal();
    shop = await startTestShop();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, config: { server: { publicUrl: baseUrl, events: { pollMs: 500 } } } });
    await api.app.listen({ host: '127.0.0.1', port });
    workers = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool });
    // A health loop on payments, as configs/services/demo.yaml defines it; no remediation, so a failure stays visible.
    const spec = {
      name: service,
      checks: [{ name: 'healthz', type: 'http', url: `${shop.url('payments')}/healthz`, interval: '300ms', timeout: '1s' }],
      thresholds: { failureThreshold: 2, successThreshold: 1 },
    };
    assert.deepEqual(validateDocument(ServiceDefinition, spec, 'e2e.yaml'), [], 'a valid definition (and its defaults filled in)');
    await applyServices({ client: temporal.client, taskQueuePrefix: temporal.taskQueuePrefix, services: [{ kind: 'services', name: service, source: 'e2e.yaml', spec }] });
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    for (const workflowId of [workflowIds.health(service), ...startedTriages])
      await temporal?.client.workflow
        .getHandle(workflowId)
        .terminate()
        .catch(() => {});
    await workers?.stop();
    await api?.close();
    await shop?.close();
    await temporal?.close();
    await db?.close();
  });

  it('serves the page under its Content-Security-Policy; a wrong token shows an error and no data', async () => {
    const response = await page.goto(baseUrl);
    assert.equal(response?.status(), 200);
    assert.match(response!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.getByLabel('API token').fill('not-a-token-0123456789abcdef');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.getByTestId('sign-in-error');
    await error.waitFor(WAIT);
    assert.match((await error.textContent()) ?? '', /not accepted/);
    assert.equal(await page.getByTestId('dashboard').isVisible(), false);
    assert.equal(await page.locator('#services tbody tr').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length), 0, 'a refused token is not kept');
    // The one console error so far is the browser reporting the 401 itself; nothing else may be there.
    const unexpected = browser.problems.filter((problem) => !/status of 401/.test(problem) || !problem.includes('/api/v1/status'));
    assert.deepEqual(unexpected, []);
    browser.problems.length = 0;
  });

  it('signed in as an operator, the watched service shows as healthy', async () => {
    await page.getByLabel('API token').fill(TOKENS.operate);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('dashboard').waitFor(WAIT);
    assert.equal(await page.getByTestId('whoami').textContent(), 'operate-user (operate)');
    assert.equal(await page.getByTestId('version').textContent(), 'version test');
    await statusIs('healthy');
    await page.locator('[data-testid="live"][data-state="live"]').waitFor(WAIT);
    assert.equal(
      await row()
        .getByRole('link', { name: `${service} in the Temporal UI` })
        .getAttribute('href'),
      `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(workflowIds.health(service))}`,
    );
    assert.equal(await page.getByTestId('problems').isVisible(), false);
  });

  it('a crashed service turns its row unhealthy live, without a reload (the event stream)', async () => {
    // Anything a reload or navigation would lose.
    const marker = uniqueName('same-document');
    await page.evaluate((value) => ((globalThis as unknown as PageGlobals).__sameDocument = value), marker);
    // Crashed, payments stays down: the loop has no remediation to start it again.
    const failed = await shop.ctl('fault', 'payments', 'crash');
    assert.equal(failed.code, 0, failed.stdout + failed.stderr);
    await statusIs('unhealthy', 'remediating');
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument), marker, 'the page was not reloaded');

    const recovered = await shop.ctl('start', 'payments');
    assert.equal(recovered.code, 0, recovered.stdout + recovered.stderr);
    await statusIs('healthy');
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument), marker, 'the page was not reloaded');
  });

  it('a triage whose alert carries markup shows it as text, and running it does not run it', async () => {
    const started = await fetch(`${baseUrl}/api/v1/triage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.operate}`, 'content-type': 'application/json' },
      body: JSON.stringify({ labels: { alertname: XSS, service }, annotations: { summary: XSS, description: `<script>window.__xss=2</script>` } }),
    });
    assert.equal(started.status, 202, await started.clone().text());
    const { id, workflowId } = (await started.json()) as { id: string; workflowId: string };
    startedTriages.push(workflowId);
    markupTriageId = id;

    // It arrives in the list by itself (no reload), its alert name as literal text.
    const triageRow = page.locator(`#triages tr[data-triage-id="${id}"]`);
    await triageRow.waitFor(WAIT);
    assert.equal(await triageRow.getByTestId('open-triage').textContent(), XSS);
    assert.equal(await triageRow.locator('td').first().textContent(), service);
    assert.equal(await page.locator('#triages img, #triages script').count(), 0);

    // The detail panel shows the annotations as text too.
    await triageRow.getByTestId('open-triage').click();
    const detail = page.getByTestId('triage-detail');
    const annotations = detail.getByTestId('annotations');
    await annotations.waitFor(WAIT);
    assert.equal(await detail.locator('h3').textContent(), XSS);
    assert.equal(await annotations.locator('dd[data-key="summary"]').textContent(), XSS);
    assert.equal(await annotations.locator('dd[data-key="description"]').textContent(), '<script>window.__xss=2</script>');
    assert.equal(await page.locator('main img, main [onerror]').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__xss), undefined);
    assert.equal(new URL(page.url()).hash, `#triage=${encodeURIComponent(id)}`, 'the address names the open triage');
    await detail.getByTestId('close-triage').click();
    assert.equal(await detail.isVisible(), false);
    assert.equal(new URL(page.url()).hash, '');
  });

  it("a link to a triage, as Vigil's Slack report carries, opens it in a new tab after sign-in", async () => {
    const tab = await page.context().newPage();
    try {
      await tab.goto(`${baseUrl}/#triage=${encodeURIComponent(markupTriageId)}`);
      await tab.getByLabel('API token').fill(TOKENS.read);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      const detail = tab.getByTestId('triage-detail');
      await detail.getByTestId('annotations').waitFor(WAIT);
      assert.equal(await detail.locator('h3').textContent(), XSS);
    } finally {
      await tab.close();
    }
  });

  it('pausing the service from the dashboard shows it paused, and resuming brings it back', async () => {
    await row().getByRole('button', { name: 'Pause…' }).click();
    await row().getByLabel(`Reason for pausing service ${service}`).fill('e2e: <b>deploying</b> by hand');
    await row()
      .getByRole('button', { name: `Pause service ${service}` })
      .click();
    // The loop reports the pause beside the checks' status, which goes on (a pause stops remediation only).
    await page.locator(`#services tr[data-service="${service}"][data-paused="true"] td.status [data-testid="paused"]`).waitFor(WAIT);
    assert.equal(await row().getByTestId('pause-note').textContent(), 'remediation paused by operate-user: e2e: <b>deploying</b> by hand');
    await statusIs('healthy');

    await row()
      .getByRole('button', { name: `Resume service ${service}` })
      .click();
    await page.locator(`#services tr[data-service="${service}"]:not([data-paused]) td.status[data-status="healthy"]`).waitFor(WAIT);
    assert.equal(await row().getByTestId('paused').count(), 0);
    assert.equal(await row().getByTestId('control-message').textContent(), 'Resumed.');
    assert.equal(await row().getByRole('button', { name: 'Pause…' }).isVisible(), true);
  });

  it('logged no console error, CSP violation or page error along the way', () => {
    assert.deepEqual(browser.problems, []);
  });
});
