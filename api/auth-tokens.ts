// Bearer tokens and their roles. Tokens are compared as SHA-256 digests with
// timingSafeEqual, against every configured token, so neither the length nor
// the position of a match shows in the response time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role, TokenConfig } from '../lib/core/config/schema';

export interface ApiToken {
  name: string;
  role: Role;
  digest: Buffer;
}

export interface Principal {
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { read: 0, operate: 1, admin: 2 };

export function roleAllows(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function apiToken(name: string, role: Role, secret: string): ApiToken {
  return { name, role, digest: digest(secret) };
}

/** Resolves configured tokens (inline or by env var name); a token whose env var is unset is skipped and reported. */
export function resolveTokens(configured: TokenConfig[], env: NodeJS.ProcessEnv): { tokens: ApiToken[]; missing: string[] } {
  const tokens: ApiToken[] = [];
  const missing: string[] = [];
  for (const token of configured) {
    const secret = token.value ?? (token.env ? env[token.env] : undefined);
    if (secret) tokens.push(apiToken(token.name, token.role, secret));
    else missing.push(token.env ? `${token.name} (env ${token.env} is not set)` : `${token.name} (no value or env)`);
  }
  return { tokens, missing };
}

export function authenticate(tokens: ApiToken[], presented: string): Principal | undefined {
  const candidate = digest(presented);
  let match: ApiToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(candidate, token.digest) && !match) match = token;
  }
  return match ? { name: match.name, role: match.role } : undefined;
}
