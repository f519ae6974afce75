// The schema of a drift app definition (an `apps:` item in configs/*.yaml): where
// the desired state comes from (a directory or a git ref), which provider reads
// and applies the live state (file, http, command), and how to reconcile.
// lib/drift/spec.ts turns a definition into the workflow's runtime spec.
import Type, { type Static } from 'typebox';
import { Duration } from './duration';

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$', 'x-expected': 'a name of lowercase letters, digits, ".", "_" or "-"' });
const Argv = Type.Array(Type.String(), { minItems: 1, 'x-expected': 'a list of program and arguments (no shell)' });
const StringMap = Type.Record(Type.String(), Type.String());
const PointerPattern = Type.String({ pattern: '^(/.*)?$', 'x-expected': 'a JSON pointer such as /metadata/annotations/* ("*" one segment, "**" any)' });

const DirectorySource = Type.Object(
  { type: Type.Literal('directory'), path: Type.String({ minLength: 1, description: 'Directory of desired documents (relative to the working directory)' }) },
  { additionalProperties: false },
);

const GitSource = Type.Object(
  {
    type: Type.Literal('git'),
    repo: Type.String({ minLength: 1, description: "A local path or a URL the machine's git can reach" }),
    ref: Type.String({ minLength: 1, default: 'HEAD', description: 'A branch, tag or commit' }),
    path: Type.String({ default: '', description: 'Subdirectory of the repository that holds the documents' }),
  },
  { additionalProperties: false },
);

const FileProvider = Type.Object(
  {
    type: Type.Literal('file'),
    root: Type.String({ default: '', description: 'Relative targets are under this directory' }),
    format: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('yaml'), Type.Literal('text')], { default: 'auto' }),
  },
  { additionalProperties: false },
);

const HttpProvider = Type.Object(
  {
    type: Type.Literal('http'),
    baseUrl: Type.String({ pattern: '^https?://', 'x-expected': 'an http:// or https:// URL' }),
    applyMethod: Type.Union([Type.Literal('PUT'), Type.Literal('PATCH'), Type.Literal('POST')], { default: 'PUT' }),
    headers: Type.Optional(StringMap),
    /** Header name → env var holding its value (secrets stay out of files). */
    headersEnv: Type.Optional(StringMap),
    timeout: Duration('10s'),
  },
  { additionalProperties: false },
);

const CommandProvider = Type.Object(
  {
    type: Type.Literal('command'),
    /** Prints the live state as JSON. "{target}" in an argument is replaced by the document's target. */
    read: Argv,
    /** Applies the desired JSON given on stdin. */
    apply: Argv,
    env: Type.Optional(StringMap),
    cwd: Type.Optional(Type.String()),
    timeout: Duration('30s'),
  },
  { additionalProperties: false },
);

function byType<T extends ReturnType<typeof Type.Object>[]>(branches: T) {
  return Type.Unsafe<Static<T[number]>>({ type: 'object', oneOf: branches, discriminator: { propertyName: 'type' }, required: ['type'] });
}

const SyncWindow = Type.Object(
  {
    kind: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    cron: Type.String({ format: 'cron', 'x-expected': 'a cron expression such as "0 3 * * *"' }),
    duration: Duration(),
    timezone: Type.String({ default: 'UTC' }),
  },
  { additionalProperties: false },
);

export const AppDefinition = Type.Object(
  {
    name: Name,
    description: Type.String({ default: '' }),
    /** The watched service whose settings this app manages: a triage's ranking counts its drift and syncs as changes to that service. */
    service: Type.Optional(Type.String({ minLength: 1 })),
    mode: Type.Union([Type.Literal('detect'), Type.Literal('self-heal')], { default: 'detect' }),
    interval: Duration('120s'),
    jitter: Duration('60s'),
    source: byType([DirectorySource, GitSource]),
    provider: byType([FileProvider, HttpProvider, CommandProvider]),
    ignore: Type.Array(PointerPattern, { default: [] }),
    sensitive: Type.Array(PointerPattern, { default: [] }),
    selfHeal: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        backoff: Duration('2s'),
        maxBackoff: Duration('300s'),
        contestedAfter: Type.Integer({ minimum: 1, maximum: 100, default: 2 }),
      },
      { additionalProperties: false, default: {} },
    ),
    syncWindows: Type.Array(SyncWindow, { default: [] }),
  },
  { additionalProperties: false },
);

export type AppDefinitionSpec = Static<typeof AppDefinition>;
