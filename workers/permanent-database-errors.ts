// A PostgreSQL error that no retry can fix (SQLSTATE class 22, bad data; 23, a
// broken constraint; 42, a broken query) fails the activity for good, instead
// of retrying until the retry policy gives up, which for most of Vigil's
// activities is never. The workflow then sees the failure and ends or handles
// it. Connection, serialization and resource errors keep retrying.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';

export const PERMANENT_DATABASE_ERROR = 'PermanentDatabaseError';

const PERMANENT_SQLSTATE = /^(22|23|42)[0-9A-Z]{3}$/;

/** A server-side error from `pg` (it carries the SQLSTATE and a severity) that will fail again the same way. */
export function isPermanentDatabaseError(error: unknown): error is Error & { code: string } {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return error instanceof Error && typeof severity === 'string' && typeof code === 'string' && PERMANENT_SQLSTATE.test(code);
}

const inbound: ActivityInboundCallsInterceptor = {
  async execute(input, next) {
    try {
      return await next(input);
    } catch (error) {
      if (!isPermanentDatabaseError(error)) throw error;
      throw ApplicationFailure.create({ type: PERMANENT_DATABASE_ERROR, message: `PostgreSQL ${error.code}: ${error.message}`, nonRetryable: true, cause: error });
    }
  },
};

export const permanentDatabaseErrors: ActivityInterceptorsFactory = () => ({ inbound });
