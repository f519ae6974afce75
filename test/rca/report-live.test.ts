// The evaluation report's live section (bench/rca-report-live.ts) on recorded
// cases given a live run by hand: offline and model triages in their own
// tables, the model's requests, tokens and dollars, alert → report against the
// goal, and the skip line when no case ran with a model.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCases, type LiveRun, type RecordedCase } from '../../bench/rca-cases';
import { liveSection, triageCell } from '../../bench/rca-report-live';

const [recorded] = readCases(join(__dirname, 'cases'));

function withLive(live: LiveRun, service = recorded.truth.service): RecordedCase {
  return {
    ...recorded,
    id: `${recorded.id}-${live.mode}`,
    run: {
      ...recorded.run,
      live: {
        alert: { name: 'ShopHighLatency', service, startsAt: '2026-12-05T00:00:00.000Z' },
        triage: { id: 't', status: 'completed', rootCauseService: service, causeKind: 'latency', startedAt: '', finishedAt: '' },
        injectionToAlertS: 40,
        ...live,
      },
    },
  };
}

describe('the evaluation report: live triages', { timeout: 30_000 }, () => {
  it('gives offline and model triages their own tables, with the model cost, and says when the model mode was skipped', () => {
    const offline = withLive({ mode: 'offline', alertToReportS: 5.3 });
    const model = withLive({ mode: 'model', model: 'claude-sonnet-5-5', alertToReportS: 21.5, cost: { requests: 4, inputTokens: 30_000, outputTokens: 1_200, dollars: 0.0612 } }, 'nowhere');
    const text = liveSection([offline, model]).join('\n');
    assert.match(text, /\*\*Offline\*\* \(1 cases/);
    assert.match(text, /\*\*Model\*\* \(1 cases, claude-sonnet-5-5/);
    // The model's row: its report named the wrong service, 4 requests, 31,200 tokens, $0.061.
    assert.match(text, /\| \*\*overall\*\* \| 1 \| 1 \| 0 % \| 0 % \| 100 % \| 40\.0 \| 21\.5 \/ 21\.5 \| 4 \/ 31200 \/ \$0\.061 \|/);
    assert.match(text, /\| \*\*overall\*\* \| 1 \| 1 \| 100 % \| 100 % \| 100 % \| 40\.0 \| 5\.3 \/ 5\.3 \| 0 \/ 0 \/ \$0\.000 \|/);
    assert.match(text, /alert to offline report, median ≤ 10 s\. Measured: median 5\.3 s/);

    const alone = liveSection([offline]).join('\n');
    assert.match(alone, /\*\*Model\*\*: skipped, no `ANTHROPIC_API_KEY`/);
    assert.equal(triageCell(model), 'ShopHighLatency/nowhere → nowhere (latency), 21.5 s');
    assert.equal(triageCell({ ...recorded, run: { ...recorded.run, live: undefined } }), '(first harness)');
    assert.equal(triageCell(withLive({ mode: 'offline', alert: undefined, triage: undefined })), 'no alert');
  });
});
