// `vigil-demo` for the shop: start, stop, restart and status of the whole shop or
// one service, faults and heals. Ports, directory and load default to Vigil's own
// settings (demo.ports.*, <dataDir>/demo, demo.load.rps), so `npm run demo:fail`
// reaches the shop this Vigil runs. Exit codes: 0 ok, 1 failure, 2 usage; a bad
// command changes nothing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toMs } from '../../lib/core/duration';
import { injectFault, healFault, noticed, probe, runningPid, startMember, stopMember, type Member } from './control';
import { runLoadgen } from './loadgen';
import { runService } from './runtime';
import { SERVICE_BUILDERS } from './services';
import { DEFAULT_SERVICE, FAULT_KINDS, SERVICES, faultProblem, isFaultKind, isService, urlOf, type Fault, type ServiceName, type ShopSettings } from './topology';

export class UsageError extends Error {}

export const SHOP_USAGE = `Usage: vigil-demo <command> [options]

The demo shop: gateway → orders → {payments, inventory}, orders → db, and a load
generator sending --rps requests a second to the gateway.

Commands:
  start [service]             start the shop (or one service) in the background
  stop [service]              stop it (not running is fine)
  restart [service]           stop, then start (what Vigil's restart action runs)
  status [service]            exit 0 if running and healthy, 1 otherwise
  fault <service> <kind>      break a service: ${FAULT_KINDS.join(' | ')}
        [--for D] [--target S]  (D such as 30s or 2m: it heals itself after D;
                                --target: the callee a dependency fault cuts off)
  heal [service]              remove the fault (of every service when none is named)
  fail <kind> [service]       fault with a default service per kind (npm run demo:fail)
  run                         start the shop and stay in the foreground until a
                              signal (a container's main process); exits 1 when a
                              service stays gone, so the container is restarted
  serve <service|loadgen>     run one in the foreground (what start runs)

Options (and environment):
  --dir DIR       pid files, logs, faults and payments.json (DEMO_DIR, default <dataDir>/demo)
  --ports LIST    gateway,orders,payments,inventory,db ports, or name=port pairs
                  (DEMO_PORTS, default demo.ports.* of Vigil's configuration)
  --rps N         load generator requests a second, 0 for none (DEMO_RPS, default demo.load.rps)
  --host HOST     listen address (DEMO_HOST, default 127.0.0.1)
  --config DIR    Vigil's configuration directory (VIGIL_CONFIG_DIR, default configs)
`;

export interface ShopOptions {
  host?: string;
  ports?: string;
  dir?: string;
  rps?: string;
  config?: string;
  for?: string;
  target?: string;
}

export interface VigilDemoSettings {
  ports: Record<ServiceName, number>;
  rps: number;
  dir: string;
}

/**
 * The demo settings as the Vigil started from here sees them (vigil.yaml and its
 * VIGIL_ env overrides), loaded with `require` only when an option does not say:
 * the config schema takes most of a second to load. Without a config directory
 * (a container running the demo alone), the settings' defaults.
 */
export function vigilDemoSettings(configDir: string | undefined): VigilDemoSettings {
  const load = require('../../lib/adapters/config/load') as typeof import('../../lib/adapters/config/load');
  const dir = configDir ?? load.defaultConfigDir();
  const config = configDir === undefined && !existsSync(dir) ? load.configFromObject() : load.loadConfig({ dir, settingsOnly: true }).config;
  return { ports: config.demo.ports, rps: config.demo.load.rps, dir: join(resolve(config.dataDir), 'demo') };
}

