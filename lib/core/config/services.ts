// The schema of a service definition (a `services:` item in configs/*.yaml).
// Check fields mirror lib/checks/types.ts; the health loop turns a definition
// into runtime specs with durations in milliseconds.
import Type, { type Static } from 'typebox';
import { PRESET_NAMES, SAFE_ARGUMENT, type PresetName } from '../actions/presets';
import { AGGREGATES } from '../health/metric-policy';
import { Duration } from './duration';

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$', 'x-expected': 'a name of lowercase letters, digits, ".", "_" or "-"' });
const Argv = Type.Array(Type.String(), { minItems: 1, 'x-expected': 'a list of program and arguments (no shell)' });
const StringMap = Type.Record(Type.String(), Type.String());
const StatusMatch = Type.Union([
  Type.Integer({ minimum: 100, maximum: 599 }),
  Type.Object({ from: Type.Integer({ minimum: 100, maximum: 599 }), to: Type.Integer({ minimum: 100, maximum: 599 }) }, { additionalProperties: false }),
]);

/** Every check: a name, how often, how long one attempt may take, retries inside one run. */
const checkCommon = {
  name: Name,
  interval: Duration('10s'),
  timeout: Duration('5s'),
  retries: Type.Integer({ minimum: 0, maximum: 10, default: 0 }),
};

