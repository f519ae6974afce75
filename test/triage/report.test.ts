import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { alertmanagerPayloadSchema } from '../../lib/core/triage/alertmanager';
import { alertWorkflowId, manualWorkflowId, triageIdOf, workflowIdOf } from '../../lib/core/triage/ids';
import { parseReport, reportFromSubmission, reportFromWhatIsKnown, statedConfidence } from '../../lib/core/triage/report';
import { triageLinks } from '../../lib/core/triage/announce';
import { triageSettings } from '../../lib/core/triage/settings';
import { estimateTokens } from '../../lib/core/triage/tokens';
import { testConfig } from '../helpers/harness';
import { capOutput, rangeStep, TOOL_DEFINITIONS } from '../../lib/core/triage/tools';
import { answerContent, apiMessages } from '../../lib/core/triage/transcript';

describe('triage report', () => {
  it('parses the JSON block; a claim citing a tool call that was never made is dropped and counted', () => {
    const answer =
      'The pod ran out of memory.\n```json\n{"summary":"OOM","rootCause":"memory leak","evidence":[{"claim":"RSS grew","toolUseId":"toolu_1"},{"claim":"made up","toolUseId":"toolu_9"}],"confidence":"high","nextSteps":["raise limit"],"remediation":{"service":"shop","action":"restart","reason":"frees memory"}}\n```';
    const report = parseReport(answer, ['toolu_1']);
    assert.equal(report.summary, 'OOM');
    assert.equal(report.confidence, 'high');
    assert.deepEqual(report.evidence, [{ claim: 'RSS grew', toolUseId: 'toolu_1' }]);
    assert.equal(report.droppedCitations, 1);
    assert.equal(report.unstructured, undefined);
    assert.deepEqual(report.remediation, { service: 'shop', action: 'restart', reason: 'frees memory' });
  });
  it('builds the report of a submit_report call: root cause service and kind, checked citations', () => {
    const report = reportFromSubmission(
      {
        summary: 'payments times out',
        rootCause: { service: 'payments', kind: 'latency', description: 'payments answers in 2 s since 20:01' },
        evidence: [
          { claim: 'p95 of payments rose to 2 s', toolUseId: 'toolu_a' },
          { claim: 'invented', toolUseId: 'toolu_zz' },
        ],
        confidence: 'medium',
        nextSteps: ['look at the payments timeout'],
      },
      ['toolu_a'],
    );
    assert.deepEqual(report, {
      summary: 'payments times out',
      rootCause: 'payments answers in 2 s since 20:01',
      rootCauseService: 'payments',
      causeKind: 'latency',
      evidence: [{ claim: 'p95 of payments rose to 2 s', toolUseId: 'toolu_a' }],
      confidence: 'medium',
      nextSteps: ['look at the payments timeout'],
      droppedCitations: 1,
    });
    // A kind outside the list and an "unknown" service are left out rather than guessed.
    const vague = reportFromSubmission({ summary: 's', rootCause: { service: 'unknown', kind: 'cosmic rays', description: 'd' }, evidence: [], confidence: 'low' }, []);
    assert.deepEqual([vague.rootCauseService, vague.causeKind, vague.rootCause], [undefined, undefined, 'd']);
  });
  it('an answer in prose is kept as written, marked unstructured, with the confidence it states', () => {
    const prose = parseReport('Payments is slow because its pool is exhausted.\n\nEvidence: the pool metric is at 100 %.\n\n**Confidence:** Medium', ['toolu_1']);
    assert.equal(prose.unstructured, true);
    assert.equal(prose.confidence, 'medium');
    assert.equal(prose.summary, 'Payments is slow because its pool is exhausted.');
    assert.match(prose.rootCause, /pool metric is at 100 %/);
    assert.equal(statedConfidence('Confidence level - high.'), 'high');
    assert.equal(statedConfidence('no idea'), undefined);
    assert.equal(parseReport('Something broke.', []).confidence, 'low');
  });
  it('falls back to the model text, never to a placeholder', () => {
    const report = parseReport('Disk full on node-3.\n\nMore detail here.', []);
    assert.equal(report.summary, 'Disk full on node-3.');
    assert.match(report.rootCause, /More detail/);
    const partial = reportFromWhatIsKnown('', [{ claim: 'query_metrics: up == 0', toolUseId: 't1' }], 'context window');
    assert.equal(partial.partial, true);
    assert.deepEqual(partial.evidence, [{ claim: 'query_metrics: up == 0', toolUseId: 't1' }]);
  });
});