/** `needsRps`: only the load generator uses the rate; without it a command need not read Vigil's config for it (0). */
export function shopSettings(values: ShopOptions, needsRps = true): ShopSettings {
  const env = (name: string) => process.env[name] || undefined; // set but empty counts as unset
  let vigil: VigilDemoSettings | undefined;
  const fromVigil = () => (vigil ??= vigilDemoSettings(values.config));
  const portsText = values.ports ?? env('DEMO_PORTS');
  const ports = parsePorts(portsText, () => fromVigil().ports);
  const rpsText = values.rps ?? env('DEMO_RPS');
  const rps = rpsText === undefined ? (needsRps ? fromVigil().rps : 0) : Number(rpsText);
  if (!Number.isFinite(rps) || rps < 0 || rps > 100 || rpsText?.trim() === '') throw new UsageError(`not a rate (0 to 100 requests a second): ${rpsText}`);
  const dir = resolve(values.dir ?? env('DEMO_DIR') ?? fromVigil().dir);
  return { host: values.host ?? env('DEMO_HOST') ?? '127.0.0.1', ports, dir, rps };
}

function parsePorts(text: string | undefined, defaults: () => Record<ServiceName, number>): Record<ServiceName, number> {
  if (text === undefined) return defaults();
  const port = (value: string) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < 1 || number > 65_535) throw new UsageError(`not a port: ${value}`);
    return number;
  };
  const parts = text.split(',').map((part) => part.trim());
  if (parts.every((part) => !part.includes('='))) {
    if (parts.length !== SERVICES.length) throw new UsageError(`--ports needs ${SERVICES.length} ports (${SERVICES.join(',')}) or name=port pairs: ${text}`);
    return Object.fromEntries(SERVICES.map((name, i) => [name, port(parts[i])])) as Record<ServiceName, number>;
  }
  const given: Partial<Record<ServiceName, number>> = {};
  for (const part of parts) {
    const [name, value = ''] = part.split('=');
    if (!isService(name)) throw new UsageError(`--ports: not a service: ${name} (${SERVICES.join(', ')})`);
    given[name] = port(value);
  }
  return SERVICES.every((name) => given[name] !== undefined) ? (given as Record<ServiceName, number>) : { ...defaults(), ...given };
}

function parseFor(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let ms: number;
  try {
    ms = toMs(text);
  } catch {
    throw new UsageError(`not a duration: ${text} (try 30s, 2m, 500ms)`);
  }
  if (ms <= 0) throw new UsageError(`the duration must be positive: ${text}`);
  return ms;
}

const serviceArg = (name: string | undefined): ServiceName | undefined => {
  if (name === undefined) return undefined;
  if (!isService(name)) throw new UsageError(`unknown service: ${name} (${SERVICES.join(', ')})`);
  return name;
};

/** The error burst of the logs fault ends on its own after this unless --for says otherwise. */
const LOGS_DEFAULT_MS = 30_000;

async function fault(s: ShopSettings, service: ServiceName, kindText: string | undefined, values: ShopOptions): Promise<string> {
  if (!isFaultKind(kindText)) throw new UsageError(kindText === undefined ? `fault needs a kind: ${FAULT_KINDS.join(', ')}` : `unknown fault kind: ${kindText} (${FAULT_KINDS.join(', ')})`);
  const kind = kindText;
  const problem = faultProblem(service, kind, values.target);
  if (problem) throw new UsageError(`cannot inject ${kind} into ${service}: ${problem}`);
  const forMs = parseFor(values.for) ?? (kind === 'logs' ? LOGS_DEFAULT_MS : undefined);
  const pid = runningPid(s, service);
  if (pid === undefined) throw new Error(`${service} is not running in ${s.dir} (start the shop: vigil-demo start)`);
  const target = kind === 'dependency' ? ((values.target as ServiceName | undefined) ?? DEFAULT_TARGET[service]) : undefined;
  const record: Fault = { kind, ...(forMs === undefined ? {} : { until: Date.now() + forMs }), ...(target ? { target } : {}) };
  await noticed(s, service, injectFault(s, service, record)); // the command returns with the fault in effect
  const span = forMs === undefined ? 'until healed' : `for ${values.for ?? `${forMs / 1000}s`}`;
  if (kind === 'crash') {
    for (const deadline = Date.now() + 3_000; Date.now() < deadline && runningPid(s, service) === pid;) await sleep(50);
    return `${service}: crash injected; pid ${pid} exited (bring it back: vigil-demo restart ${service})`;
  }
  return `${service}: ${kind} injected${target ? ` (${target} unreachable)` : ''}, ${span}`;
}

