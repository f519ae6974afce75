// Vigil's dashboard: sign in with an API token (kept in this tab's
// sessionStorage), then show the live overview from /api/v1/events. Static
// files only, no build step; the API's Content-Security-Policy allows no inline
// script or style, so everything is wired here and styled by class.
import { apiClient } from './api.js';
import { externalLink, fill, time } from './dom.js';
import { liveOverview } from './stream.js';
import { renderActions, renderDrift, renderServices, renderTriages } from './tables.js';
import { triageDetail } from './triage-detail.js';

const TOKEN_KEY = 'vigil.token';
const byId = (id) => document.getElementById(id);
const tables = ['services', 'drift', 'triages', 'actions'];

/** The signed-in session: { api, you, ctx, stream, detail, overview }. */
let session;

const canOperate = (role) => role === 'operate' || role === 'admin';

function showSignIn(message) {
  byId('dashboard').hidden = true;
  byId('session').hidden = true;
  byId('temporal-ui-link').hidden = true;
  byId('version').textContent = '';
  const form = byId('sign-in');
  form.hidden = false;
  const error = byId('sign-in-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  byId('token').focus();
}

async function signIn(token) {
  const api = apiClient(token);
  const status = await api.get('/api/v1/status');
  sessionStorage.setItem(TOKEN_KEY, token);
  start(api, status);
}

function start(api, status) {
  const { you } = status;
  byId('sign-in').hidden = true;
  byId('sign-in-error').hidden = true;
  byId('token').value = '';
  byId('version').textContent = `version ${status.version}`;
  byId('whoami').textContent = `${you.name} (${you.role})`;
  byId('session').hidden = false;
  const temporalLink = byId('temporal-ui-link');
  const checked = externalLink(status.temporal?.uiUrl, 'Temporal UI');
  temporalLink.hidden = !checked;
  if (checked) temporalLink.href = checked.href;
  setLive('connecting');
  byId('dashboard').hidden = false;

  const ctx = { api, canOperate: canOperate(you.role), openTriageId: undefined, onOpenTriage: openTriage };
  const detail = triageDetail(byId('triage-detail'), {
    api,
    canOperate: ctx.canOperate,
    rowOf: (id) => session?.overview?.triages.find((triage) => triage.id === id),
    onClose: () => {
      ctx.openTriageId = undefined;
      if (triageInAddress()) history.replaceState(null, '', `${location.pathname}${location.search}`);
      if (session?.overview) renderTriages(byId('triages'), byId('triages-empty'), session.overview.triages, ctx);
    },
  });
  session = { api, you, ctx, detail, overview: undefined };
  session.stream = liveOverview(api, {
    onOverview: render,
    onState: setLive,
    onUnauthorized: (message) => signOut(`Signed out: the API no longer accepts the token (${message}).`),
  });
  openTriageInAddress();
}

/** The triage id in the address (`#triage=<id>`), if any. */
function triageInAddress() {
  const match = /^#triage=(.+)$/.exec(location.hash);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

function openTriageInAddress() {
  const id = triageInAddress();
  if (id && session && session.ctx.openTriageId !== id) openTriage(id);
}

function openTriage(id) {
  if (!session) return;
  // The address names the open triage, so it can be shared (Vigil's own Slack links use it).
  if (triageInAddress() !== id) history.replaceState(null, '', `#triage=${encodeURIComponent(id)}`);
  session.ctx.openTriageId = id;
  session.detail.open(id);
  if (session.overview) renderTriages(byId('triages'), byId('triages-empty'), session.overview.triages, session.ctx);
}

function setLive(state) {
  const live = byId('live');
  live.dataset.state = state;
  live.textContent = state === 'live' ? 'live' : state === 'reconnecting' ? 'reconnecting…' : 'connecting…';
}

function render(overview) {
  if (!session) return;
  session.overview = overview;
  const { ctx } = session;
  const problems = overview.problems ?? [];
  byId('problems').hidden = problems.length === 0;
  fill(byId('problems-list'), problems.map((problem) => Object.assign(document.createElement('li'), { textContent: problem })));
  fill(byId('generated-at'), time(overview.generatedAt));
  renderServices(byId('services'), byId('services-empty'), overview.services ?? [], ctx);
  renderDrift(byId('drift'), byId('drift-empty'), overview.drift ?? [], ctx);
  renderTriages(byId('triages'), byId('triages-empty'), overview.triages ?? [], ctx);
  renderActions(byId('actions'), byId('actions-empty'), overview.actions ?? []);
  session.detail.refresh(overview.triages ?? []);
}

function signOut(message) {
  if (session) {
    session.stream?.stop();
    session.detail.close();
    session = undefined;
  }
  sessionStorage.removeItem(TOKEN_KEY);
  for (const id of tables) byId(id).tBodies[0].replaceChildren();
  byId('problems').hidden = true;
  showSignIn(message);
}

byId('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = byId('token').value.trim();
  if (!token) return showSignIn('Enter an API token.');
  const button = event.target.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await signIn(token);
  } catch (error) {
    showSignIn(error.status === 401 ? `That token was not accepted (${error.message}).` : `Could not sign in: ${error.message}`);
  } finally {
    button.disabled = false;
  }
});

byId('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', openTriageInAddress);

// A token kept from earlier in this tab signs in again, unless the API refuses it now.
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved).catch((error) => {
    if (error.status === 401 || error.status === 403) sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(error.status === 401 ? 'Your saved token is no longer accepted; sign in again.' : `Could not sign in: ${error.message}`);
  });
} else {
  showSignIn();
}
