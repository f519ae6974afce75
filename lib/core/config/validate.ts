// Validates a document against a TypeBox/JSON schema, fills defaults, and turns
// Ajv's errors into one readable problem per field ("must be an integer between
// 1 and 65535, got "80a"", "unknown key "prot"; did you mean "port"?").
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { closest, distance } from 'fastest-levenshtein';
import { isCronExpression } from '../health/maintenance';
import { isMetricCondition, isMetricSelector } from '../health/metric-policy';
import type { ConfigProblem } from './errors';
import { pointerToPath } from './errors';

type JsonSchema = Record<string, any>;

// `discriminator` makes a oneOf keyed by a field (checks and actions by `type`) report
// the errors of the matching branch only.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, discriminator: true });
addFormats(ajv);
ajv.addFormat('cron', isCronExpression);
ajv.addFormat('metric-condition', isMetricCondition);
ajv.addFormat('metric-selector', isMetricSelector);
const compiled = new WeakMap<object, ValidateFunction>();

/** Validates `document` in place (defaults are filled in) and returns its problems. */
export function validateDocument(schema: JsonSchema, document: unknown, source: string, basePath = ''): ConfigProblem[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(document)) return [];
  return describeErrors(schema, document, validate.errors ?? []).map((problem) => ({
    source,
    path: joinPath(basePath, problem.path),
    message: problem.message,
  }));
}

function joinPath(base: string, path: string): string {
  if (!base) return path;
  if (!path) return base;
  return path.startsWith('[') ? `${base}${path}` : `${base}.${path}`;
}

function describeErrors(schema: JsonSchema, document: unknown, errors: ErrorObject[]) {
  const problems = new Map<string, string>();
  // A plain oneOf that explains itself (x-expected, e.g. "either `when` or `anomaly`") is
  // reported once, without the inner complaints of each of its branches.
  const explainedChoices = new Set(
    errors.filter((error) => error.keyword === 'oneOf' && typeof schemaAt(schema, error.instancePath, document)?.['x-expected'] === 'string').map((error) => error.instancePath),
  );
  for (const error of errors) {
    if (explainedChoices.has(error.instancePath) && /\/oneOf\/\d+\//.test(error.schemaPath)) continue;
    if (error.keyword === 'discriminator') {
      const tag = String(error.params.tag);
      const node = schemaAt(schema, error.instancePath, document);
      const options = (node?.oneOf ?? []).map((branch: JsonSchema) => JSON.stringify(branch.properties?.[tag]?.const)).join(', ');
      const value = (valueAt(document, error.instancePath) as Record<string, unknown> | undefined)?.[tag];
      problems.set(`${error.instancePath}/${tag}`, value === undefined ? 'is required' : `must be one of ${options}, got ${show(value)}`);
    } else if (error.keyword === 'additionalProperties') {
      const key = String(error.params.additionalProperty);
      const known = Object.keys(schemaAt(schema, error.instancePath, document)?.properties ?? {});
      const pointer = `${error.instancePath}/${key}`;
      problems.set(pointer, `unknown key "${key}"${suggest(key, known)}`);
    } else if (error.keyword === 'required') {
      const pointer = `${error.instancePath}/${String(error.params.missingProperty)}`;
      problems.set(pointer, 'is required');
    } else if (!problems.has(error.instancePath)) {
      const node = schemaAt(schema, error.instancePath, document);
      const value = valueAt(document, error.instancePath);
      problems.set(error.instancePath, node ? `must be ${expected(node)}, got ${show(value)}` : String(error.message));
    }
  }
  return [...problems].map(([pointer, message]) => ({ path: pointerToPath(pointer), message }));
}

export function suggest(word: string, candidates: string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(word, candidates);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? `; did you mean "${best}"?` : '';
}

/** What a schema node accepts, in words. */
function expected(node: JsonSchema): string {
  if (typeof node['x-expected'] === 'string') return node['x-expected'];
  const options = node.anyOf ?? node.oneOf;
  if (Array.isArray(options) && options.every((option: JsonSchema) => 'const' in option)) {
    return `one of ${options.map((option: JsonSchema) => JSON.stringify(option.const)).join(', ')}`;
  }
  if ('const' in node) return JSON.stringify(node.const);
  switch (node.type) {
    case 'integer':
    case 'number':
      return `${node.type === 'integer' ? 'an integer' : 'a number'}${range(node.minimum, node.maximum)}`;
    case 'boolean':
      return 'true or false';
    case 'string': {
      const rules = [
        node.minLength ? `at least ${node.minLength} character${node.minLength > 1 ? 's' : ''}` : '',
        node.maxLength !== undefined ? `at most ${node.maxLength} characters` : '',
        node.pattern ? `matching /${node.pattern}/` : '',
        node.format ? `a valid ${node.format}` : '',
      ].filter(Boolean);
      return `a string${rules.length ? ` (${rules.join(', ')})` : ''}`;
    }
    case 'array':
      return `a list${node.maxItems !== undefined ? ` of at most ${node.maxItems} items` : ''}`;
    case 'object':
      return 'a mapping';
    default:
      return 'valid';
  }
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function segments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The branch of a discriminated oneOf that `value` selects (the node itself otherwise). */
function branchFor(node: JsonSchema, value: unknown): JsonSchema {
  const tag = node.discriminator?.propertyName;
  if (!tag || !Array.isArray(node.oneOf)) return node;
  const wanted = (value as Record<string, unknown> | undefined)?.[tag];
  return node.oneOf.find((branch: JsonSchema) => branch.properties?.[tag]?.const === wanted) ?? node;
}

/** The schema node that describes the value at a JSON pointer, if the schema says. */
export function schemaAt(schema: JsonSchema, pointer: string, document?: unknown): JsonSchema | undefined {
  let node: JsonSchema | undefined = branchFor(schema, document);
  let value: any = document;
  for (const segment of segments(pointer)) {
    if (!node) return undefined;
    value = value?.[segment];
    if (node.type === 'array') node = node.items;
    else if (node.properties?.[segment]) node = node.properties[segment];
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties;
    else if (node.patternProperties) node = Object.values(node.patternProperties)[0] as JsonSchema;
    else return undefined;
    node = node && branchFor(node, value);
  }
  return node;
}

function valueAt(document: unknown, pointer: string): unknown {
  let value: any = document;
  for (const segment of segments(pointer)) value = value?.[segment];
  return value;
}
