// The gate before an investigation: rules from config decide whether an alert is
// worth a full investigation. The decision and why are recorded with the triage.
import type { GateDecision } from './types';

export interface GateRules {
  /** An alert whose labels contain every label of one of these sets is silenced. */
  silenced: Record<string, string>[];
  noiseAlertnames: string[];
}

export function gateDecision(labels: Record<string, string>, rules: GateRules): GateDecision {
  const alertname = labels.alertname ?? '';
  if (alertname && rules.noiseAlertnames.includes(alertname)) return { investigate: false, reason: `alertname "${alertname}" is listed as known noise (llm.gate.noiseAlertnames)` };
  for (const [index, set] of rules.silenced.entries()) {
    const entries = Object.entries(set);
    if (entries.length && entries.every(([name, value]) => labels[name] === value)) {
      return { investigate: false, reason: `labels match silenced set ${index} (llm.gate.silenced[${index}]: ${entries.map(([name, value]) => `${name}=${value}`).join(', ')})` };
    }
  }
  return { investigate: true, reason: 'no gate rule matched' };
}
