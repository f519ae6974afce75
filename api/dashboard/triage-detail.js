// The detail panel of one triage: what the alert said, the report (summary,
// root cause, evidence, confidence, next steps), the proposed remediation with
// Approve / Reject for operators, and the tool calls the investigation made.
import { apiPath } from './api.js';
import { badge, duration, el, externalLink, fill, time } from './dom.js';

/** What in an overview row means the detail is out of date. */
const fingerprint = (row) => (row ? JSON.stringify([row.status, row.summary, row.awaitingApproval, row.finishedAt, row.resolvedAt]) : '');

/**
 * `rowOf(id)` is the triage's row in the latest overview (it says whether a
 * proposal awaits approval); `onClose()` runs when the panel is closed.
 */
export function triageDetail(panel, { api, canOperate, rowOf, onClose }) {
  let openId;
  let shown = '';
  let generation = 0;

  async function load(id, quietly) {
    const mine = ++generation;
    if (!quietly) fill(panel, header(id, null), el('p', { className: 'muted', text: 'Loading…' }));
    try {
      const triage = await api.get(apiPath('triage', id));
      if (mine === generation && openId === id) render({ ...triage, awaitingApproval: triage.awaitingApproval ?? rowOf(id)?.awaitingApproval ?? false });
    } catch (error) {
      if (mine === generation && openId === id) fill(panel, header(id, null), el('p', { className: 'error', role: 'alert', text: error.message }));
    }
  }

  function header(id, triage) {
    const close = el('button', { type: 'button', className: 'secondary', 'data-testid': 'close-triage', text: 'Close' });
    close.addEventListener('click', closePanel);
    return el(
      'div',
      { className: 'detail-header' },
      el('h3', { id: 'triage-detail-title' }, triage ? triage.alertname || '(no alertname)' : `Triage ${id}`),
      triage ? badge(triage.status, 'triage-status') : null,
      triage?.awaitingApproval ? badge('awaiting approval') : null,
      close,
    );
  }

  function closePanel() {
    openId = undefined;
    generation += 1;
    panel.hidden = true;
    panel.replaceChildren();
    onClose();
  }

  function render(triage) {
    const facts = el(
      'dl',
      { className: 'facts' },
      fact('Service', triage.service || '—'),
      fact('Source', triage.source),
      fact('Started', time(triage.startedAt)),
      fact('Finished', time(triage.finishedAt)),
      triage.resolvedAt ? fact('Alert resolved', time(triage.resolvedAt)) : null,
      triage.question ? fact('Question', triage.question) : null,
      fact('History', externalLink(triage.temporalUiUrl, 'Temporal UI', 'This triage in the Temporal UI') ?? '—'),
    );
    fill(
      panel,
      header(triage.id, triage),
      facts,
      triage.gate && triage.gate.investigate === false ? el('p', { className: 'note', text: `Not investigated: ${triage.gate.reason}` }) : null,
      progressNote(triage),
      pairs('Annotations', triage.annotations, 'annotations', true),
      pairs('Labels', triage.labels, 'labels', false),
      report(triage),
      remediation(triage),
      cancelControl(triage),
      toolCalls(triage.toolCalls),
    );
  }

  function progressNote(triage) {
    if (triage.status !== 'running') return null;
    const phase = triage.progress?.phase;
    return el('p', { className: 'note', role: 'status', text: phase ? `Investigating (phase: ${phase}${triage.progress.turn ? `, turn ${triage.progress.turn}` : ''})…` : 'Investigating…' });
  }

  function report(triage) {
    const found = triage.report;
    if (!found) return el('p', { className: 'muted', text: triage.status === 'running' ? 'The report is not written yet.' : 'No report.' });
    const byToolUse = new Map((triage.toolCalls ?? []).map((call) => [call.toolUseId, call.name]));
    return el(
      'section',
      { className: 'report', 'data-testid': 'report', 'aria-label': 'Report' },
      el(
        'h4',
        {},
        'Report ',
        found.offline ? el('span', { className: 'badge badge-neutral', 'data-testid': 'offline', text: 'offline investigator (no model configured)' }) : null,
        found.partial ? el('span', { className: 'badge badge-warn', text: `partial${found.limitedBy ? `: ${found.limitedBy}` : ''}` }) : null,
      ),
      el('p', { className: 'summary', 'data-testid': 'report-summary', text: found.summary }),
      el('h5', { text: 'Root cause' }),
      el('p', { className: 'prose', 'data-testid': 'root-cause', text: found.rootCause }),
      el('p', {}, 'Confidence: ', el('strong', { 'data-testid': 'confidence', text: found.confidence })),
      el('h5', { text: 'Evidence' }),
      found.evidence?.length
        ? el(
            'ul',
            { 'data-testid': 'evidence' },
            found.evidence.map((item) => {
              const tool = item.tool ?? byToolUse.get(item.toolUseId);
              return el('li', {}, item.claim, tool ? el('span', { className: 'muted', text: ` (from ${tool})` }) : null);
            }),
          )
        : el('p', { className: 'muted', text: 'None given.' }),
      el('h5', { text: 'Next steps' }),
      found.nextSteps?.length ? el('ol', { 'data-testid': 'next-steps' }, found.nextSteps.map((step) => el('li', { text: step }))) : el('p', { className: 'muted', text: 'None given.' }),
    );
  }

  function remediation(triage) {
    const proposal = triage.report?.remediation ?? triage.progress?.proposal;
    if (!proposal) return null;
    const decision = triage.approval ?? triage.progress?.decision;
    const box = el(
      'section',
      { className: 'proposal', 'data-testid': 'proposal', 'aria-label': 'Proposed remediation' },
      el('h4', { text: 'Proposed remediation' }),
      el('p', {}, el('strong', { text: proposal.action ?? 'the next remediation step' }), ' on ', el('strong', { text: proposal.service }), proposal.reason ? ` — ${proposal.reason}` : ''),
    );
    if (decision) {
      box.append(el('p', { 'data-testid': 'decision' }, badge(decision.kind), decision.by ? ` by ${decision.by}` : '', decision.reason ? ` — ${decision.reason}` : ''));
      return box;
    }
    if (!triage.awaitingApproval || !canOperate) return box;
    const message = el('p', { className: 'message', role: 'status' });
    const approve = el('button', { type: 'button', 'data-testid': 'approve', text: 'Approve and run it' });
    const reason = el('input', { name: 'reason', maxlength: 500, autocomplete: 'off', 'aria-label': 'Reason for rejecting (optional)', placeholder: 'reason (optional)' });
    const reject = el('button', { type: 'button', className: 'danger', 'data-testid': 'reject', text: 'Reject' });
    const decide = async (busy, request) => {
      approve.disabled = reject.disabled = true;
      message.classList.remove('error');
      message.textContent = busy;
      try {
        await request();
        message.textContent = 'Done.';
        await load(triage.id, true);
      } catch (error) {
        message.textContent = error.message;
        message.classList.add('error');
        approve.disabled = reject.disabled = false;
      }
    };
    approve.addEventListener('click', () => void decide('Running the remediation…', () => api.post(apiPath('triage', triage.id, 'approve'))));
    reject.addEventListener('click', () => void decide('Rejecting…', () => api.post(apiPath('triage', triage.id, 'reject'), reason.value.trim() ? { reason: reason.value.trim() } : {})));
    box.append(el('div', { className: 'buttons' }, approve, reason, reject), message);
    return box;
  }

  function cancelControl(triage) {
    if (triage.status !== 'running' || !canOperate) return null;
    const message = el('p', { className: 'message', role: 'status' });
    const button = el('button', { type: 'button', className: 'danger', 'data-testid': 'cancel-triage', text: 'Cancel this triage' });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api.post(apiPath('triage', triage.id, 'cancel'), {});
        message.textContent = 'Cancelling…';
      } catch (error) {
        message.textContent = error.message;
        message.classList.add('error');
        button.disabled = false;
      }
    });
    return el('div', { className: 'buttons' }, button, message);
  }

  return {
    get openId() {
      return openId;
    },
    open(id) {
      openId = id;
      shown = fingerprint(rowOf(id));
      panel.hidden = false;
      void load(id, false).then(() => panel.focus({ preventScroll: false }));
    },
    close: closePanel,
    /** Reloads the open triage when its row in a new overview says it changed. */
    refresh(triages) {
      if (!openId) return;
      const now = fingerprint(triages.find((triage) => triage.id === openId));
      if (now !== shown) void load(openId, true);
      shown = now;
    },
  };
}

