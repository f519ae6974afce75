// A synthetic shop for the RCA tests: the demo's five services and call graph,
// seeded noise, and faults that propagate as they do in the real shop — the
// faulted service moves first and most; each caller a scrape later and a bit
// less (its latency adds the callee's, its errors follow the callee's failed
// calls, partly absorbed by retries). Deterministic for a seed.
import { seededRandom } from '../../lib/core/rca/stats';
import type { Change, FiringAlert, LogTemplateCount, RcaInput, Series, ServiceSignals, SignalName } from '../../lib/core/rca/types';

export const SERVICES = ['gateway', 'orders', 'payments', 'inventory', 'db'] as const;
export type Service = (typeof SERVICES)[number];
export const CALLEES: Record<Service, Service[]> = { gateway: ['orders'], orders: ['payments', 'inventory', 'db'], payments: [], inventory: [], db: [] };
/** Callees before callers, so a caller sees its callees' state of the previous step. */
const BOTTOM_UP: Service[] = ['payments', 'inventory', 'db', 'orders', 'gateway'];

export const AT = 1_800_000_000;
/** The default step between points, seconds. */
export const STEP = 10;
const BEFORE = 600;
const AFTER = 300;
const MIB = 2 ** 20;

export type FaultKind = 'latency' | 'errors' | 'crash' | 'crashloop' | 'cpu' | 'memory' | 'pool' | 'dependency' | 'config' | 'logs';

export interface Fault {
  kind: FaultKind;
  service: Service;
  /** dependency: the callee whose calls fail. */
  target?: Service;
  /** Epoch seconds; default one minute before AT (the alert fires a minute after the fault). */
  onset?: number;
  /** Epoch seconds it was healed (an earlier incident); default never. Restarts it caused stay counted. */
  until?: number;
}

/** Whether the fault is on at `t`. */
const active = (fault: Fault, t: number) => t >= (fault.onset ?? AT - 60) && (fault.until === undefined || t < fault.until);

export interface WorldSpec {
  seed: number;
  faults: Fault[];
  /** Services with heavy noise and isolated spikes in latency and CPU all the time. */
  noisy?: Service[];
  changes?: Change[];
  /** A crashed service's series stop while it is down (no up series at all), instead of up = 0. */
  seriesStopOnCrash?: boolean;
  /** memory fault: bytes leaked a step (default 2 MiB: a slow leak). */
  leakPerStep?: number;
  /** Seconds between points (default 10). */
  step?: number;
  /**
   * Seconds of a Prometheus rate window to smooth with, as `rate(…[1m])` and
   * `histogram_quantile(0.95, rate(…[1m]))` would: each point becomes the mean
   * of the window's points, so a step becomes a ramp. None: raw.
   */
  rateWindow?: number;
}

const BASE: Record<Service, { latency: number; latencySd: number; rate: number }> = {
  gateway: { latency: 0.06, latencySd: 0.0015, rate: 20 },
  orders: { latency: 0.045, latencySd: 0.0015, rate: 20 },
  // The card-processor stand-in is jittery: its own latency is noisy, its callers' sums smoother.
  payments: { latency: 0.012, latencySd: 0.004, rate: 20 },
  inventory: { latency: 0.008, latencySd: 0.001, rate: 20 },
  db: { latency: 0.004, latencySd: 0.0005, rate: 60 },
};

/** One service's state at one point in time. */
interface Step {
  extraLatency: number;
  errors: number;
  down: boolean;
  restarts: number;
  clientErrors: Partial<Record<Service, number>>;
  /** Share of its normal traffic that still reaches it. */
  traffic: number;
}

function faultAt(fault: Fault, t: number): { extraLatency: number; errors: number; down: boolean; restarts: number } {
  const since = t - (fault.onset ?? AT - 60);
  const none = { extraLatency: 0, errors: 0, down: false, restarts: 0 };
  if (since < 0) return none;
  if (!active(fault, t)) return { ...none, restarts: faultAt({ ...fault, until: undefined }, (fault.until as number) - 1).restarts };
  switch (fault.kind) {
    case 'latency':
      return { ...none, extraLatency: 0.5 };
    case 'errors':
      return { ...none, errors: 0.4 };
    case 'config':
      return { ...none, errors: 0.9 }; // a 1 ms timeout: nearly every payment fails
    case 'cpu':
      return { ...none, extraLatency: 0.1 };
    case 'pool':
      return { ...none, extraLatency: 0.8, errors: 0.15 };
    case 'crash':
      return { ...none, down: since < 20, restarts: since >= 30 ? 1 : 0 };
    case 'crashloop': {
      // Down for 20 s every 60 s, a restart after each.
      const cycle = since % 60;
      return { ...none, down: cycle < 20, restarts: Math.floor(since / 60) + (cycle >= 30 ? 1 : 0) };
    }
    default:
      return none;
  }
}

