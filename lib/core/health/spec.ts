// What the health workflow runs from: a service definition with durations in
// milliseconds and check specs in the shape the probes take. Plain JSON, small,
// so it travels in workflow input and survives continue-as-new.
import { presetArgv } from '../actions/presets';
import type { ActionSpec } from '../actions/types';
import type { CheckSpec } from '../checks/types';
import type { LogWatchSpec } from '../logwatch/types';
import { toMs } from '../config/duration';
import type { ActionDefinitionSpec, ServiceDefinitionSpec } from '../config/services';
import type { AnomalyRules } from './anomaly';
import type { MaintenanceWindow } from './maintenance';
import { parseMetricCondition, parseMetricSelector, type MetricCondition, type MetricSelector, type Parsed } from './metric-policy';
import type { RemediationLimits, FlapRule } from './limits';
import type { Thresholds } from './state';

export interface HealthCheck {
  name: string;
  intervalMs: number;
  spec: CheckSpec;
}

export interface HealthLogWatch {
  name: string;
  intervalMs: number;
  spec: LogWatchSpec;
}

/** A metric policy: a threshold condition, or an adaptive baseline over an aggregate. */
export interface HealthMetricPolicy {
  name: string;
  intervalMs: number;
  windowMs: number;
  condition?: MetricCondition;
  anomaly?: { selector: MetricSelector; rules: Partial<AnomalyRules> };
}

export interface LadderStep {
  name: string;
  action: ActionSpec;
  settleMs: number;
}

export interface HealthSpec {
  service: string;
  checks: HealthCheck[];
  logs?: HealthLogWatch[];
  metrics?: HealthMetricPolicy[];
  /** Rules for anomalies in the checks' latencies; false turns latency anomalies off. */
  latencyAnomaly?: Partial<AnomalyRules> | false;
  ladder: LadderStep[];
  maintenance: MaintenanceWindow[];
  thresholds: Thresholds;
  limits: RemediationLimits;
  flapping: FlapRule;
  dependsOn: string[];
  labels: Record<string, string>;
}

export function healthSpec(definition: ServiceDefinitionSpec): HealthSpec {
  return {
    service: definition.name,
    checks: definition.checks.map((check) => {
      const { name, interval, timeout, retries, ...rest } = check;
      return { name, intervalMs: toMs(interval), spec: { ...rest, timeoutMs: toMs(timeout), retry: { retries } } as CheckSpec };
    }),
    logs: definition.logs.map((watch) => ({
      name: watch.name,
      intervalMs: toMs(watch.interval),
      spec: {
        path: watch.path,
        patterns: watch.patterns,
        threshold: { count: watch.threshold.count, withinMs: toMs(watch.threshold.within) },
        startAt: watch.startAt,
        maxEvidenceLines: 5,
        maxEvidenceChars: 300,
      },
    })),
    metrics: definition.metrics.map(metricPolicy),
    latencyAnomaly: definition.latencyAnomaly.enabled
      ? { k: definition.latencyAnomaly.sensitivity, warmupSamples: definition.latencyAnomaly.warmup, consecutive: definition.latencyAnomaly.consecutive }
      : false,
    ladder: definition.remediation.ladder.map((step) => ({ name: step.name, action: actionSpec(step.action), settleMs: toMs(step.settle) })),
    maintenance: definition.maintenance.map((window) => ({ cron: window.cron, durationMs: toMs(window.duration), timezone: window.timezone })),
    thresholds: definition.thresholds,
    limits: {
      cooldownMs: toMs(definition.remediation.cooldown),
      maxActions: definition.remediation.maxActions,
      windowMs: toMs(definition.remediation.window),
      dependencyGraceMs: toMs(definition.remediation.dependencyGrace),
    },
    flapping: { transitions: definition.remediation.flapping.transitions, windowMs: toMs(definition.remediation.flapping.window) },
    dependsOn: definition.dependsOn,
    labels: definition.labels,
  };
}

function metricPolicy(policy: ServiceDefinitionSpec['metrics'][number]): HealthMetricPolicy {
  const base = { name: policy.name, intervalMs: toMs(policy.interval), windowMs: toMs(policy.window) };
  // The validator has parsed both forms already; a failure here is a bug.
  if (policy.when !== undefined) return { ...base, condition: parsedOrThrow(parseMetricCondition(policy.when)) };
  const rules: Partial<AnomalyRules> = { direction: policy.direction, k: policy.sensitivity, warmupSamples: policy.warmup };
  return { ...base, anomaly: { selector: parsedOrThrow(parseMetricSelector(policy.anomaly ?? '')), rules } };
}

function parsedOrThrow<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

export function actionSpec(action: ActionDefinitionSpec): ActionSpec {
  if (action.type === 'notify') return action;
  if (action.type === 'preset') {
    const { preset, timeout, env, ...params } = action;
    return { type: 'exec', argv: presetArgv(preset, params), ...(env ? { env } : {}), timeoutMs: toMs(timeout), expectedExitCodes: [0] };
  }
  const { timeout, ...rest } = action;
  return { ...rest, timeoutMs: toMs(timeout) } as ActionSpec;
}
