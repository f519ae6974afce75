// The tool a model ends an investigation with: `submit_report`, whose input is
// the report itself. Asking for a report as a tool call (forced on the final
// turn) gives a report with the shape the API, Slack and the evaluation read,
// instead of hoping for a JSON block inside prose. It is never run as a tool: the
// call ends the investigation, and the report is built from its input
// (reportFromSubmission in report.ts).
import { CAUSE_KINDS as RANKED_CAUSE_KINDS } from '../rca/types';
import type { ToolDefinition } from './tools';

/** The ranking's cause kinds (lib/core/rca), and what only a model's report may say. */
export const CAUSE_KINDS = [...RANKED_CAUSE_KINDS, 'other', 'unknown'] as const;
export type CauseKind = (typeof CAUSE_KINDS)[number];

const str = (description: string) => ({ type: 'string', description });

export const REPORT_TOOL: ToolDefinition = {
  name: 'submit_report',
  description:
    'End the investigation with your report. Call it once, when you are done (or when told to finish). Cite every piece of evidence by the id of the tool call whose result shows it; a claim citing an id that is not one of your tool calls is dropped.',
  input_schema: {
    type: 'object',
    properties: {
      summary: str('One or two sentences: what is wrong and why'),
      rootCause: {
        type: 'object',
        properties: {
          service: str('The service where the problem starts (a name from the alert, the metrics or Vigil), or "unknown"'),
          kind: { type: 'string', enum: [...CAUSE_KINDS], description: 'What kind of cause' },
          description: str('The root cause in a few sentences'),
        },
        required: ['service', 'kind', 'description'],
        additionalProperties: false,
      },
      evidence: {
        type: 'array',
        items: {
          type: 'object',
          properties: { claim: str('What the tool result shows'), toolUseId: str('The id of the tool call (toolu_…) whose result shows it') },
          required: ['claim', 'toolUseId'],
          additionalProperties: false,
        },
      },
      confidence: { type: 'string', enum: ['low', 'medium', 'high'] },
      nextSteps: { type: 'array', items: { type: 'string' } },
      remediation: {
        type: 'object',
        description: 'Optional: a remediation step of a Vigil service for a human to approve; only when you are confident',
        properties: { service: str('A service Vigil watches'), action: str('One of its remediation steps, e.g. restart'), reason: str('Why') },
        required: ['service', 'reason'],
        additionalProperties: false,
      },
    },
    required: ['summary', 'rootCause', 'evidence', 'confidence'],
    additionalProperties: false,
  },
  maxOutputChars: 0,
};

export const isReportCall = (call: { name: string }) => call.name === REPORT_TOOL.name;
