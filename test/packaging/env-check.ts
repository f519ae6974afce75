// Is every env var a deployment sets one Vigil reads? Judged by Vigil's own
// loader: it rejects unknown VIGIL_* names (with did-you-mean), and every other
// name must be a conventional alias (TEMPORAL_ADDRESS, DATABASE_URL…) or a
// secret that the effective configuration names (llm.apiKeyEnv,
// auth.tokens[].env, notifications.slack.webhookUrlEnv…).
import { cpSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ENV_ALIASES, ENV_RESERVED } from '../../lib/core/config/env';
import { ConfigError } from '../../lib/core/config/errors';
import { loadConfig } from '../../lib/adapters/config/load';
import type { VigilConfig } from '../../lib/core/config/schema';

/** The env var names a configuration tells Vigil to read secrets from. */
export function secretEnvNames(config: VigilConfig): string[] {
  return [
    config.temporal.apiKeyEnv,
    config.llm.apiKeyEnv,
    config.notifications.slack.webhookUrlEnv,
    ...config.auth.tokens.map((token) => token.env ?? ''),
    ...config.notifications.webhooks.flatMap((webhook) => Object.values(webhook.headersEnv ?? {})),
  ].filter(Boolean);
}

/** Problems with `env` for a process whose config directory is `configDir`; empty when all is read. */
export function envProblems(env: Record<string, string>, configDir: string): string[] {
  let config: VigilConfig;
  try {
    config = loadConfig({ dir: configDir, env }).config;
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.source}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`);
    throw error;
  }
  const read = new Set([...Object.keys(ENV_ALIASES), ...ENV_RESERVED, ...secretEnvNames(config)]);
  return Object.keys(env)
    .filter((name) => !name.startsWith('VIGIL_') && !read.has(name))
    .map((name) => `${name}: Vigil does not read this variable`);
}

/** A config directory assembled from files: target path inside it → source file or directory, or text. */
export function assembleConfigDir(entries: { path: string; source?: string; text?: string }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-packaging-config-'));
  for (const entry of entries) {
    const target = join(dir, entry.path);
    mkdirSync(dirname(target), { recursive: true });
    if (entry.source) cpSync(entry.source, target, { recursive: true });
    else writeFileSync(target, entry.text ?? '');
  }
  return dir;
}
