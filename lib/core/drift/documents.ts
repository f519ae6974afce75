// Desired documents: YAML or JSON files in a source, each holding one or more
// documents `{ target, state, ignore? }`. `target` names the live object (a file
// path, a URL path, or what the command's "{target}" becomes); `state` is what
// it should look like. A file that does not parse is an error naming the file.
import YAML from 'yaml';
import { isPointerPattern } from './pointer';

export interface DesiredDocument {
  target: string;
  state: unknown;
  /** Extra ignore patterns for this object only. */
  ignore: string[];
  /** Where it came from: `web/config.yaml` or `web/all.yaml#2`. */
  file: string;
}

export class DesiredDocumentError extends Error {
  override name = 'DesiredDocumentError';
}

export const DOCUMENT_FILE = /\.(ya?ml|json)$/i;

/** Parses one source file into its documents; throws DesiredDocumentError naming the file and problem. */
export function parseDesiredFile(file: string, content: string): DesiredDocument[] {
  let raw: unknown[];
  if (/\.json$/i.test(file)) {
    try {
      raw = [JSON.parse(content)];
    } catch (error) {
      throw new DesiredDocumentError(`${file}: not valid JSON: ${(error as Error).message}`);
    }
  } else {
    const documents = YAML.parseAllDocuments(content);
    const parsed = Array.isArray(documents) ? documents : [documents];
    raw = [];
    for (const document of parsed) {
      if (document.errors.length) {
        const error = document.errors[0];
        const position = error.linePos?.[0];
        throw new DesiredDocumentError(`${file}${position ? `:${position.line}:${position.col}` : ''}: ${error.message.split('\n')[0]}`);
      }
      const value: unknown = document.toJS();
      if (value !== null && value !== undefined) raw.push(value);
    }
  }
  return raw.map((value, index) => checkDocument(value, raw.length > 1 ? `${file}#${index + 1}` : file));
}

function checkDocument(value: unknown, file: string): DesiredDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DesiredDocumentError(`${file}: must be a mapping with target and state`);
  const { target, state, ignore = [], ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new DesiredDocumentError(`${file}: unknown key "${unknown[0]}" (expected target, state, ignore)`);
  if (typeof target !== 'string' || !target) throw new DesiredDocumentError(`${file}: target: is required (the live object this document describes)`);
  if (state === undefined) throw new DesiredDocumentError(`${file}: state: is required`);
  if (!Array.isArray(ignore) || !ignore.every((pattern) => typeof pattern === 'string' && isPointerPattern(pattern))) {
    throw new DesiredDocumentError(`${file}: ignore: must be a list of JSON pointers`);
  }
  return { target, state, ignore: ignore as string[], file };
}

/** Refuses two documents naming the same target. */
export function checkUniqueTargets(documents: readonly DesiredDocument[]): void {
  const seen = new Map<string, string>();
  for (const document of documents) {
    const first = seen.get(document.target);
    if (first) throw new DesiredDocumentError(`${document.file}: target "${document.target}" is already described by ${first}`);
    seen.set(document.target, document.file);
  }
}