export function world(spec: WorldSpec): RcaInput {
  const random = seededRandom(spec.seed);
  const normal = (sd: number) => sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const step = spec.step ?? STEP;
  const times = Array.from({ length: Math.floor((BEFORE + AFTER) / step) + 1 }, (_, index) => AT - BEFORE + index * step);
  const previous = new Map<Service, Step>();
  const rows = new Map<Service, { t: number; step: Step }[]>(SERVICES.map((service) => [service, []]));

  for (const t of times) {
    const current = new Map<Service, Step>();
    for (const service of BOTTOM_UP) {
      const own = spec.faults.filter((fault) => fault.service === service).map((fault) => faultAt(fault, t));
      const now: Step = {
        extraLatency: own.reduce((sum, effect) => sum + effect.extraLatency, 0),
        errors: Math.max(0, ...own.map((effect) => effect.errors)),
        down: own.some((effect) => effect.down),
        restarts: own.reduce((sum, effect) => sum + effect.restarts, 0),
        clientErrors: {},
        traffic: 1,
      };
      for (const callee of CALLEES[service]) {
        const seen = previous.get(callee);
        const cut = spec.faults.some((fault) => fault.kind === 'dependency' && fault.service === service && fault.target === callee && active(fault, t));
        const failing = cut || seen?.down ? 1 : (seen?.errors ?? 0);
        now.clientErrors[callee] = failing;
        // Retries absorb some failures; a caller waits for each callee in turn, a bit less than all of it on average.
        now.errors = Math.max(now.errors, 0.8 * failing);
        now.extraLatency += 0.9 * (seen?.extraLatency ?? 0);
      }
      current.set(service, now);
    }
    // Traffic reaching a callee: none from a caller that cannot reach it or is down.
    for (const service of SERVICES) {
      for (const callee of CALLEES[service]) {
        const caller = current.get(service) as Step;
        const cut = spec.faults.some((fault) => fault.kind === 'dependency' && fault.service === service && fault.target === callee && active(fault, t));
        if (cut || caller.down) (current.get(callee) as Step).traffic = 0.02;
      }
    }
    for (const service of SERVICES) {
      (rows.get(service) as { t: number; step: Step }[]).push({ t, step: current.get(service) as Step });
      previous.set(service, current.get(service) as Step);
    }
  }

  const services: ServiceSignals[] = SERVICES.map((service) => {
    const base = BASE[service];
    const noisy = spec.noisy?.includes(service) ?? false;
    const spike = (size: number) => (noisy && random() < 0.05 ? size : 0);
    const signals: Partial<Record<SignalName, [number, number][]>> = {};
    const clientErrors: Record<string, [number, number][]> = Object.fromEntries(CALLEES[service].map((callee) => [callee, []]));
    const push = (name: SignalName, t: number, value: number) => (signals[name] ??= []).push([t, value]);
    const leak = spec.faults.find((fault) => fault.kind === 'memory' && fault.service === service);
    const cpu = spec.faults.find((fault) => fault.kind === 'cpu' && fault.service === service);
    const pool = spec.faults.find((fault) => fault.kind === 'pool' && fault.service === service);
    for (const { t, step: state } of rows.get(service) as { t: number; step: Step }[]) {
      if (!spec.seriesStopOnCrash) push('up', t, state.down ? 0 : 1);
      if (state.down) continue; // a dead process answers no scrape: nothing but up = 0 (or nothing at all)
      const started = (fault: Fault | undefined) => fault !== undefined && active(fault, t);
      const latency = base.latency + Math.abs(normal(base.latencySd * (noisy ? 4 : 1))) + spike(0.05) + state.extraLatency;
      const rate = Math.max(0, base.rate * state.traffic + normal(1));
      push('latency_p95', t, latency);
      push('error_ratio', t, Math.min(1, Math.max(0, state.errors + normal(0.002))));
      push('request_rate', t, rate);
      push('in_flight', t, Math.max(0, rate * latency + normal(0.3)));
      push('cpu', t, Math.max(0, (started(cpu) ? 0.9 : 0.05) + normal(noisy ? 0.02 : 0.005) + spike(0.2)));
      const leaked = leak && started(leak) ? Math.min(200 * MIB, ((t - (leak.onset ?? AT - 60)) / step + 1) * (spec.leakPerStep ?? 2 * MIB)) : 0;
      push('memory', t, 80 * MIB + leaked + normal(0.5 * MIB));
      push('heap', t, 30 * MIB + leaked + normal(0.5 * MIB));
      push('restarts', t, state.restarts);
      if (service === 'db' || service === 'orders') {
        push('pool_use', t, started(pool) ? 1 : Math.min(1, Math.max(0, 0.2 + normal(0.03))));
        push('pool_waiting', t, started(pool) ? 8 + Math.round(normal(1)) : Math.max(0, Math.round(normal(0.3))));
      }
      for (const callee of CALLEES[service]) clientErrors[callee].push([t, Math.min(1, Math.max(0, (state.clientErrors[callee] ?? 0) + normal(0.002)))]);
    }
    if (spec.rateWindow) {
      // p95 too is a mean of the points: a spike here stands for a few slow requests among a minute's
      // thousand, which barely move the window's p95 (the points' p95, their max, would hold it a minute).
      for (const name of ['error_ratio', 'request_rate', 'cpu', 'in_flight', 'latency_p95'] as const) if (signals[name]) signals[name] = smooth(signals[name], spec.rateWindow, mean);
      for (const callee of Object.keys(clientErrors)) clientErrors[callee] = smooth(clientErrors[callee], spec.rateWindow, mean);
    }
    return { service, signals: signals as Partial<Record<SignalName, Series>>, clientErrors };
  });

  return {
    alert: { labels: { alertname: 'ShopHighErrorRate', service: 'gateway' }, startsAt: new Date(AT * 1000).toISOString() },
    at: AT,
    window: { before: BEFORE, after: AFTER },
    ...(spec.rateWindow ? { rateWindow: spec.rateWindow } : {}),
    services,
    callees: CALLEES,
    changes: spec.changes ?? [],
    logs: logsFor(spec),
    alerts: alertsFor(rows),
  };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Each point becomes the aggregate of the points in the window that ends at it. */
function smooth(series: [number, number][], window: number, aggregate: (values: number[]) => number): [number, number][] {
  return series.map(([t]) => [t, aggregate(series.filter(([other]) => other > t - window && other <= t).map(([, value]) => value))]);
}

/** Steady info and warning lines everywhere; a new error template where a fault makes requests fail or a burst is injected. */
function logsFor(spec: WorldSpec): LogTemplateCount[] {
  const logs: LogTemplateCount[] = SERVICES.map((service) => ({ service, template: 'request handled', level: 'info', before: 1200, after: 600 }));
  for (const service of spec.noisy ?? []) logs.push({ service, template: 'slow operation took <n> ms', level: 'warn', before: 40, after: 20 });
  for (const fault of spec.faults) {
    // The gatherer splits a minute before the alert: an incident over by then logged "before".
    const counts = (lines: number) => (fault.until !== undefined && fault.until < AT - 60 ? { before: lines, after: 0 } : { before: 0, after: lines });
    if (fault.kind === 'logs') logs.push({ service: fault.service, template: 'upstream connection reset by peer', level: 'error', ...counts(60) });
    if (fault.kind === 'errors' || fault.kind === 'crash' || fault.kind === 'crashloop') {
      logs.push({ service: fault.service, template: 'fatal: uncaught exception <e>', level: 'error', ...counts(fault.kind === 'errors' ? 120 : 3) });
    }
  }
  return logs;
}

/** What the shop's rules would fire: high error rate, high latency, a target down; one alert per service and rule. */
function alertsFor(rows: Map<Service, { t: number; step: Step }[]>): FiringAlert[] {
  const alerts: FiringAlert[] = [];
  for (const [service, steps] of rows) {
    const first = (test: (step: Step) => boolean) => steps.find(({ step }) => test(step))?.t;
    const rules: [string, number | undefined][] = [
      ['ShopHighErrorRate', first((step) => step.errors > 0.05)],
      ['ShopHighLatency', first((step) => step.extraLatency > 0.2)],
      ['ShopTargetDown', first((step) => step.down)],
    ];
    for (const [name, at] of rules) if (at !== undefined) alerts.push({ service, name, at: at + 30 });
  }
  return alerts;
}
