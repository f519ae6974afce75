/** Link to one execution in the Temporal Web UI (dev server UI, self-hosted UI or Cloud). */
export function executionUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!uiUrl) return undefined;
  const base = `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}` : base;
}
