// The Alertmanager webhook payload (version 4), as a TypeBox schema built from the
// intake limits in config. The route validates with it, so a bad payload gets a
// 400 naming the field and nothing is started.
import Type, { type Static } from 'typebox';
import { NameMap } from '../name-map';

export interface IntakeLimits {
  maxAlerts: number;
  maxLabelValueChars: number;
}

const LabelName = '^[a-zA-Z_][a-zA-Z0-9_]{0,127}$';

export function alertmanagerPayloadSchema(limits: IntakeLimits) {
  const Labels = NameMap(LabelName, Type.String({ maxLength: limits.maxLabelValueChars }), { maxProperties: 64 });
  const Annotations = NameMap(LabelName, Type.String({ maxLength: 16 * limits.maxLabelValueChars }), { maxProperties: 64 });
  const Alert = Type.Object(
    {
      status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
      labels: Labels,
      annotations: Annotations,
      startsAt: Type.String({ format: 'date-time' }),
      endsAt: Type.String({ maxLength: 64 }),
      generatorURL: Type.String({ maxLength: 2048 }),
      fingerprint: Type.String({ pattern: '^[0-9a-fA-F]{1,64}$' }),
    },
    { additionalProperties: true },
  );
  return Type.Object(
    {
      version: Type.Literal('4'),
      groupKey: Type.String({ maxLength: 8192 }),
      truncatedAlerts: Type.Integer({ minimum: 0 }),
      status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
      receiver: Type.String({ maxLength: 1024 }),
      groupLabels: Labels,
      commonLabels: Labels,
      commonAnnotations: Annotations,
      externalURL: Type.String({ maxLength: 2048 }),
      alerts: Type.Array(Alert, { minItems: 1, maxItems: limits.maxAlerts }),
    },
    { additionalProperties: true },
  );
}

export type AlertmanagerPayload = Static<ReturnType<typeof alertmanagerPayloadSchema>>;
export type AlertmanagerAlert = AlertmanagerPayload['alerts'][number];
