// The failure types that workflows and activities share. An activity throws an
// ApplicationFailure with one of these as its type; a workflow lists them in a
// retry policy's nonRetryableErrorTypes or tells them apart when one arrives.
// Named once here so the two sides cannot drift apart by a typo.
export const FAILURES = {
  /** A notifier rejected the event for good (4xx, bad config): retrying cannot help. */
  notifyRejected: 'NonRetryableNotifyError',
  /** Some notifiers could not be reached; a retry may get through. */
  notifyFailed: 'NotifyFailed',
  /** The Messages API refused the request (a 4xx other than 408/409/429). */
  llmRejected: 'LlmRequestRejected',
  /** The Messages API could not be reached. */
  llmUnavailable: 'LlmUnavailable',
  /** This worker has no Temporal client, so it cannot start or update another loop. */
  triageNotAvailable: 'TriageNotAvailable',
  /** The health loop refused a remediation a triage asked for (paused, unknown action, cooldown). */
  remediationRefused: 'RemediationRefused',
  /** An approved remediation could not be carried out. */
  approvalFailed: 'ApprovalFailed',
} as const;

export type FailureType = (typeof FAILURES)[keyof typeof FAILURES];

/** A programming error in a probe's input: retrying the same input fails the same way. */
export const PROGRAMMING_ERRORS = ['TypeError', 'RangeError'];

/** The type of an HTTP failure from the Messages API with this status (retryable: 408, 409, 429, 5xx). */
export const llmHttpFailure = (status: number) => `LlmHttp${status}`;
