// What a triage workflow needs from config, resolved by whoever starts it (the
// API or an activity) and passed in its input: workflow code reads no config.
import type { VigilConfig } from '../config/schema';
import type { Budgets } from './budget';
import type { GateRules } from './gate';
import type { OfflineQueries } from './offline';

export interface TriageSettings {
  model: string;
  /** The cheap model that decides whether to investigate; empty: rules only. */
  gateModel: string;
  maxTokensPerTurn: number;
  requestTimeoutMs: number;
  toolTimeoutMs: number;
  budgets: Budgets;
  gate: GateRules;
  continueOnResolve: boolean;
  approvalWindowMs: number;
  /** How long an Alertmanager triage waits after its report for `resolved`, to follow up (0: it does not). */
  followUpWindowMs: number;
  /** Base URL of Vigil (its dashboard) for links in the report. */
  publicUrl: string;
  /** Base URL of the Temporal UI for links (may be empty). */
  temporalUiUrl: string;
  namespace: string;
  /** The offline investigator's PromQL templates. */
  offlineQueries: OfflineQueries;
}

/**
 * The core reads no OS state itself: `extra.machineName` (the host's name) stands in
 * for a wildcard listen address in links. Whether there is a model to ask is found
 * where it is called (the LLM worker's environment), not here.
 */
export function triageSettings(config: VigilConfig, extra: { temporalUiUrl?: string; namespace?: string; machineName?: string } = {}): TriageSettings {
  const { llm } = config;
  return {
    model: llm.model,
    gateModel: llm.gate.useModel ? llm.gateModel : '',
    maxTokensPerTurn: llm.maxTokensPerTurn,
    requestTimeoutMs: llm.requestTimeoutMs,
    toolTimeoutMs: llm.sources.toolTimeoutMs,
    budgets: { ...llm.budgets },
    gate: { silenced: llm.gate.silenced.map((set) => ({ ...set })), noiseAlertnames: [...llm.gate.noiseAlertnames] },
    continueOnResolve: llm.continueOnResolve,
    approvalWindowMs: llm.approvalWindowMs,
    followUpWindowMs: llm.followUpWindowMs,
    publicUrl: vigilBaseUrl(config, extra.machineName),
    temporalUiUrl: extra.temporalUiUrl ?? config.temporal.uiUrl,
    namespace: extra.namespace ?? config.temporal.namespace,
    offlineQueries: { errorRate: llm.offline.errorRateQuery, latency: llm.offline.latencyQuery },
  };
}

/** `server.publicUrl`, or else the API's own address (this host's name when it listens on every interface). */
export function vigilBaseUrl(config: Pick<VigilConfig, 'server'>, machineName = 'localhost'): string {
  const { publicUrl, host, port } = config.server;
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? machineName : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