const HttpCheck = Type.Object(
  {
    type: Type.Literal('http'),
    ...checkCommon,
    url: Type.String({ pattern: '^https?://', 'x-expected': 'an http:// or https:// URL' }),
    method: Type.String({ default: 'GET', pattern: '^[A-Z]+$' }),
    headers: Type.Optional(StringMap),
    body: Type.Optional(Type.String()),
    expectedStatus: Type.Optional(Type.Array(StatusMatch, { minItems: 1 })),
    bodyRegex: Type.Optional(Type.String({ format: 'regex' })),
    json: Type.Optional(Type.Object({ path: Type.String({ format: 'json-pointer' }), equals: Type.Unknown() }, { additionalProperties: false })),
    tlsVerify: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

const TcpCheck = Type.Object(
  {
    type: Type.Literal('tcp'),
    ...checkCommon,
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    send: Type.Optional(Type.String()),
    expect: Type.Optional(Type.String({ format: 'regex' })),
  },
  { additionalProperties: false },
);

const GrpcCheck = Type.Object(
  {
    type: Type.Literal('grpc'),
    ...checkCommon,
    address: Type.String({ pattern: '^[^\\s:]+:\\d+$', 'x-expected': 'host:port' }),
    service: Type.String({ default: '' }),
    tls: Type.Optional(Type.Object({ verify: Type.Boolean({ default: true }), caFile: Type.Optional(Type.String()), serverName: Type.Optional(Type.String()) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const ScriptCheck = Type.Object({ type: Type.Literal('script'), ...checkCommon, argv: Argv, env: Type.Optional(StringMap), cwd: Type.Optional(Type.String()) }, { additionalProperties: false });

/** A oneOf keyed by `type`, so an error names the fields of the chosen kind only. */
function byType<T extends ReturnType<typeof Type.Object>[]>(branches: T) {
  return Type.Unsafe<Static<T[number]>>({ type: 'object', oneOf: branches, discriminator: { propertyName: 'type' }, required: ['type'] });
}

export const CheckDefinition = byType([HttpCheck, TcpCheck, GrpcCheck, ScriptCheck]);

const ExecAction = Type.Object(
  {
    type: Type.Literal('exec'),
    argv: Argv,
    env: Type.Optional(StringMap),
    cwd: Type.Optional(Type.String()),
    timeout: Duration('60s'),
    expectedExitCodes: Type.Array(Type.Integer({ minimum: 0, maximum: 255 }), { default: [0], minItems: 1 }),
  },
  { additionalProperties: false },
);

const HttpAction = Type.Object(
  {
    type: Type.Literal('http'),
    url: Type.String({ pattern: '^https?://', 'x-expected': 'an http:// or https:// URL' }),
    method: Type.String({ default: 'POST', pattern: '^[A-Z]+$' }),
    headers: Type.Optional(StringMap),
    body: Type.Optional(Type.String()),
    timeout: Duration('30s'),
    expectedStatus: Type.Array(StatusMatch, { default: [{ from: 200, to: 299 }], minItems: 1 }),
  },
  { additionalProperties: false },
);

const SafeArgument = Type.String({ pattern: SAFE_ARGUMENT, 'x-expected': 'a name that does not start with "-" (letters, digits, and _ @ . : / = + -)' });

/** A common remediation command, expanded into an exec action (lib/actions/presets.ts). */
const PresetAction = Type.Object(
  {
    type: Type.Literal('preset'),
    preset: Type.Unsafe<PresetName>({ anyOf: PRESET_NAMES.map((name) => ({ const: name })) }),
    target: SafeArgument,
    namespace: Type.Optional(SafeArgument),
    context: Type.Optional(SafeArgument),
    user: Type.Optional(Type.Boolean()),
    env: Type.Optional(StringMap),
    timeout: Duration('60s'),
  },
  { additionalProperties: false },
);

const NotifyAction = Type.Object({ type: Type.Literal('notify'), message: Type.Optional(Type.String()) }, { additionalProperties: false });

export const ActionDefinition = byType([ExecAction, HttpAction, PresetAction, NotifyAction]);

const LadderStep = Type.Object(
  {
    name: Name,
    action: ActionDefinition,
    /** After the action, wait this long for the checks to settle before judging it. */
    settle: Duration('30s'),
  },
  { additionalProperties: false },
);

const Remediation = Type.Object(
  {
    ladder: Type.Array(LadderStep, { default: [] }),
    cooldown: Duration('60s'),
    maxActions: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    window: Duration('15m'),
    /** After turning unhealthy, a service with `dependsOn` waits this long before acting: a dependency that goes down meanwhile suppresses it. */
    dependencyGrace: Duration('30s'),
    flapping: Type.Object({ transitions: Type.Integer({ minimum: 2, default: 6 }), window: Duration('10m') }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false, default: {} },
);

const LogWatch = Type.Object(
  {
    name: Name,
    path: Type.String({ minLength: 1 }),
    patterns: Type.Array(Type.Object({ name: Name, regex: Type.String({ format: 'regex' }), flags: Type.Optional(Type.String({ pattern: '^[dimsuv]*$' })) }, { additionalProperties: false }), {
      minItems: 1,
    }),
    /** Failing when any pattern matched at least `count` lines within `within`. */
    threshold: Type.Object({ count: Type.Integer({ minimum: 1 }), within: Duration() }, { additionalProperties: false }),
    interval: Duration('10s'),
    startAt: Type.Union([Type.Literal('end'), Type.Literal('start')], { default: 'end' }),
  },
  { additionalProperties: false },
);

const Sensitivity = Type.Number({ exclusiveMinimum: 0, maximum: 20, default: 3, 'x-expected': 'how many spreads from the baseline count as anomalous, a number above 0 (default 3)' });
const Warmup = Type.Integer({ minimum: 2, maximum: 10_000, default: 20 });

/** A rule over pushed metrics: a threshold with `when`, or an adaptive baseline with `anomaly`. */
const MetricPolicy = Type.Object(
  {
    name: Name,
    when: Type.Optional(Type.String({ format: 'metric-condition', 'x-expected': `a condition such as "avg(cpu_percent) > 90 for 3m" (aggregates: ${AGGREGATES.join(', ')})` })),
    anomaly: Type.Optional(Type.String({ format: 'metric-selector', 'x-expected': `a selector such as "avg(error_rate)" (aggregates: ${AGGREGATES.join(', ')})` })),
    direction: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('both')], { default: 'up' }),
    sensitivity: Sensitivity,
    warmup: Warmup,
    /** Samples of this window are aggregated at each evaluation. */
    window: Duration('1m'),
    interval: Duration('30s'),
  },
  { additionalProperties: false, oneOf: [{ required: ['when'] }, { required: ['anomaly'] }], 'x-expected': 'a policy with either `when` or `anomaly` (not both)' },
);

/** Anomaly detection on the checks' own latencies. */
const LatencyAnomaly = Type.Object(
  { enabled: Type.Boolean({ default: true }), sensitivity: Sensitivity, warmup: Warmup, consecutive: Type.Integer({ minimum: 1, maximum: 100, default: 3 }) },
  { additionalProperties: false, default: {} },
);

const MaintenanceWindow = Type.Object(
  {
    cron: Type.String({ format: 'cron', 'x-expected': 'a cron expression such as "0 3 * * *"' }),
    duration: Duration(),
    timezone: Type.String({ default: 'UTC' }),
  },
  { additionalProperties: false },
);

export const ServiceDefinition = Type.Object(
  {
    name: Name,
    description: Type.String({ default: '' }),
    labels: Type.Record(Type.String(), Type.String(), { default: {} }),
    /** A service may also be watched only through log patterns or pushed metrics. */
    checks: Type.Array(CheckDefinition, { default: [] }),
    /** Log files watched for patterns; over threshold counts as a failed check. */
    logs: Type.Array(LogWatch, { default: [] }),
    /** Rules over the metrics agents push (POST /api/v1/metrics); firing counts as a failed check, an anomaly as degraded. */
    metrics: Type.Array(MetricPolicy, { default: [] }),
    latencyAnomaly: LatencyAnomaly,
    thresholds: Type.Object(
      {
        failureThreshold: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
        successThreshold: Type.Integer({ minimum: 1, maximum: 100, default: 2 }),
      },
      { additionalProperties: false, default: {} },
    ),
    remediation: Remediation,
    dependsOn: Type.Array(Name, { default: [] }),
    maintenance: Type.Array(MaintenanceWindow, { default: [] }),
  },
  { additionalProperties: false },
);

export type ServiceDefinitionSpec = Static<typeof ServiceDefinition>;
export type CheckDefinitionSpec = Static<typeof CheckDefinition>;
export type ActionDefinitionSpec = Static<typeof ActionDefinition>;
