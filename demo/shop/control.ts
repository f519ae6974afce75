// Starting, stopping and breaking a shop from outside (what `vigil-demo` runs).
// Each service is a process of its own with a pid file under the shop's directory;
// a pid counts as ours only if its command line names the same service and the
// same directory, so two shops never stop each other's processes, and a pid reused
// by an unrelated process is left alone.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../lib/adapters/paths';
import { commandLine, spawnOwned, waitUntilReady } from '../../lib/adapters/process/child';
import { isRunning, readPid } from '../process';
import { PID_HEADER } from './runtime';
import { BAD_PAYMENTS_TIMEOUT_MS, PAYMENTS_DEFAULTS, SERVICES, shopFiles, urlOf, type Fault, type ServiceName, type ShopSettings } from './topology';

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;
const NOTICE_TIMEOUT_MS = 5_000;

export type Member = ServiceName | 'loadgen';

/** The arguments a service process is started with: everything it needs, so it never reads Vigil's config. */
export const serveArgs = (settings: ShopSettings, member: Member) => [
  join(projectRoot(), 'bin', 'vigil-demo.js'),
  'serve',
  member,
  '--dir',
  settings.dir,
  '--host',
  settings.host,
  '--ports',
  SERVICES.map((name) => settings.ports[name]).join(','),
  '--rps',
  String(settings.rps),
];

/** The pid of `member` of this shop, if it runs; a stale pid file is removed. */
export function runningPid(settings: ShopSettings, member: Member): number | undefined {
  const pidFile = shopFiles(settings.dir).pid(member);
  const pid = readPid(pidFile);
  if (pid === undefined) return undefined;
  const cmdline = commandLine(pid);
  const ours = cmdline === '' || (cmdline.includes('vigil-demo') && cmdline.includes(` serve ${member} `) && cmdline.includes(` --dir ${settings.dir} `));
  if (isRunning(pid) && ours) return pid;
  rmSync(pidFile, { force: true });
  return undefined;
}

export type Probe = { status: number; pid: number; reason?: string } | { error: string };

/** GET /healthz of one service: its status, the pid that answered, and why it is unhealthy. */
export async function probe(settings: ShopSettings, service: ServiceName): Promise<Probe> {
  try {
    const response = await fetch(`${urlOf(settings, service)}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = (await response.json().catch(() => ({}))) as { reason?: string };
    return { status: response.status, pid: Number(response.headers.get(PID_HEADER)), reason: body.reason };
  } catch (error) {
    const { name, cause } = error as Error & { cause?: { code?: string } };
    return { error: name === 'TimeoutError' ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : (cause?.code ?? String(error)) };
  }
}

export async function startMember(settings: ShopSettings, member: Member): Promise<{ pid: number; already: boolean }> {
  const running = runningPid(settings, member);
  if (running !== undefined) return { pid: running, already: true };
  const files = shopFiles(settings.dir);
  const child = spawnOwned({ name: member, command: process.execPath, args: serveArgs(settings, member), logFile: files.out(member), pidFile: files.pid(member) });
  const pid = child.process.pid;
  if (pid === undefined) throw new Error(`could not spawn ${process.execPath}: ${String(await child.exited)}`);
  // Ready: our child answers, whatever its health (a caller whose callee is down answers 503).
  const ready = member === 'loadgen' ? () => sleep(200).then(() => true) : async () => ((result) => 'pid' in result && result.pid === pid)(await probe(settings, member));
  await waitUntilReady(child, ready, START_TIMEOUT_MS);
  child.process.unref();
  return { pid, already: false };
}

export async function stopMember(settings: ShopSettings, member: Member): Promise<{ pid?: number; killed: boolean }> {
  const pid = runningPid(settings, member);
  if (pid === undefined) return { killed: false };
  const gone = async () => {
    for (const deadline = Date.now() + STOP_GRACE_MS; Date.now() < deadline; await sleep(50)) if (!isRunning(pid)) return true;
    return !isRunning(pid);
  };
  process.kill(pid, 'SIGTERM');
  let killed = false;
  if (!(await gone())) {
    process.kill(pid, 'SIGKILL');
    killed = true;
    if (!(await gone())) throw new Error(`${member} (pid ${pid}) survived SIGKILL`);
  }
  rmSync(shopFiles(settings.dir).pid(member), { force: true });
  return { pid, killed };
}

export function readFault(settings: ShopSettings, service: ServiceName): Fault | undefined {
  try {
    return JSON.parse(readFileSync(shopFiles(settings.dir).fault(service), 'utf8')) as Fault;
  } catch {
    return undefined;
  }
}

/** Writes whole or not at all: the service reads the file while we write it. */
function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Puts `fault` on `service` (after healing whatever it had); returns the text written. The config fault writes the bad setting itself, as a deploy would. */
export function injectFault(settings: ShopSettings, service: ServiceName, fault: Fault): string {
  healFault(settings, service);
  const files = shopFiles(settings.dir);
  if (fault.kind === 'config') {
    const original = existsSync(files.paymentsSettings) ? readFileSync(files.paymentsSettings, 'utf8') : `${JSON.stringify(PAYMENTS_DEFAULTS, null, 2)}\n`;
    let current: object = PAYMENTS_DEFAULTS;
    try {
      current = JSON.parse(original) as object;
    } catch {
      // garbled already: the bad deploy writes over it
    }
    fault = { ...fault, original };
    writeAtomic(files.paymentsSettings, `${JSON.stringify({ ...current, timeoutMs: BAD_PAYMENTS_TIMEOUT_MS }, null, 2)}\n`);
  }
  const text = `${JSON.stringify(fault)}\n`;
  writeAtomic(files.fault(service), text);
  return text;
}

/** Until the running service has taken in `text` as its fault file (empty: none), or it is no longer running, at most NOTICE_TIMEOUT_MS. */
export async function noticed(settings: ShopSettings, service: ServiceName, text: string): Promise<void> {
  const seen = () => {
    try {
      return readFileSync(shopFiles(settings.dir).faultSeen(service), 'utf8');
    } catch {
      return '';
    }
  };
  for (const deadline = Date.now() + NOTICE_TIMEOUT_MS; Date.now() < deadline; await sleep(50)) {
    if (runningPid(settings, service) === undefined || seen() === text) return;
  }
}

/** Removes the fault of `service` (a bad setting goes back as it was); returns what it was. */
export function healFault(settings: ShopSettings, service: ServiceName): Fault | undefined {
  const files = shopFiles(settings.dir);
  const fault = readFault(settings, service);
  if (fault?.kind === 'config' && fault.original !== undefined) writeAtomic(files.paymentsSettings, fault.original);
  rmSync(files.fault(service), { force: true });
  return fault;
}
