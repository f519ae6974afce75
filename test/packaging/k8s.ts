// Reading `kustomize build` output: objects, pod specs, and the env a container
// ends up with (env, envFrom ConfigMaps, Secret references).
import YAML from 'yaml';
import type { K8sObject } from './tools';

export function parseObjects(text: string): K8sObject[] {
  return YAML.parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the build output`);
  return found;
}

/** Generated ConfigMaps carry a hash suffix; find one by its base name. */
export function findConfigMap(objects: K8sObject[], name: string): K8sObject {
  const found = objects.find((object) => object.kind === 'ConfigMap' && (object.metadata.name === name || object.metadata.name.startsWith(`${name}-`)));
  if (!found) throw new Error(`no ConfigMap ${name} in the build output`);
  return found;
}

/** Deployments and Jobs, with their pod template spec. */
export function workloads(objects: K8sObject[]): { object: K8sObject; pod: any }[] {
  return objects.filter((object) => object.kind === 'Deployment' || object.kind === 'Job').map((object) => ({ object, pod: object.spec.template.spec }));
}

/** The env a container gets, with Secret values from the Secret in the output or a placeholder. */
export function containerEnv(objects: K8sObject[], container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find(objects, 'ConfigMap', source.configMapRef.name).data ?? {});
    if (source.secretRef) Object.assign(env, secretData(find(objects, 'Secret', source.secretRef.name)));
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = String(variable.value);
    else if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      const secret = objects.find((object) => object.kind === 'Secret' && object.metadata.name === name);
      env[variable.name] = (secret && secretData(secret)[key]) ?? `placeholder-value-for-${key}`;
    } else if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      env[variable.name] = find(objects, 'ConfigMap', name).data?.[key] ?? '';
    } else {
      env[variable.name] = '';
    }
  }
  return env;
}

export function secretData(secret: K8sObject): Record<string, string> {
  const decoded = Object.fromEntries(Object.entries<string>(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return { ...decoded, ...(secret.stringData ?? {}) };
}
