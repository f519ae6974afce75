// The schema of configs/vigil.yaml. It validates the file, fills defaults and
// types the rest of the code (VigilConfig). Env overrides are derived from it
// (see env.ts), so a new setting here is overridable without further work.
import Type, { type Static } from 'typebox';
import { DEFAULT_MODEL_PRICES } from '../triage/cost';
import { DEFAULT_OFFLINE_QUERIES } from '../triage/offline';

const Port = (fallback: number) => Type.Integer({ minimum: 1, maximum: 65535, default: fallback });
const Millis = (fallback: number) => Type.Integer({ minimum: 0, default: fallback });
const Host = (fallback: string) => Type.String({ minLength: 1, default: fallback });

/** Least to most: read < operate < admin. */
export const RoleSchema = Type.Union([Type.Literal('read'), Type.Literal('operate'), Type.Literal('admin')]);
export type Role = Static<typeof RoleSchema>;

/** A secret is given inline (`value`) or, better, by the name of an env var (`env`). */
const Token = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$' }),
    role: RoleSchema,
    value: Type.Optional(Type.String({ minLength: 16 })),
    env: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
  },
  { additionalProperties: false },
);

const Server = Type.Object(
  {
    host: Host('127.0.0.1'),
    port: Port(8080),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 1024 * 1024 }),
    requestTimeoutMs: Millis(30_000),
    /** How long in-flight requests may take to finish once shutdown starts. */
    drainMs: Millis(10_000),
    publicUrl: Type.String({ default: '' }),
    /** GET /api/v1/events, the dashboard's live feed. */
    events: Type.Object(
      {
        /** How often the overview is rebuilt while at least one stream is open. */
        pollMs: Type.Integer({ minimum: 200, default: 2000 }),
        keepaliveMs: Type.Integer({ minimum: 1000, default: 15_000 }),
        /** Open streams per API process; more are refused with 503. */
        maxClients: Type.Integer({ minimum: 1, default: 100 }),
      },
      { additionalProperties: false, default: {} },
    ),
    ops: Type.Object({ host: Host('127.0.0.1'), port: Port(8081) }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false, default: {} },
);

const Tls = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    serverName: Type.String({ default: '' }),
    caFile: Type.String({ default: '' }),
    certFile: Type.String({ default: '' }),
    keyFile: Type.String({ default: '' }),
  },
  { additionalProperties: false, default: {} },
);

const DevServer = Type.Object(
  {
    /** Path to the `temporal` CLI; empty means: look it up, then install it. */
    executable: Type.String({ default: '' }),
    ip: Host('127.0.0.1'),
    port: Port(7233),
    uiPort: Port(8233),
    ui: Type.Boolean({ default: true }),
    /** SQLite file; empty means `<dataDir>/temporal.db`. */
    dbFile: Type.String({ default: '' }),
  },
  { additionalProperties: false, default: {} },
);

const Temporal = Type.Object(
  {
    /** Empty: `vigil up` starts its own dev server. Set it to use a server or cluster. */
    address: Type.String({ default: '' }),
    namespace: Type.String({ minLength: 1, default: 'default' }),
    /** Name of the env var holding a Temporal Cloud API key; when it is set, TLS is on. */
    apiKeyEnv: Type.String({ default: 'TEMPORAL_API_KEY' }),
    tls: Tls,
    /** Link shown for executions, e.g. https://cloud.temporal.io; empty: the dev server's UI. */
    uiUrl: Type.String({ default: '' }),
    /** Deadline for one call to Temporal made on behalf of an API request. */
    rpcTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    taskQueuePrefix: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', default: 'vigil' }),
    devServer: DevServer,
  },
  { additionalProperties: false, default: {} },
);

const QueueLimits = (concurrency: number) =>
  Type.Object(
    {
      maxConcurrentActivities: Type.Integer({ minimum: 1, maximum: 10_000, default: concurrency }),
      /** Server-enforced, for the whole queue across all workers (provider rate limits). */
      maxActivitiesPerSecond: Type.Number({ minimum: 0, default: 0 }),
    },
    { additionalProperties: false, default: {} },
  );

