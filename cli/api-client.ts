// The small HTTP client the operator commands use to talk to a running Vigil
// API (`vigil up` on a laptop or a deployed `vigil api`).
//   where: --api URL, else VIGIL_API_URL, else what a running `vigil up` announced
//          (cli/api-announce.ts), else http://<server.host>:<server.port>
//   token: VIGIL_TOKEN, else VIGIL_ADMIN_TOKEN, else <dataDir>/admin-token
// There is deliberately no --token flag: it would end up in shell history.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../lib/adapters/config/load';
import type { ApiAnnouncement } from './api-announce';

const DEFAULT_TIMEOUT_MS = 30_000;

/** A failure to report as `vigil: <message>` with exit 1: the API's own message, or why it could not be reached. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ApiTarget {
  baseUrl: string;
  token?: string;
  /** Where the token came from, for the hint on a 401. */
  tokenOrigin: string;
}

/**
 * Resolves URL and token; `load` (the config) is only called when the env does not
 * already say both. It is async so that the CLI imports the config loader (and its
 * schema builder, most of a command's start-up) only then.
 */
export async function resolveApiTarget(options: {
  api?: string;
  env: NodeJS.ProcessEnv;
  load: () => Promise<LoadedConfig>;
  /** What a running `vigil up` announced (cli/api-announce.ts), asked before the config when neither --api nor VIGIL_API_URL says. */
  announced?: () => ApiAnnouncement | undefined;
}): Promise<ApiTarget> {
  const { env } = options;
  let loaded: Promise<LoadedConfig> | undefined;
  const config = async () => (await (loaded ??= options.load())).config;
  const announced = options.api || env.VIGIL_API_URL ? undefined : options.announced?.();
  const baseUrl = (options.api || env.VIGIL_API_URL || announced?.url || urlFromConfig((await config()).server)).replace(/\/+$/, '');
  if (env.VIGIL_TOKEN) return { baseUrl, token: env.VIGIL_TOKEN, tokenOrigin: 'VIGIL_TOKEN' };
  if (env.VIGIL_ADMIN_TOKEN) return { baseUrl, token: env.VIGIL_ADMIN_TOKEN, tokenOrigin: 'VIGIL_ADMIN_TOKEN' };
  const file = announced ? announced.tokenFile : join(resolve((await config()).dataDir), 'admin-token');
  if (!file) return { baseUrl, tokenOrigin: 'none' };
  if (existsSync(file)) return { baseUrl, token: readFileSync(file, 'utf8').trim(), tokenOrigin: file };
  return { baseUrl, tokenOrigin: 'none' };
}

function urlFromConfig(server: { host: string; port: number }): string {
  // A wildcard listen address is not one to connect to; the same machine answers on loopback.
  const host = server.host === '0.0.0.0' ? '127.0.0.1' : server.host === '::' ? '::1' : server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  timeoutMs?: number;
}

export function createApiClient(target: ApiTarget) {
  async function request<T>(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(`${target.baseUrl}/api/v1${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (target.token) headers.authorization = `Bearer ${target.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw unreachable(target.baseUrl, error, timeoutMs);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.ok) return body as T;
    throw failure(target, response.status, body, text);
  }
  return {
    baseUrl: target.baseUrl,
    get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
    post: <T>(path: string, options?: RequestOptions) => request<T>('POST', path, options),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

function unreachable(baseUrl: string, error: unknown, timeoutMs: number): ApiError {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new ApiError(`the Vigil API at ${baseUrl} did not answer within ${Math.round(timeoutMs / 1000)} s`);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return new ApiError(`cannot reach the Vigil API at ${baseUrl} (is \`vigil up\` running?)`);
  return new ApiError(`cannot reach the Vigil API at ${baseUrl}: ${cause?.message ?? (error as Error).message}`);
}

function failure(target: ApiTarget, status: number, body: unknown, text: string): ApiError {
  const { error, message } = (body ?? {}) as { error?: string; message?: string };
  let reported = message ?? `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (status === 401) {
    reported += target.tokenOrigin === 'none' ? ' (no token: set VIGIL_TOKEN, or run `vigil up`, which stores an admin token in <dataDir>/admin-token)' : ` (token from ${target.tokenOrigin})`;
  }
  if (status === 409) reported = `refused: ${reported}`;
  return new ApiError(reported, status, error);
}
