// What the drift workflow runs from: an app definition with durations in
// milliseconds. Plain JSON, small, so it travels in workflow input and survives
// continue-as-new. The desired documents themselves never enter history.
import { toMs } from '../config/duration';
import type { AppDefinitionSpec } from '../config/apps';
import type { HealPolicy } from './heal';
import type { SyncWindow } from './windows';

export type DriftMode = 'detect' | 'self-heal';

export type SourceSpec = { type: 'directory'; path: string } | { type: 'git'; repo: string; ref: string; path: string };

export type ProviderSpec =
  | { type: 'file'; root: string; format: 'auto' | 'json' | 'yaml' | 'text' }
  | { type: 'http'; baseUrl: string; applyMethod: 'PUT' | 'PATCH' | 'POST'; headers?: Record<string, string>; headersEnv?: Record<string, string>; timeoutMs: number }
  | { type: 'command'; read: string[]; apply: string[]; env?: Record<string, string>; cwd?: string; timeoutMs: number };

export interface DriftSpec {
  app: string;
  mode: DriftMode;
  intervalMs: number;
  jitterMs: number;
  source: SourceSpec;
  provider: ProviderSpec;
  ignore: string[];
  sensitive: string[];
  heal: HealPolicy;
  windows: SyncWindow[];
}

export function driftSpec(definition: AppDefinitionSpec): DriftSpec {
  const provider = definition.provider;
  return {
    app: definition.name,
    mode: definition.mode,
    intervalMs: toMs(definition.interval),
    jitterMs: toMs(definition.jitter),
    source: definition.source.type === 'directory' ? { ...definition.source } : { ...definition.source },
    provider:
      provider.type === 'file'
        ? { ...provider }
        : (() => {
            const { timeout, ...rest } = provider;
            return { ...rest, timeoutMs: toMs(timeout) } as ProviderSpec;
          })(),
    ignore: definition.ignore,
    sensitive: definition.sensitive,
    heal: {
      maxAttempts: definition.selfHeal.maxAttempts,
      initialBackoffMs: toMs(definition.selfHeal.backoff),
      maxBackoffMs: toMs(definition.selfHeal.maxBackoff),
      contestedAfter: definition.selfHeal.contestedAfter,
    },
    windows: definition.syncWindows.map((window) => ({ kind: window.kind, cron: window.cron, durationMs: toMs(window.duration), timezone: window.timezone })),
  };
}
