// A webhook payload with truncatedAlerts > 0 (Alertmanager's max_alerts cut the
// group): the alerts left out are counted (vigil_alerts_truncated_total), logged
// as a warning, and each triage the payload starts is told, in an annotation of
// its alert that the model reads and the run shows.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../lib/adapters/log';
import { TRUNCATION_ANNOTATION, truncationNote, withTruncationNote } from '../../lib/core/triage/truncation';
import { workflowIdOf } from '../../lib/core/triage/ids';
import { triageCancelSignal } from '../../workflows/messages';
import type { Reply } from '../fixtures/anthropic';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { uniqueName } from '../helpers/harness';
import { alertmanagerPayload } from './alertmanager-payload';
import { startTriageRig, type TriageRig } from './setup';

const answer: Reply = { content: [{ type: 'text', text: '```json\n{"summary":"s","rootCause":"x","evidence":[],"confidence":"low","nextSteps":[]}\n```' }], stop_reason: 'end_turn' };

describe('truncation note', () => {
  it('says how many alerts of how many were left out, and only then', () => {
    const note = truncationNote({ truncatedAlerts: 3, groupKey: '{}:{alertname="ShopDown"}', alerts: [{}, {}] });
    assert.match(note ?? '', /^Alertmanager left 3 of the 5 alerts of this alert's group out of its webhook/);
    assert.match(note ?? '', /Group: \{\}:\{alertname="ShopDown"\}$/);
    assert.equal(truncationNote({ truncatedAlerts: 0, groupKey: 'g', alerts: [{}] }), undefined);
    const alert = { labels: {}, annotations: { summary: 's' } };
    assert.equal(withTruncationNote(alert, undefined), alert);
    assert.deepEqual(withTruncationNote(alert, 'n').annotations, { summary: 's', [TRUNCATION_ANNOTATION]: 'n' });
  });
});

describe('webhook with truncated alerts', () => {
  let rig: TriageRig;
  let api: TestApi;
  const lines: string[] = [];
  before(async () => {
    rig = await startTriageRig();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    api = await buildTestApi({ db: rig.db, taskQueuePrefix: rig.temporal.taskQueuePrefix, config: { llm: rig.config.llm }, log: createLogger('info', sink) });
  });
  after(async () => {
    await api?.close();
    await rig?.close();
  });

  it('counts them, warns, and notes them on each triage it starts, where the model reads it', async () => {
    const scenario = 'truncated';
    rig.anthropic.script(scenario, [answer, answer]);
    const fingerprints = [uniqueName('f').replace('f_', 'ab'), uniqueName('f').replace('f_', 'cd')];
    const payload = alertmanagerPayload(
      fingerprints.map((fingerprint, index) => ({ scenario, fingerprint, startsAt: '2026-11-23T10:00:00Z', labels: { instance: `shop-${index}` } })),
      { truncatedAlerts: 3 },
    );
    const response = await api.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: bearer('operate'), payload });
    assert.equal(response.statusCode, 202);
    const started = response.json().started as string[];
    assert.equal(started.length, 2);

    assert.match(await api.deps.metrics.registry.metrics(), /^vigil_alerts_truncated_total 3$/m);
    const warning = lines.map((line) => JSON.parse(line)).find((entry) => entry.truncatedAlerts === 3);
    assert.equal(warning?.level, 40, 'a warning');
    assert.equal(warning?.received, 2);

    await eventually(async () => rig.anthropic.billed(scenario).length === 2, 'both triages asked the model');
    // Done with them: they would otherwise wait for the alerts to resolve.
    for (const id of started) await rig.temporal.client.workflow.getHandle(workflowIdOf(id)).signal(triageCancelSignal, { by: 'test' });
    const { rows } = await rig.db.pool.query<{ annotations: Record<string, string> }>(`SELECT annotations FROM triage_runs WHERE id = ANY($1)`, [started]);
    assert.equal(rows.length, 2);
    for (const row of rows) assert.match(row.annotations[TRUNCATION_ANNOTATION], /^Alertmanager left 3 of the 5 alerts/);
    const firstMessages = rig.anthropic.requests.filter((request) => request.scenario === scenario).map((request) => request.body.messages[0].content.map((block) => block.text ?? '').join(''));
    assert.ok(firstMessages.length >= 2);
    for (const text of firstMessages) assert.match(text, /Alertmanager left 3 of the 5 alerts/);
  });
});
