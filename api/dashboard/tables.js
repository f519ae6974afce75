// The four overview tables: services, drift, triages and recent actions. Rows
// are keyed and refreshed in place on every live update (see syncRows).
import { loopControls } from './controls.js';
import { badge, duration, el, externalLink, fill, syncRows, time } from './dom.js';

const controlsOf = new WeakMap();

function showEmpty(table, emptyNote, items) {
  emptyNote.hidden = items.length > 0;
  table.hidden = items.length === 0;
}

/** The Control column exists for operators only. */
function controlColumn(table, canOperate) {
  for (const cell of table.querySelectorAll('th.operate-only')) cell.hidden = !canOperate;
}

function historyLink(item, name) {
  return externalLink(item.temporalUiUrl, 'Temporal UI', `${name} in the Temporal UI`) ?? el('span', { className: 'muted', text: '—' });
}

function statusCell(cell, status) {
  cell.dataset.status = status || 'unknown';
  fill(cell, badge(status));
}

/** "remediation paused by ann until 10:30: deploying by hand" */
function pauseNote({ reason, by, until }) {
  if (!reason) return null;
  return el('span', { className: 'pause-note', 'data-testid': 'pause-note' }, `remediation paused${by ? ` by ${by}` : ''}`, until ? [' until ', time(until)] : null, `: ${reason}`);
}

function withControls(row, ctx, resource, name) {
  if (!ctx.canOperate) return;
  const controls = loopControls(ctx.api, resource, name);
  controlsOf.set(row, controls);
  row.append(el('td', { className: 'operate-only' }, controls.node));
}

/** A defined loop that is not running (the supervisor starts it again within its period): said beside its status. */
function loopMark(cell, entity) {
  if (!entity.loop || entity.loop === 'running') return;
  const since = entity.loopSince ? ` since ${entity.loopSince}` : '';
  cell.append(' ', el('span', { className: 'badge badge-bad', 'data-testid': 'loop', 'data-loop': entity.loop, title: `its loop is not running${since}`, text: `loop ${entity.loop}` }));
}

export function renderServices(table, emptyNote, services, ctx) {
  controlColumn(table, ctx.canOperate);
  showEmpty(table, emptyNote, services);
  syncRows(
    table.tBodies[0],
    services,
    (service) => service.name,
    (service) => {
      const row = el('tr', { 'data-service': service.name }, el('th', { scope: 'row', text: service.name }), el('td', { className: 'status' }), el('td'));
      withControls(row, ctx, 'services', service.name);
      return row;
    },
    (row, service) => {
      // A pause stops remediation only; the checks, and so the status, go on.
      const paused = service.paused ?? (service.status === 'paused' ? {} : undefined);
      if (paused) row.dataset.paused = 'true';
      else delete row.dataset.paused;
      statusCell(row.cells[1], service.status);
      if (paused) row.cells[1].append(' ', badge('paused', 'paused'), pauseNote(paused));
      loopMark(row.cells[1], service);
      fill(row.cells[2], historyLink(service, service.name));
      controlsOf.get(row)?.update(Boolean(paused));
    },
  );
}

export function renderDrift(table, emptyNote, apps, ctx) {
  controlColumn(table, ctx.canOperate);
  showEmpty(table, emptyNote, apps);
  syncRows(
    table.tBodies[0],
    apps,
    (app) => app.app,
    (app) => {
      const row = el('tr', { 'data-app': app.app }, el('th', { scope: 'row', text: app.app }), el('td'), el('td', { className: 'status' }), el('td'), el('td'), el('td'));
      withControls(row, ctx, 'drift', app.app);
      return row;
    },
    (row, app) => {
      row.cells[1].textContent = app.mode ?? '—';
      statusCell(row.cells[2], app.status);
      if (app.status === 'drifted' && app.fields) row.cells[2].append(' ', el('span', { className: 'muted', text: `${app.fields} field${app.fields === 1 ? '' : 's'}` }));
      loopMark(row.cells[2], app);
      fill(row.cells[3], app.revision ? el('code', { text: app.revision }) : '—');
      fill(row.cells[4], time(app.lastCheck));
      fill(row.cells[5], historyLink(app, app.app));
      controlsOf.get(row)?.update(app.status === 'paused');
    },
  );
}

/** `ctx.onOpenTriage(id)` opens the detail panel; `ctx.openTriageId` marks the open one. */
export function renderTriages(table, emptyNote, triages, ctx) {
  showEmpty(table, emptyNote, triages);
  syncRows(
    table.tBodies[0],
    triages,
    (triage) => triage.id,
    (triage) => {
      const open = el('button', { type: 'button', className: 'link', 'data-testid': 'open-triage' });
      open.addEventListener('click', () => ctx.onOpenTriage(triage.id));
      const row = el('tr', { 'data-triage-id': triage.id, className: 'clickable' }, el('th', { scope: 'row' }, open, el('span')), el('td'), el('td', { className: 'status' }), el('td', { className: 'summary' }), el('td'));
      // The whole row opens it too; the button is what keyboards and screen readers use.
      row.addEventListener('click', (event) => {
        if (event.target === open) return;
        ctx.onOpenTriage(triage.id);
      });
      return row;
    },
    (row, triage) => {
      row.dataset.status = triage.status;
      row.classList.toggle('selected', triage.id === ctx.openTriageId);
      const [open, marker] = row.cells[0].children;
      open.textContent = triage.alertname || '(no alertname)';
      fill(marker, triage.awaitingApproval ? [' ', badge('awaiting approval', 'awaiting-approval')] : []);
      row.cells[1].textContent = triage.service || '—';
      statusCell(row.cells[2], triage.status);
      fill(row.cells[3], triage.summary ?? el('span', { className: 'muted', text: triage.status === 'running' ? 'investigating…' : '—' }));
      fill(row.cells[4], time(triage.startedAt));
    },
  );
}

export function renderActions(table, emptyNote, actions) {
  showEmpty(table, emptyNote, actions);
  fill(
    table.tBodies[0],
    actions.map((action) =>
      el(
        'tr',
        { 'data-service': action.service },
        el('td', {}, time(action.startedAt)),
        el('td', { text: action.service }),
        el('td', { text: action.step }),
        el('td', { text: action.type }),
        el('td', { className: 'status', 'data-status': action.status }, badge(action.status), action.durationMs === null ? null : el('span', { className: 'muted', text: ` ${duration(action.durationMs)}` })),
        el('td', { text: action.decidedBy }),
        el('td', { className: 'reason', text: action.reason }),
      ),
    ),
  );
}
