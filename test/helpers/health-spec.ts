// The health loop's input as the workflow tests write it: no checks, no ladder,
// quick thresholds (2 failures down, 1 success up) and the product's default
// remediation limits and flapping rule. A test names what it depends on as
// overrides, so the spec it starts reads as what that test is about.
import type { HealthSpec } from '../../lib/core/health/spec';

export function testHealthSpec(service: string, overrides: Partial<HealthSpec> = {}): HealthSpec {
  return {
    service,
    checks: [],
    ladder: [],
    maintenance: [],
    thresholds: { failureThreshold: 2, successThreshold: 1 },
    limits: { cooldownMs: 60_000, maxActions: 3, windowMs: 900_000 },
    flapping: { transitions: 6, windowMs: 600_000 },
    dependsOn: [],
    labels: {},
    ...overrides,
  };
}