const Worker = Type.Object(
  {
    /** How long in-flight activities may run once shutdown starts. */
    shutdownGraceMs: Millis(30_000),
    maxConcurrentWorkflowTasks: Type.Integer({ minimum: 1, maximum: 1000, default: 40 }),
    maxCachedWorkflows: Type.Integer({ minimum: 0, maximum: 100_000, default: 2000 }),
    queues: Type.Object(
      {
        checks: QueueLimits(200),
        /** Quiet watches: one per healthy service, asleep between its rounds, so many fit. */
        watch: QueueLimits(5000),
        actions: QueueLimits(10),
        llm: QueueLimits(4),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

const Database = Type.Object(
  {
    /** Empty: `vigil up` runs embedded PostgreSQL under `<dataDir>/pg`. */
    url: Type.String({ default: '' }),
    schema: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'vigil' }),
    poolMax: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
    connectTimeoutMs: Millis(5_000),
    /** Apply pending migrations when a process starts (under an advisory lock). */
    migrateOnStart: Type.Boolean({ default: true }),
    embedded: Type.Object({ port: Port(5433) }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false, default: {} },
);

const Auth = Type.Object({ tokens: Type.Array(Token, { default: [] }) }, { additionalProperties: false, default: {} });

const Notifications = Type.Object(
  {
    slack: Type.Object({ webhookUrlEnv: Type.String({ default: '' }), channel: Type.String({ default: '' }) }, { additionalProperties: false, default: {} }),
    webhooks: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          url: Type.String({ format: 'uri' }),
          headersEnv: Type.Optional(Type.Record(Type.String(), Type.String())),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
  },
  { additionalProperties: false, default: {} },
);

const PerMTok = Type.Number({ minimum: 0 });
/** US dollars per million tokens; the four kinds Anthropic bills. */
const ModelPrice = Type.Object({ inputPerMTok: PerMTok, outputPerMTok: PerMTok, cacheWritePerMTok: PerMTok, cacheReadPerMTok: PerMTok }, { additionalProperties: false });

const Llm = Type.Object(
  {
    provider: Type.Literal('anthropic', { default: 'anthropic' }),
    apiKeyEnv: Type.String({ default: 'ANTHROPIC_API_KEY' }),
    baseUrl: Type.String({ default: '' }),
    model: Type.String({ minLength: 1, default: 'claude-sonnet-5-5' }),
    gateModel: Type.String({ default: 'claude-haiku-5-5' }),
    requestTimeoutMs: Millis(120_000),
    /**
     * Model name → price, for the cost of a triage (API, CLI, evaluation). Entries
     * given replace the default entry of that model; the others keep their
     * default (withDefaultPrices). The defaults are list prices to check.
     */
    prices: Type.Record(Type.String(), ModelPrice, { propertyNames: { minLength: 1 }, default: DEFAULT_MODEL_PRICES }),
    // Alert triage (issue 5): budgets, gate, intake limits and the sources its tools read.
    /** Cache breakpoints on the system prompt, the tool definitions and the transcript. */
    promptCaching: Type.Boolean({ default: true }),
    /** Largest max_tokens of one model turn. */
    maxTokensPerTurn: Type.Integer({ minimum: 256, maximum: 64_000, default: 4096 }),
    budgets: Type.Object(
      {
        maxToolCalls: Type.Integer({ minimum: 0, maximum: 200, default: 15 }),
        /** Input + cache-creation + cache-read tokens over the whole triage. */
        maxInputTokens: Type.Integer({ minimum: 1000, default: 200_000 }),
        maxOutputTokens: Type.Integer({ minimum: 256, default: 50_000 }),
        wallClockMs: Type.Integer({ minimum: 1000, default: 600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    gate: Type.Object(
      {
        /** Alerts whose labels include every label of one of these sets are not investigated. */
        silenced: Type.Array(Type.Record(Type.String(), Type.String()), { default: [] }),
        /** Alertnames known to be noise. */
        noiseAlertnames: Type.Array(Type.String(), { default: [] }),
        /** After the rules, ask the cheap model (llm.gateModel) whether the alert is worth a full investigation. */
        useModel: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    intake: Type.Object(
      {
        maxAlerts: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }),
        maxLabelValueChars: Type.Integer({ minimum: 16, maximum: 65_536, default: 1024 }),
        /** A repeat of a finished triage of the same alert instance within this window starts nothing. */
        repeatWindowMs: Millis(6 * 3_600_000),
        /** How long one API process remembers Temporal's answer for a firing alert instance (Alertmanager resends whole groups); 0: ask every time. */
        rememberAcksMs: Millis(300_000),
      },
      { additionalProperties: false, default: {} },
    ),
    /** How long a triage waits for a human to approve or reject its proposed remediation. */
    approvalWindowMs: Millis(3_600_000),
    /** After its report, an Alertmanager triage waits this long for the alert to resolve, then posts a follow-up; 0: no follow-up. */
    followUpWindowMs: Millis(6 * 3_600_000),
    /** On `resolved`: false finishes the current step with a short summary; true carries on. */
    continueOnResolve: Type.Boolean({ default: false }),
    /** The offline investigator's PromQL, with `$selector` standing for the alert's job or instance matcher. */
    offline: Type.Object(
      {
        errorRateQuery: Type.String({ minLength: 1, pattern: '\\$selector', default: DEFAULT_OFFLINE_QUERIES.errorRate }),
        latencyQuery: Type.String({ minLength: 1, pattern: '\\$selector', default: DEFAULT_OFFLINE_QUERIES.latency }),
      },
      { additionalProperties: false, default: {} },
    ),
    sources: Type.Object(
      {
        prometheusUrl: Type.String({ default: '' }),
        lokiUrl: Type.String({ default: '' }),
        /** With no lokiUrl: a directory of JSON-lines log files the log tool reads itself; `vigil up` sets <dataDir>/demo when the demo runs. '' = none. */
        logDir: Type.String({ default: '' }),
        /** Markdown runbooks, matched by alert labels (relative to the working directory). */
        runbooksDir: Type.String({ default: 'configs/runbooks' }),
        /** Largest tool output sent to the model (characters); longer output is cut with a note. */
        maxToolOutputChars: Type.Integer({ minimum: 200, maximum: 200_000, default: 8000 }),
        /** And at most this many tokens (estimated, erring high: lib/triage/tokens.ts); dense output such as numbers reaches it first. */
        maxToolOutputTokens: Type.Integer({ minimum: 100, maximum: 100_000, default: 3000 }),
        toolTimeoutMs: Millis(15_000),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

const Log = Type.Object(
  {
    level: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], {
      default: 'info',
    }),
  },
  { additionalProperties: false, default: {} },
);

/** How long stored history is kept; older rows are pruned by the loops themselves. */
const Retention = Type.Object(
  {
    checkResultsDays: Type.Integer({ minimum: 1, maximum: 3650, default: 7 }),
    transitionsDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
    actionsDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365 }),
    metricsDays: Type.Integer({ minimum: 1, maximum: 3650, default: 7 }),
  },
  { additionalProperties: false, default: {} },
);

/** The demo shop (demo/shop): `vigil up` starts it, and configs/services/demo.yaml watches its five services. */
const Demo = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    /** The demo shop (issue 16): one port per service, gateway → orders → {payments, inventory}, orders → db. */
    ports: Type.Object({ gateway: Port(9400), orders: Port(9401), payments: Port(9402), inventory: Port(9403), db: Port(9404) }, { additionalProperties: false, default: {} }),
    /** The shop's built-in load generator: requests a second to the gateway (0: none). */
    load: Type.Object({ rps: Type.Number({ minimum: 0, maximum: 100, default: 2 }) }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false, default: {} },
);

/**
 * A Prometheus (and an Alertmanager) that `vigil up` runs beside Vigil when it can:
 * found on PATH or installed, data under <dataDir>. Not started when
 * llm.sources.prometheusUrl names one already.
 */
const LocalPrometheus = Type.Object(
  { enabled: Type.Boolean({ default: true }), port: Port(9490), scrapeIntervalMs: Type.Integer({ minimum: 1000, default: 5000 }) },
  { additionalProperties: false, default: {} },
);
const LocalAlertmanager = Type.Object({ enabled: Type.Boolean({ default: true }), port: Port(9493) }, { additionalProperties: false, default: {} });

/** The supervisor (workflows/supervisor.ts): how often the running loops are made equal to the definitions. */
const Supervisor = Type.Object({ intervalMs: Type.Integer({ minimum: 1000, default: 60_000 }) }, { additionalProperties: false, default: {} });

export const VigilConfigSchema = Type.Object(
  {
    /** Where `vigil up` keeps Temporal's SQLite file, PostgreSQL and the admin token. */
    dataDir: Type.String({ minLength: 1, default: '.vigil' }),
    server: Server,
    temporal: Temporal,
    worker: Worker,
    database: Database,
    auth: Auth,
    notifications: Notifications,
    llm: Llm,
    log: Log,
    retention: Retention,
    demo: Demo,
    prometheus: LocalPrometheus,
    alertmanager: LocalAlertmanager,
    supervisor: Supervisor,
  },
  { additionalProperties: false },
);

export type VigilConfig = Static<typeof VigilConfigSchema>;
export type TokenConfig = Static<typeof Token>;

/**
 * The one default a schema default cannot give: an llm.prices table that is
 * given (in vigil.yaml or as JSON in VIGIL_LLM__PRICES) replaces the default
 * whole, so the default entries of models it does not name are put back.
 * Called on a validated document.
 */
export function withDefaultPrices(config: VigilConfig): VigilConfig {
  config.llm.prices = { ...structuredClone(DEFAULT_MODEL_PRICES), ...config.llm.prices };
  return config;
}
