// The final report: parsed from the model's last answer (its JSON block), with
// the plain text as the fallback, so that a report always carries what the model
// actually said and never a placeholder.
import type { Evidence, TriageReport } from './types';

const CONFIDENCE = ['low', 'medium', 'high'] as const;
const LIMITS = { summary: 1000, rootCause: 4000, claim: 500, items: 20 };

const text = (value: unknown, max: number) => (typeof value === 'string' ? value.trim().slice(0, max) : '');

function lastJsonObject(answer: string): Record<string, unknown> | undefined {
  const fenced = [...answer.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)].map((match) => match[1]);
  const candidates = [...fenced.reverse()];
  const brace = answer.lastIndexOf('\n{');
  if (brace >= 0) candidates.push(answer.slice(brace + 1));
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate.trim());
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not JSON; try the next candidate
    }
  }
  return undefined;
}

/** The prose before the JSON block (what the model explained). */
function prose(answer: string): string {
  return answer.replace(/```(?:json)?\s*\n[\s\S]*?```/g, '').trim();
}

export function parseReport(answer: string, knownToolUseIds: string[]): TriageReport {
  const parsed = lastJsonObject(answer);
  const explanation = prose(answer);
  if (!parsed) {
    const firstParagraph = explanation.split(/\n\s*\n/)[0] ?? explanation;
    return { summary: firstParagraph.slice(0, LIMITS.summary), rootCause: explanation.slice(0, LIMITS.rootCause), evidence: [], confidence: 'low', nextSteps: [] };
  }
  const evidence: Evidence[] = (Array.isArray(parsed.evidence) ? parsed.evidence : [])
    .slice(0, LIMITS.items)
    .map((item: unknown): Evidence | undefined => {
      if (typeof item === 'string') return { claim: item.slice(0, LIMITS.claim) };
      if (!item || typeof item !== 'object') return undefined;
      const record = item as Record<string, unknown>;
      const id = typeof record.toolUseId === 'string' && knownToolUseIds.includes(record.toolUseId) ? record.toolUseId : undefined;
      return { claim: text(record.claim, LIMITS.claim), ...(id ? { toolUseId: id } : {}) };
    })
    .filter((item): item is Evidence => Boolean(item?.claim));
  const confidence = CONFIDENCE.find((level) => level === parsed.confidence) ?? 'low';
  const nextSteps = (Array.isArray(parsed.nextSteps) ? parsed.nextSteps : [])
    .filter((step): step is string => typeof step === 'string')
    .slice(0, LIMITS.items)
    .map((step) => step.slice(0, LIMITS.claim));
  const report: TriageReport = {
    summary: text(parsed.summary, LIMITS.summary) || explanation.slice(0, LIMITS.summary),
    rootCause: text(parsed.rootCause, LIMITS.rootCause) || explanation.slice(0, LIMITS.rootCause),
    evidence,
    confidence,
    nextSteps,
  };
  const remediation = parsed.remediation as Record<string, unknown> | undefined;
  if (remediation && typeof remediation === 'object' && typeof remediation.service === 'string' && remediation.service) {
    report.remediation = {
      service: remediation.service.slice(0, 100),
      reason: text(remediation.reason, LIMITS.claim),
      ...(typeof remediation.action === 'string' ? { action: remediation.action.slice(0, 100) } : {}),
    };
  }
  return report;
}

/**
 * A report from what is known when the model gave no final answer (context window
 * exceeded, output cut twice): its text so far and the tool calls that ran.
 */
export function reportFromWhatIsKnown(modelText: string, toolEvidence: Evidence[], limitedBy: string): TriageReport {
  const parsed = modelText.trim() ? parseReport(modelText, []) : undefined;
  return {
    summary: parsed?.summary || `Investigation ended early: ${limitedBy}. ${toolEvidence.length} tool calls ran; see the evidence.`,
    rootCause: parsed?.rootCause || 'Not determined before the investigation ended.',
    evidence: parsed?.evidence.length ? parsed.evidence : toolEvidence.slice(0, LIMITS.items).map((item) => ({ ...item, claim: item.claim.slice(0, LIMITS.claim) })),
    confidence: 'low',
    nextSteps: parsed?.nextSteps ?? [],
    limitedBy,
    partial: true,
  };
}
