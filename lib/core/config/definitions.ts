// Service, drift-app and policy definitions live in their own YAML files under
// the config directory (any *.yaml besides vigil.yaml), each file holding one or
// more of the top-level lists below. An invalid definition is rejected on its
// own; the rest still load. Each loop's issue tightens its kind's schema.
import Type, { type Static } from 'typebox';
import { AppDefinition } from './apps';
import { ServiceDefinition } from './services';

export const DefinitionName = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$' });

const Named = Type.Object({ name: DefinitionName }, { additionalProperties: true });

export const DEFINITION_KINDS = {
  services: ServiceDefinition,
  apps: AppDefinition,
  policies: Named,
} as const;

export type DefinitionKind = keyof typeof DEFINITION_KINDS;

export interface Definition<T = Static<typeof Named>> {
  kind: DefinitionKind;
  name: string;
  /** Where it was defined, for error messages: `configs/services/web.yaml:services[0]`. */
  source: string;
  spec: T;
}

export type Definitions = { [K in DefinitionKind]: Definition[] };

export function emptyDefinitions(): Definitions {
  return { services: [], apps: [], policies: [] };
}
