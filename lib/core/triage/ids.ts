// Triage ids. The workflow id is `triage/<fingerprint>/<startsAt>` for an
// Alertmanager alert instance and `triage/manual/<id>` for a manual request;
// the API and PostgreSQL use the same id without the prefix and with `~` for the
// remaining slash, so it fits in one path segment: `<fingerprint>~<startsAt>`.

export const TRIAGE_PREFIX = 'triage/';

export function alertWorkflowId(fingerprint: string, startsAt: string): string {
  return `${TRIAGE_PREFIX}${fingerprint}/${startsAt}`;
}

export function manualWorkflowId(id: string): string {
  return `${TRIAGE_PREFIX}manual/${id}`;
}

export function triageIdOf(workflowId: string): string {
  return workflowId.slice(TRIAGE_PREFIX.length).replace('/', '~');
}

export function workflowIdOf(triageId: string): string {
  return `${TRIAGE_PREFIX}${triageId.replace('~', '/')}`;
}

/** Path-segment safe: what GET /triage/:id accepts. */
export const TRIAGE_ID_PATTERN = '^[A-Za-z0-9._:+-]{1,100}~[A-Za-z0-9._:+-]{1,100}$';
