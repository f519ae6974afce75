import { REDACTED, redactUrl } from '../../core/redact';
import type { VigilConfig } from '../../core/config/schema';

/** A copy of the config that is safe to show: inline secrets and URL passwords replaced. */
export function redactConfig(config: VigilConfig): VigilConfig {
  const copy = structuredClone(config);
  copy.auth.tokens = copy.auth.tokens.map((token) => (token.value ? { ...token, value: REDACTED } : token));
  if (copy.database.url) copy.database.url = redactUrl(copy.database.url);
  return copy;
}