describe('triage tools and ids', () => {
  it('cuts output with a note saying how much was left out', () => {
    const { text, truncated } = capOutput('x'.repeat(1000), { chars: 300, tokens: 2000 });
    assert.equal(truncated, true);
    assert.ok(text.length <= 300);
    assert.match(text, /output cut: \d+ more characters/);
    assert.deepEqual(capOutput('short', { chars: 300, tokens: 2000 }), { text: 'short', truncated: false });
  });

  it('cuts dense output at its estimated tokens before its characters, and the estimate errs high', () => {
    const prose = 'The checkout service answered slowly because its database pool was exhausted. '.repeat(20);
    const numbers = Array.from({ length: 400 }, (_, index) => (0.5 + index / 1000).toFixed(3)).join(' ');
    // BPE tokenizers give English prose about 4 characters a token and spaced decimals about 2 (0.512: '0', '.', '512'); the estimate must not be lower.
    assert.ok(estimateTokens(prose) >= prose.length / 4.5, `prose: ${estimateTokens(prose)} tokens for ${prose.length} characters`);
    assert.ok(estimateTokens(numbers) >= numbers.length / 2.5, `numbers: ${estimateTokens(numbers)} tokens for ${numbers.length} characters`);
    assert.deepEqual(capOutput(prose, { chars: 8000, tokens: 2000 }), { text: prose, truncated: false });
    const cut = capOutput(numbers, { chars: 8000, tokens: 500 });
    assert.equal(cut.truncated, true);
    assert.ok(numbers.length < 8000 && estimateTokens(cut.text) <= 500, `${estimateTokens(cut.text)} tokens kept`);
    assert.ok(numbers.startsWith(cut.text.split('\n[output cut')[0]));
    assert.match(cut.text, /\[output cut: \d+ more characters \(about \d+ tokens\) not shown; narrow the query\]$/);
  });
  it('raises the range step so a series has at most 100 points', () => {
    assert.equal(rangeStep(0, 3600, 15), 36);
    assert.equal(rangeStep(0, 600, 15), 15);
    assert.ok(TOOL_DEFINITIONS.every((tool) => tool.input_schema.type === 'object'));
  });
  it('sends a block in the same bytes as built and as read back with its keys reordered (as jsonb does)', () => {
    const built = answerContent(
      [{ type: 'tool_use', id: 'toolu_1', name: 'query_metrics', input: { query: 'up', time: 'now' } }],
      { toolu_1: { status: 'error', output: 'bad query' } },
      [],
      ['a note'],
    );
    const reordered = built.map((block) => Object.fromEntries(Object.entries(block).reverse()) as typeof block);
    const sent = (content: typeof built) => JSON.stringify(apiMessages([{ turn: 2, role: 'user', content }], false));
    assert.equal(sent(reordered), sent(built));
    assert.match(sent(built), /"tool_use_id":"toolu_1"/);
  });

  it("links to the triage in Vigil's dashboard, at server.publicUrl or else the API's own address", () => {
    const at = (server: Record<string, unknown>) => triageLinks(triageSettings(testConfig({ server }), { machineName: hostname() }), 'manual~abc', 'triage/manual/abc').vigil;
    assert.equal(at({ publicUrl: 'https://vigil.example.com/' }), 'https://vigil.example.com/#triage=manual~abc');
    assert.equal(at({ host: '127.0.0.1', port: 9090 }), 'http://127.0.0.1:9090/#triage=manual~abc');
    assert.equal(at({ host: '0.0.0.0', port: 8080 }), `http://${hostname()}:8080/#triage=manual~abc`);
  });

  it('maps workflow ids to path-safe triage ids and back', () => {
    const workflowId = alertWorkflowId('a1b2', '2026-11-23T10:00:00Z');
    assert.equal(workflowId, 'triage/a1b2/2026-11-23T10:00:00Z');
    assert.equal(triageIdOf(workflowId), 'a1b2~2026-11-23T10:00:00Z');
    assert.equal(workflowIdOf(triageIdOf(workflowId)), workflowId);
    assert.equal(workflowIdOf(triageIdOf(manualWorkflowId('x1'))), 'triage/manual/x1');
  });
});

describe('Alertmanager payload schema', () => {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile(alertmanagerPayloadSchema({ maxAlerts: 2, maxLabelValueChars: 20 }));
  const alert = { status: 'firing', labels: { alertname: 'Down' }, annotations: {}, startsAt: '2026-11-23T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'abc' };
  const payload = { version: '4', groupKey: 'g', truncatedAlerts: 0, status: 'firing', receiver: 'vigil', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts: [alert] };
  it('accepts a version 4 payload and refuses another version, too many alerts and over-long label values', () => {
    assert.equal(validate(payload), true);
    assert.equal(validate({ ...payload, version: '3' }), false);
    assert.equal(validate({ ...payload, alerts: [alert, alert, alert] }), false);
    assert.equal(validate({ ...payload, alerts: [{ ...alert, labels: { alertname: 'x'.repeat(21) } }] }), false);
  });
});
