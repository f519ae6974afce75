// GET /api/v1/overview and the `overview` event of GET /api/v1/events:
// everything the dashboard shows at once.
import Type, { type Static } from 'typebox';
import { DriftAppSummary } from './drift';
import { ActionRecord, ServiceSummary } from './services';
import { TriageSummary } from './triage';

const { gate: _gate, budget: _budget, ...triageFields } = TriageSummary.properties;
export const OverviewTriage = Type.Object({ ...triageFields, temporalUiUrl: Type.Optional(Type.String()) });
export const OverviewAction = Type.Pick(ActionRecord, ['service', 'step', 'type', 'status', 'decidedBy', 'reason', 'startedAt', 'durationMs']);

export const Overview = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  services: Type.Array(ServiceSummary),
  drift: Type.Array(DriftAppSummary),
  triages: Type.Array(OverviewTriage, { description: 'The latest triages, newest first' }),
  actions: Type.Array(OverviewAction, { description: 'The latest remediation actions, newest first' }),
  problems: Type.Array(Type.String(), { description: 'Sources that could not be read; their sections are empty' }),
});
export type Overview = Static<typeof Overview>;
