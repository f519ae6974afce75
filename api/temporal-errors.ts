// How a failed Temporal call reaches an API client: an update the workflow
// refused is 409 with its reason, a missing workflow is whatever the route says
// (usually 404), anything else 503 and counted as a dependency error.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApiDeps } from './deps';
import { HttpError } from './errors';

/** By class, or by name when the error crossed a copy of the client package. */
export function isWorkflowNotFound(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || (error as Error | undefined)?.name === 'WorkflowNotFoundError';
}

export function temporalFailure(deps: Pick<ApiDeps, 'metrics'>, error: unknown, missing?: () => HttpError): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof WorkflowUpdateFailedError) return new HttpError(409, 'refused', (error.cause as Error)?.message ?? error.message);
  if (missing && isWorkflowNotFound(error)) return missing();
  deps.metrics.dependencyErrors.inc({ dependency: 'temporal' });
  return new HttpError(503, 'unavailable', `Temporal did not answer: ${(error as Error).message}`);
}
