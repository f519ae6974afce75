// The laptop admin token: VIGIL_ADMIN_TOKEN if set, else the one stored in
// <dataDir>/admin-token (created once, mode 0600).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface AdminToken {
  secret: string;
  /** Where it came from, for the banner. */
  origin: 'env' | 'file' | 'created';
  file?: string;
}

export function adminTokenFromEnv(env: NodeJS.ProcessEnv): AdminToken | undefined {
  return env.VIGIL_ADMIN_TOKEN ? { secret: env.VIGIL_ADMIN_TOKEN, origin: 'env' } : undefined;
}

export function loadOrCreateAdminToken(dataDir: string, env: NodeJS.ProcessEnv): AdminToken {
  const fromEnv = adminTokenFromEnv(env);
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), origin: 'file', file };
  const secret = `vgl_${randomBytes(24).toString('base64url')}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, origin: 'created', file };
}