/** The callee a dependency fault cuts off unless --target names another. */
const DEFAULT_TARGET: Partial<Record<ServiceName, ServiceName>> = { gateway: 'orders', orders: 'payments' };

async function serve(s: ShopSettings, member: string | undefined): Promise<void> {
  if (member === 'loadgen') {
    const load = runLoadgen(s);
    const stop = () => {
      load.stop();
      process.exit(0);
    };
    process.once('SIGTERM', stop).once('SIGINT', stop);
    return;
  }
  const service = serviceArg(member);
  if (!service) throw new UsageError('serve needs a service or loadgen');
  const running = await runService(service, s, SERVICE_BUILDERS[service]);
  const shutdown = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown).once('SIGINT', shutdown);
}

const members = (s: ShopSettings): Member[] => [...SERVICES, ...(s.rps > 0 ? (['loadgen'] as const) : [])];

/** How long `run` lets a service be gone (a restart by hand takes a second or two) before it gives up the shop. */
const GONE_GRACE_MS = 10_000;
const WATCH_MS = 1_000;

/**
 * The shop as a container's main process (docker-compose.yml): starts it, stops it
 * on SIGTERM, and when a service has died (a crash fault), stops the rest and
 * exits 1, so the container's restart policy brings the shop back, as it would a
 * crashed single-process container. Nothing is restarted here: that is the
 * platform's job, or Vigil's.
 */
async function runForeground(s: ShopSettings, say: (line: string) => void): Promise<void> {
  const stopAll = async () => {
    await stopMember(s, 'loadgen');
    await Promise.all(SERVICES.map((member) => stopMember(s, member)));
  };
  const goneSince = new Map<ServiceName, number>();
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let startup: Promise<unknown> = Promise.resolve();
  const stopShop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    await startup.catch(() => {}); // a member still starting would outlive a stop made before it wrote its pid
    await stopAll();
    process.exit(code);
  };
  // From the first moment: a stop while the shop starts stops whatever started (the default would leave it running).
  process.once('SIGTERM', () => void stopShop(0)).once('SIGINT', () => void stopShop(0));
  const starting = Promise.all(members(s).map(async (member) => ({ member, ...(await startMember(s, member)) })));
  startup = starting;
  const started = await starting.catch(async (error: unknown) => {
    await stopAll(); // no half shop left behind the failed main process
    throw error;
  });
  if (stopping) return;
  say(`shop running at ${urlOf(s, 'gateway')} (${started.map(({ member, pid }) => `${member} ${pid}`).join(', ')}; load ${s.rps} rps)`);
  timer = setInterval(() => {
    for (const service of SERVICES) {
      if (runningPid(s, service) !== undefined) goneSince.delete(service);
      else if (!goneSince.has(service)) goneSince.set(service, Date.now());
      else if (Date.now() - goneSince.get(service)! >= GONE_GRACE_MS) {
        say(`${service} has been gone for ${GONE_GRACE_MS / 1000} s; stopping the shop`);
        void stopShop(1);
        return;
      }
    }
  }, WATCH_MS);
}

