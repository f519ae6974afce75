// The final report: built from the model's submit_report call (report-tool.ts),
// or parsed from its last answer (a JSON block), with the plain text as the
// fallback, so that a report always carries what the model actually said and
// never a placeholder. Evidence must cite a tool call this triage made: a claim
// citing any other id is dropped and counted.
import { CAUSE_KINDS } from './report-tool';
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

/** Claims with their citation checked: one citing an id that is not a tool call of this triage is dropped and counted. */
function evidenceOf(items: unknown, knownToolUseIds: string[]): { evidence: Evidence[]; dropped: number } {
  let dropped = 0;
  const evidence = (Array.isArray(items) ? items : [])
    .slice(0, LIMITS.items)
    .map((item: unknown): Evidence | undefined => {
      if (typeof item === 'string') return { claim: item.slice(0, LIMITS.claim) };
      if (!item || typeof item !== 'object') return undefined;
      const record = item as Record<string, unknown>;
      const claim = text(record.claim, LIMITS.claim);
      if (!claim) return undefined;
      if (typeof record.toolUseId !== 'string' || !record.toolUseId) return { claim };
      if (!knownToolUseIds.includes(record.toolUseId)) {
        dropped += 1;
        return undefined;
      }
      return { claim, toolUseId: record.toolUseId };
    })
    .filter((item): item is Evidence => Boolean(item));
  return { evidence, dropped };
}

const stringsOf = (items: unknown) =>
  (Array.isArray(items) ? items : [])
    .filter((item): item is string => typeof item === 'string')
    .slice(0, LIMITS.items)
    .map((item) => item.slice(0, LIMITS.claim));

function remediationOf(value: unknown): TriageReport['remediation'] | undefined {
  const remediation = value as Record<string, unknown> | undefined;
  if (!remediation || typeof remediation !== 'object' || typeof remediation.service !== 'string' || !remediation.service) return undefined;
  return {
    service: remediation.service.slice(0, 100),
    reason: text(remediation.reason, LIMITS.claim),
    ...(typeof remediation.action === 'string' ? { action: remediation.action.slice(0, 100) } : {}),
  };
}

/** What a text says its confidence is ("Confidence: medium", "**Confidence**: High"), if it says. */
export function statedConfidence(answer: string): TriageReport['confidence'] | undefined {
  const match = /confidence(?:\s+level)?\s*\**\s*[:=\-–]?\s*\**\s*(high|medium|low)\b/i.exec(answer);
  return match ? (match[1].toLowerCase() as TriageReport['confidence']) : undefined;
}

/** The report of a submit_report call: its input, bounded, with each citation checked. */
export function reportFromSubmission(input: Record<string, unknown>, knownToolUseIds: string[]): TriageReport {
  const cause = (input.rootCause && typeof input.rootCause === 'object' ? input.rootCause : {}) as Record<string, unknown>;
  const { evidence, dropped } = evidenceOf(input.evidence, knownToolUseIds);
  const service = text(cause.service, 100);
  const kind = CAUSE_KINDS.find((known) => known === cause.kind);
  const remediation = remediationOf(input.remediation);
  return {
    summary: text(input.summary, LIMITS.summary),
    rootCause: text(cause.description, LIMITS.rootCause) || text(input.rootCause, LIMITS.rootCause),
    ...(service && service !== 'unknown' ? { rootCauseService: service } : {}),
    ...(kind ? { causeKind: kind } : {}),
    evidence,
    confidence: CONFIDENCE.find((level) => level === input.confidence) ?? 'low',
    nextSteps: stringsOf(input.nextSteps),
    ...(remediation ? { remediation } : {}),
    ...(dropped ? { droppedCitations: dropped } : {}),
  };
}

/**
 * The report of an answer in text: its JSON block when it has one; otherwise the
 * prose itself, marked unstructured, with the confidence the text states (low
 * when it states none), never one that contradicts it.
 */
export function parseReport(answer: string, knownToolUseIds: string[]): TriageReport {
  const parsed = lastJsonObject(answer);
  const explanation = prose(answer);
  if (!parsed) {
    const firstParagraph = explanation.split(/\n\s*\n/)[0] ?? explanation;
    return {
      summary: firstParagraph.slice(0, LIMITS.summary),
      rootCause: explanation.slice(0, LIMITS.rootCause),
      evidence: [],
      confidence: statedConfidence(explanation) ?? 'low',
      nextSteps: [],
      unstructured: true,
    };
  }
  const { evidence, dropped } = evidenceOf(parsed.evidence, knownToolUseIds);
  const remediation = remediationOf(parsed.remediation);
  return {
    summary: text(parsed.summary, LIMITS.summary) || explanation.slice(0, LIMITS.summary),
    rootCause: text(parsed.rootCause, LIMITS.rootCause) || explanation.slice(0, LIMITS.rootCause),
    evidence,
    confidence: CONFIDENCE.find((level) => level === parsed.confidence) ?? statedConfidence(explanation) ?? 'low',
    nextSteps: stringsOf(parsed.nextSteps),
    ...(remediation ? { remediation } : {}),
    ...(dropped ? { droppedCitations: dropped } : {}),
  };
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