/** A term and its value; `data-key` names the term for tests (an attribute value, so any text is safe). */
function fact(term, value) {
  return [el('dt', { text: term }), el('dd', { 'data-key': term }, value)];
}

/** Labels or annotations as a definition list (values are untrusted text). */
function pairs(title, record, testId, open) {
  const entries = Object.entries(record ?? {});
  if (!entries.length) return null;
  return el(
    'details',
    { className: 'pairs', open },
    el('summary', { text: `${title} (${entries.length})` }),
    el('dl', { 'data-testid': testId }, entries.map(([key, value]) => fact(key, String(value)))),
  );
}

function toolCalls(calls) {
  const list = calls ?? [];
  return el(
    'details',
    { className: 'tool-calls', 'data-testid': 'tool-calls' },
    el('summary', { text: `Tool calls (${list.length})` }),
    list.length
      ? el(
          'ol',
          {},
          list.map((call) =>
            el(
              'li',
              { 'data-tool': call.name },
              el('p', {}, el('strong', { text: call.name }), ' ', badge(call.status), el('span', { className: 'muted', text: ` ${duration(call.durationMs)}${call.truncated ? ', output truncated' : ''}` })),
              el('pre', { className: 'json', text: JSON.stringify(call.input ?? {}, null, 2) }),
              call.output ? el('details', {}, el('summary', { text: 'Output' }), el('pre', { text: call.output })) : null,
            ),
          ),
        )
      : el('p', { className: 'muted', text: 'No tool calls.' }),
  );
}
