// The demo shop: five small services that call each other for real, so a fault in
// one shows up, delayed and shaped, in its callers.
//
//   loadgen → gateway → orders → payments
//                              → inventory
//                              → db
//
// Everything one shop owns lives in its directory (pid files, logs, faults, the
// payments setting), so two shops with their own directories and ports never touch
// each other's processes. This module only names things; it does no I/O.
import { join } from 'node:path';

export const SERVICES = ['gateway', 'orders', 'payments', 'inventory', 'db'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Who calls whom: the real call graph (configs/services/shop.yaml's dependsOn says the same). */
export const CALLEES: Record<ServiceName, readonly ServiceName[]> = {
  gateway: ['orders'],
  orders: ['payments', 'inventory', 'db'],
  payments: [],
  inventory: [],
  db: [],
};

export const FAULT_KINDS = ['latency', 'errors', 'crash', 'crashloop', 'cpu', 'memory', 'pool', 'dependency', 'config', 'logs'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The service `vigil-demo fail <kind>` breaks when none is named. */
export const DEFAULT_SERVICE: Record<FaultKind, ServiceName> = {
  latency: 'payments',
  errors: 'payments',
  crash: 'payments',
  crashloop: 'payments',
  cpu: 'inventory',
  memory: 'inventory',
  pool: 'db',
  dependency: 'orders',
  config: 'payments',
  logs: 'payments',
};

/** A fault as written to <dir>/faults/<service>.json and read by the service it names. */
export interface Fault {
  kind: FaultKind;
  /** Epoch ms after which the service drops it; none: until healed. */
  until?: number;
  /** dependency: the callee that becomes unreachable. */
  target?: ServiceName;
  /** config: the setting file as it was before the bad value, put back by heal or expiry. */
  original?: string;
}

export interface ShopSettings {
  host: string;
  ports: Record<ServiceName, number>;
  dir: string;
  /** Requests a second the load generator sends to the gateway; 0: none. */
  rps: number;
}

export const isService = (value: unknown): value is ServiceName => typeof value === 'string' && (SERVICES as readonly string[]).includes(value);
export const isFaultKind = (value: unknown): value is FaultKind => typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);

/** Why `kind` cannot be injected into `service` (with `target`), or undefined when it can. */
export function faultProblem(service: ServiceName, kind: FaultKind, target: string | undefined): string | undefined {
  if (target !== undefined && kind !== 'dependency') return '--target applies to the dependency fault only';
  if (kind === 'config' && service !== 'payments') return 'only payments reads a live setting (config fault: payments)';
  if (kind === 'pool' && service !== 'db' && service !== 'orders') return 'only db and orders have a connection pool';
  if (kind === 'dependency') {
    if (!CALLEES[service].length) return `${service} calls no other service`;
    if (target !== undefined && !(CALLEES[service] as readonly string[]).includes(target)) return `${service} does not call ${target} (it calls ${CALLEES[service].join(', ')})`;
  }
  return undefined;
}

/** The files of one shop under its directory. */
export const shopFiles = (dir: string) => ({
  pid: (name: ServiceName | 'loadgen') => join(dir, `${name}.pid`),
  /** Its structured log: JSON lines, what a log reader and Vigil's log checks read. */
  log: (name: ServiceName) => join(dir, `${name}.log`),
  /** stdout and stderr of the process (startup errors), apart from the structured log. */
  out: (name: ServiceName | 'loadgen') => join(dir, `${name}.out`),
  fault: (name: ServiceName) => join(dir, 'faults', `${name}.json`),
  /** The fault file's text as the service last took it in: `vigil-demo` waits for it instead of guessing a delay. */
  faultSeen: (name: ServiceName) => join(dir, 'faults', `${name}.seen`),
  /** The payments service's live setting, managed by the drift app configs/drift/shop.yaml. */
  paymentsSettings: join(dir, 'payments.json'),
});

/** The payments setting as the drift app wants it (configs/drift/shop/payments.json). */
export const PAYMENTS_DEFAULTS = { timeoutMs: 800, currency: 'EUR', retries: 1 };
/** What the config fault writes: a timeout no card processor meets, as a bad deploy would. */
export const BAD_PAYMENTS_TIMEOUT_MS = 1;

export const urlOf = (settings: Pick<ShopSettings, 'host' | 'ports'>, service: ServiceName) =>
  `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.ports[service]}`;
