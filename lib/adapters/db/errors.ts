// Errors that say PostgreSQL is not there right now, as opposed to "this query
// is wrong": the server refusing or dropping connections, being shut down or
// out of connection slots, or the network in between. Callers answer 503 (the
// API) or retry (activities) instead of reporting a bug.

/** SQLSTATE classes 08 (connection exception) and 53 (insufficient resources), and 57P01–57P03 (shutdown, cannot connect now). */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[1-3])$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What pg and pg-pool throw, without a code, when a connection breaks or cannot be had in time. */
const CONNECTION_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, severity, syscall } = error as { code?: unknown; severity?: unknown; syscall?: unknown };
  if (typeof severity === 'string' && typeof code === 'string') return UNAVAILABLE_SQLSTATE.test(code);
  if (typeof syscall === 'string' && typeof code === 'string') return NETWORK_CODES.has(code);
  return CONNECTION_MESSAGES.test(error.message);
}
