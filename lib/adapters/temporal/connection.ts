// Connection options for the Temporal client (API) and the worker, from config:
// address, namespace, API key (by env var name) and mTLS files.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import { ConfigError } from '../../core/config/errors';
import type { VigilConfig } from '../../core/config/schema';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: ConnectionOptions['tls'];
  apiKey?: string;
}

export function temporalTarget(config: VigilConfig, address: string, env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const { tls, namespace, apiKeyEnv } = config.temporal;
  const apiKey = apiKeyEnv ? env[apiKeyEnv] || undefined : undefined;
  const useTls = tls.enabled || Boolean(apiKey);
  return {
    address,
    namespace,
    apiKey,
    tls: useTls
      ? {
          serverNameOverride: tls.serverName || undefined,
          serverRootCACertificate: tls.caFile ? readSetting(tls.caFile, 'temporal.tls.caFile') : undefined,
          clientCertPair: tls.certFile && tls.keyFile ? { crt: readSetting(tls.certFile, 'temporal.tls.certFile'), key: readSetting(tls.keyFile, 'temporal.tls.keyFile') } : undefined,
        }
      : undefined,
  };
}

function readSetting(file: string, path: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError([{ source: 'config', path, message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
}
