import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gateDecision, type GateRules } from '../../lib/core/triage/gate';
import { nextStep } from '../../lib/core/triage/stop';

describe('stop reasons', () => {
  const tools = { mode: 'tools' as const, finalCalls: 0, hasToolCalls: false };
  it('end_turn and stop_sequence are final', () => {
    assert.deepEqual(nextStep('end_turn', tools), { kind: 'finish', status: 'completed' });
    assert.deepEqual(nextStep('stop_sequence', tools), { kind: 'finish', status: 'completed' });
  });
  it('tool_use runs tools, but in final mode asks again for the answer, then ends from what is known', () => {
    assert.deepEqual(nextStep('tool_use', { ...tools, hasToolCalls: true }), { kind: 'run-tools' });
    assert.equal(nextStep('tool_use', { mode: 'final', finalCalls: 1, hasToolCalls: true }).kind, 'ask-final');
    const last = nextStep('tool_use', { mode: 'final', finalCalls: 2, hasToolCalls: true });
    assert.equal(last.kind, 'finish');
    assert.equal(last.kind === 'finish' && last.partial, true);
  });
  it('pause_turn continues; max_tokens asks for a concise final answer once, then ends', () => {
    assert.deepEqual(nextStep('pause_turn', tools), { kind: 'continue' });
    const cut = nextStep('max_tokens', tools);
    assert.equal(cut.kind, 'ask-final');
    assert.match(cut.kind === 'ask-final' ? cut.note : '', /cut off/);
    assert.equal(nextStep('max_tokens', { mode: 'final', finalCalls: 2, hasToolCalls: false }).kind, 'finish');
  });
  it('refusal finishes as refused; a context window overflow finishes from what is known', () => {
    assert.deepEqual(nextStep('refusal', tools), { kind: 'finish', status: 'refused', limitedBy: 'the model declined to continue this investigation' });
    const overflow = nextStep('model_context_window_exceeded', tools);
    assert.equal(overflow.kind === 'finish' && overflow.partial, true);
    assert.equal(nextStep(null, tools).kind, 'finish');
  });
});

describe('triage gate', () => {
  const rules: GateRules = { silenced: [{ env: 'staging' }, { team: 'web', severity: 'info' }], noiseAlertnames: ['Watchdog'] };
  it('skips known noise and silenced label sets, saying which rule matched', () => {
    assert.deepEqual(gateDecision({ alertname: 'Watchdog' }, rules), { investigate: false, reason: 'alertname "Watchdog" is listed as known noise (llm.gate.noiseAlertnames)' });
    assert.match(gateDecision({ alertname: 'X', env: 'staging' }, rules).reason, /llm\.gate\.silenced\[0\]: env=staging/);
    assert.equal(gateDecision({ alertname: 'X', team: 'web', severity: 'info' }, rules).investigate, false);
  });
  it('investigates when a set only partly matches', () => {
    assert.deepEqual(gateDecision({ alertname: 'X', team: 'web', severity: 'critical' }, rules), { investigate: true, reason: 'no gate rule matched' });
  });
});
