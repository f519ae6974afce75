// Keeps the loop's memo `specDigest` equal to the digest of the spec it was last
// given (lib/core/spec-digest.ts says why): called by the health and drift loops'
// configure handlers. Upserts only when it differs (each upsert is a history event).
import { upsertMemo, workflowInfo } from '@temporalio/workflow';
import { SPEC_DIGEST_MEMO, specDigest } from '../lib/core/spec-digest';

export function showSpecDigest(spec: unknown): void {
  const digest = specDigest(spec);
  if (workflowInfo().memo?.[SPEC_DIGEST_MEMO] !== digest) upsertMemo({ [SPEC_DIGEST_MEMO]: digest });
}