/** Runs one command; returns the exit code, or -1 for `serve` and `run` (they stay up until a signal). */
export async function shopMain(command: string | undefined, rest: string[], values: ShopOptions, say: (line: string) => void): Promise<number> {
  const expectArgs = (count: number) => {
    if (rest.length > count) throw new UsageError(`unexpected argument: ${rest[count]}`);
  };
  const wholeShop = ((command === 'start' || command === 'restart') && rest[0] === undefined) || command === 'run';
  const s = shopSettings(values, wholeShop || (command === 'serve' && rest[0] === 'loadgen'));
  switch (command) {
    case 'start': {
      expectArgs(1);
      const one = serviceArg(rest[0]);
      const started = await Promise.all((one ? [one] : members(s)).map(async (member) => ({ member, ...(await startMember(s, member)) })));
      const pids = started.map(({ member, pid, already }) => `${member} ${pid}${already ? ' already running' : ''}`).join(', ');
      say(`${one ?? 'shop'} started at ${urlOf(s, one ?? 'gateway')} (${pids}${one ? '' : `; load ${s.rps} rps`})`);
      return 0;
    }
    case 'stop': {
      expectArgs(1);
      const one = serviceArg(rest[0]);
      if (!one) await stopMember(s, 'loadgen'); // load first: no errors from a half-stopped shop
      const stopped = await Promise.all((one ? [one] : SERVICES).map(async (member) => ({ member, ...(await stopMember(s, member)) })));
      const lines = stopped.filter(({ pid }) => pid !== undefined).map(({ member, pid, killed }) => `${member} ${pid}${killed ? ' killed' : ''}`);
      say(lines.length ? `${one ?? 'shop'} stopped (${lines.join(', ')})` : `${one ?? 'shop'} not running`);
      return 0;
    }
    case 'restart': {
      expectArgs(1);
      const one = serviceArg(rest[0]);
      const targets = one ? [one] : members(s);
      const before = targets.map((member) => runningPid(s, member));
      if (!one) await stopMember(s, 'loadgen');
      await Promise.all(targets.map((member) => stopMember(s, member)));
      const after = await Promise.all(targets.map((member) => startMember(s, member)));
      say(`${one ?? 'shop'} restarted (${targets.map((member, i) => `${member} ${before[i] ?? 'none'} → ${after[i].pid}`).join(', ')})`);
      return 0;
    }
    case 'status': {
      expectArgs(1);
      const one = serviceArg(rest[0]);
      let healthy = true;
      for (const service of one ? [one] : SERVICES) {
        const pid = runningPid(s, service);
        const health = pid === undefined ? undefined : await probe(s, service);
        const ok = health !== undefined && 'status' in health && health.status === 200;
        healthy &&= ok;
        const why = health === undefined ? 'not running' : 'error' in health ? health.error : `HTTP ${health.status}${health.reason ? `: ${health.reason}` : ''}`;
        say(`${service}: ${ok ? 'healthy' : 'unhealthy'} (${pid === undefined ? why : `pid ${pid}, ${urlOf(s, service)}/healthz ${why}`})`);
      }
      return healthy ? 0 : 1;
    }
    case 'fault': {
      expectArgs(2);
      const service = serviceArg(rest[0]);
      if (!service) throw new UsageError('fault needs a service and a kind: vigil-demo fault <service> <kind>');
      say(await fault(s, service, rest[1], values));
      return 0;
    }
    case 'fail': {
      expectArgs(2);
      if (rest[0] === undefined) throw new UsageError(`fail needs a kind: ${FAULT_KINDS.join(', ')}`);
      if (!isFaultKind(rest[0])) throw new UsageError(`unknown fault kind: ${rest[0]} (${FAULT_KINDS.join(', ')})`);
      say(await fault(s, serviceArg(rest[1]) ?? DEFAULT_SERVICE[rest[0]], rest[0], values));
      return 0;
    }
    case 'heal': {
      expectArgs(1);
      const one = serviceArg(rest[0]);
      const healed = (one ? [one] : SERVICES).map((service) => ({ service, fault: healFault(s, service) })).filter(({ fault }) => fault);
      await Promise.all(healed.map(({ service }) => noticed(s, service, ''))); // the command returns with the fault gone
      say(healed.length ? `healed ${healed.map(({ service, fault }) => `${service} (was ${fault!.kind})`).join(', ')}` : `${one ?? 'the shop'} had no fault`);
      return 0;
    }
    case 'run':
      expectArgs(0);
      await runForeground(s, say);
      return -1;
    case 'serve':
      expectArgs(1);
      await serve(s, rest[0]);
      return -1;
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}
