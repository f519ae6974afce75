// A Temporal call made on behalf of an API request. It gets one deadline
// (temporal.rpcTimeoutMs), so a slow or unreachable server turns into an
// answer instead of a hung request, and its failure reaches the client as
// api/temporal-errors.ts says (refused update 409, missing workflow as the
// route says, anything else 503).
import type { ApiDeps } from './deps';
import type { HttpError } from './errors';
import { temporalFailure } from './temporal-errors';

type RpcDeps = Pick<ApiDeps, 'config' | 'temporal'>;

/** `call` with the RPC deadline of the client's calls inside it; fails as the client fails. */
export function withRpcDeadline<T>(deps: RpcDeps, call: () => Promise<T>): Promise<T> {
  return deps.temporal.client.withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, call);
}

export interface RpcOptions {
  /** What a missing workflow is (usually a 404); absent: a 503 like any other failure. */
  missing?: () => HttpError;
  /**
   * false for an update that acts on the world (a remediation, a sync): it may
   * take minutes, and the action's own timeouts bound it, not the RPC deadline.
   */
  deadline?: boolean;
}

/** `call` with the RPC deadline, its failure turned into the HttpError a client sees. */
export async function callTemporal<T>(deps: RpcDeps & Pick<ApiDeps, 'metrics'>, call: () => Promise<T>, options: RpcOptions = {}): Promise<T> {
  try {
    return options.deadline === false ? await call() : await withRpcDeadline(deps, call);
  } catch (error) {
    throw temporalFailure(deps, error, options.missing);
  }
}
