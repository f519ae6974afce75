// What the health workflow runs from: a service definition with durations in
// milliseconds and check specs in the shape the probes take. Plain JSON, small,
// so it travels in workflow input and survives continue-as-new.
import type { CheckSpec } from '../checks/types';
import { toMs } from '../config/duration';
import type { ServiceDefinitionSpec } from '../config/services';
import type { RemediationLimits, FlapRule } from './limits';
import type { Thresholds } from './state';

export interface HealthCheck {
  name: string;
  intervalMs: number;
  spec: CheckSpec;
}

export interface HealthSpec {
  service: string;
  checks: HealthCheck[];
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
    thresholds: definition.thresholds,
    limits: {
      cooldownMs: toMs(definition.remediation.cooldown),
      maxActions: definition.remediation.maxActions,
      windowMs: toMs(definition.remediation.window),
    },
    flapping: { transitions: definition.remediation.flapping.transitions, windowMs: toMs(definition.remediation.flapping.window) },
    dependsOn: definition.dependsOn,
    labels: definition.labels,
  };
}
