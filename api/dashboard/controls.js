// Operator controls of one loop row (a watched service or a reconciled app):
// Pause… (a reason, optionally an end time) or Resume, and for apps Sync now.
// Each shows the API's own message when it is refused.
import { apiPath } from './api.js';
import { el } from './dom.js';

/**
 * `resource` is 'services' or 'drift'; `name` the service or app. Returns the
 * cell's content and `update(paused)`, which shows Resume for a paused loop and
 * Pause… otherwise, without touching a form being filled in.
 */
export function loopControls(api, resource, name) {
  const what = resource === 'services' ? `service ${name}` : `app ${name}`;
  const message = el('p', { className: 'message', role: 'status', 'data-testid': 'control-message' });
  const pauseToggle = el('button', { type: 'button', className: 'secondary', 'data-testid': 'pause-toggle', 'aria-expanded': 'false', text: 'Pause…' });
  const resume = el('button', { type: 'button', className: 'secondary', 'data-testid': 'resume', text: 'Resume', 'aria-label': `Resume ${what}` });
  const sync = resource === 'drift' ? el('button', { type: 'button', className: 'secondary', 'data-testid': 'sync', text: 'Sync now', 'aria-label': `Sync ${what} now` }) : null;

  const reason = el('input', { name: 'reason', required: true, maxlength: 500, autocomplete: 'off', 'data-testid': 'pause-reason', 'aria-label': `Reason for pausing ${what}` });
  const until = el('input', { name: 'until', type: 'datetime-local', 'data-testid': 'pause-until', 'aria-label': `Pause ${what} until (optional)` });
  const cancel = el('button', { type: 'button', className: 'secondary', text: 'Cancel' });
  const form = el(
    'form',
    { className: 'pause-form', 'data-testid': 'pause-form', hidden: true },
    el('label', {}, 'Reason ', reason),
    el('label', {}, 'Until (optional) ', until),
    el('span', { className: 'buttons' }, el('button', { type: 'submit', 'data-testid': 'pause-submit', text: 'Pause', 'aria-label': `Pause ${what}` }), cancel),
  );

  const say = (text, isError = false) => {
    message.textContent = text;
    message.classList.toggle('error', isError);
  };
  const showForm = (open) => {
    form.hidden = !open;
    pauseToggle.setAttribute('aria-expanded', String(open));
    if (open) reason.focus();
  };

  /** Runs one request with the buttons disabled; says `done(result)` or the API's message. */
  async function run(busyText, request, done) {
    const buttons = [pauseToggle, resume, sync, ...form.querySelectorAll('button')].filter(Boolean);
    for (const button of buttons) button.disabled = true;
    say(busyText);
    try {
      say(done(await request()));
      return true;
    } catch (error) {
      say(error.message, true);
      return false;
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  pauseToggle.addEventListener('click', () => showForm(form.hidden));
  cancel.addEventListener('click', () => showForm(false));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { reason: reason.value.trim() };
    if (!body.reason) {
      say('Say why you pause it (the reason is recorded).', true);
      return;
    }
    if (until.value) {
      const at = new Date(until.value);
      if (Number.isNaN(at.getTime())) {
        say('That end time is not a date.', true);
        return;
      }
      body.until = at.toISOString();
    }
    const ok = await run('Pausing…', () => api.post(apiPath(resource, name, 'pause'), body), (result) => (result?.until ? `Paused until ${new Date(result.until).toLocaleString()}.` : 'Paused until resumed.'));
    if (ok) {
      form.reset();
      showForm(false);
    }
  });
  resume.addEventListener('click', () => void run('Resuming…', () => api.post(apiPath(resource, name, 'resume')), () => 'Resumed.'));
  sync?.addEventListener('click', () =>
    void run(
      'Syncing… (applies may take a while)',
      () => api.post(apiPath(resource, name, 'sync'), {}),
      (result) => `Sync ${result.outcome}${result.revision ? ` at ${result.revision}` : ''}: ${result.detail}`,
    ),
  );

  return {
    node: el('div', { className: 'controls' }, el('span', { className: 'buttons' }, pauseToggle, resume, sync), form, message),
    update(paused) {
      resume.hidden = !paused;
      pauseToggle.hidden = paused;
      if (paused && !form.hidden) showForm(false);
    },
  };
}
