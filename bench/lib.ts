// Helpers every bench shares: flags, latency statistics, a description of the
// machine the figures came from, cleanup in reverse order, and a time limit.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';

const run = promisify(execFile);

/** `--name N` as a positive integer, or `fallback` when absent; exits with 2 on a bad value. */
export function intFlag(args: string[], name: string, fallback: number, minimum = 1): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (Number.isInteger(value) && value >= minimum) return value;
  console.error(`--${name} wants an integer of at least ${minimum}, got ${args[at + 1] ?? 'nothing'}`);
  process.exit(2);
}

/** `--name 4,8,16` as positive integers, or `fallback` when absent; exits with 2 on a bad value. */
export function intListFlag(args: string[], name: string, fallback: number[]): number[] {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const values = String(args[at + 1] ?? '')
    .split(',')
    .map(Number);
  if (values.length && values.every((value) => Number.isInteger(value) && value >= 1)) return values;
  console.error(`--${name} wants positive integers separated by commas, got ${args[at + 1] ?? 'nothing'}`);
  process.exit(2);
}

/** Nearest-rank percentile (p in 0..100) of values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  runs: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(latenciesMs: number[]): LatencySummary {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    runs: latenciesMs.length,
    medianMs: round(percentile(latenciesMs, 50)),
    p90Ms: round(percentile(latenciesMs, 90)),
    p99Ms: round(percentile(latenciesMs, 99)),
    maxMs: round(percentile(latenciesMs, 100)),
  };
}

export interface Machine {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  /** Measured before the bench starts anything: others' load skews the figures. */
  loadAverage1m: number;
  cpuBusyPercent: number;
  [tool: string]: string | number;
}

/** Date, cores, CPU model, memory, Node, load average; plus `tools` as name → `--version` output. */
export async function describeMachine(tools: Record<string, string> = {}): Promise<Machine> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const machine: Machine = {
    date: new Date().toISOString().slice(0, 10),
    nproc: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    cpuBusyPercent: await sampleBusy(1_000),
  };
  for (const [name, executable] of Object.entries(tools)) {
    machine[name] = await run(executable, ['--version'], { timeout: 10_000 }).then(
      ({ stdout }) => stdout.trim().split('\n')[0],
      () => 'unknown',
    );
  }
  return machine;
}

function systemTicks(): { idle: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: ticks[3] + ticks[4], total: ticks.reduce((sum, tick) => sum + tick, 0) };
}

/** A process's parent and the CPU ticks (user + system) it has used, from /proc/<pid>/stat. */
function processStat(pid: number | string): { ppid: number; ticks: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU time a process has used so far, in ms (Linux's 100 ticks a second). */
export function processCpuMs(pid: number): number {
  return processStat(pid).ticks * 10;
}

/** CPU ticks of this process and all its descendants (servers it started, their workers). */
function ownTreeTicks(): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      stats.set(Number(entry), processStat(entry));
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => pid === process.pid || (pid > 1 && stats.has(pid) && inTree(stats.get(pid)!.ppid));
  let ticks = 0;
  for (const [pid, stat] of stats) if (inTree(pid)) ticks += stat.ticks;
  return ticks;
}

export interface CpuShare {
  /** Of all cores' time over the window, in percent. */
  busyPercent: number;
  /** Of which this bench's own process tree. */
  ownPercent: number;
  /** Of which everything else on the machine: if high, the figures are skewed. */
  othersPercent: number;
}

/** Starts watching CPU use; the returned function reports the share since then. */
export function watchCpu(): () => CpuShare {
  const system = systemTicks();
  const own = ownTreeTicks();
  return () => {
    const now = systemTicks();
    const total = Math.max(1, now.total - system.total);
    const busy = total - (now.idle - system.idle);
    const mine = Math.min(busy, ownTreeTicks() - own);
    const percent = (ticks: number) => Math.round((100 * ticks) / total);
    return { busyPercent: percent(busy), ownPercent: percent(mine), othersPercent: percent(busy - mine) };
  };
}

async function sampleBusy(ms: number): Promise<number> {
  const share = watchCpu();
  await sleep(ms);
  return share().busyPercent;
}

/** A plain-text table: the first row is the header, columns padded to fit. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0].map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) => row.map((cell, column) => cell.padStart(widths[column])).join('  ')).join('\n');
}

/** Things to undo, undone in reverse order; one failing does not stop the rest. */
export class Cleanup {
  private readonly steps: { label: string; undo: () => unknown }[] = [];

  defer(label: string, undo: () => unknown): void {
    this.steps.push({ label, undo });
  }

  async run(say: (line: string) => void): Promise<void> {
    while (this.steps.length) {
      const { label, undo } = this.steps.pop()!;
      try {
        await undo();
      } catch (error) {
        say(`cleanup: ${label} failed: ${(error as Error)?.message ?? error}`);
      }
    }
  }
}

/**
 * Runs `body` under a time limit and with cleanup on every way out: success,
 * failure, the limit, Ctrl-C. Exits the process with 0 only on success.
 */
export async function runBench(options: { name: string; limitMs: number; body: (cleanup: Cleanup) => Promise<void> }): Promise<never> {
  const cleanup = new Cleanup();
  const say = (line: string) => console.error(`[${options.name}] ${line}`);
  let timer: NodeJS.Timeout | undefined;
  let interrupt: ((signal: NodeJS.Signals) => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(plainError(`gave up after ${options.limitMs / 1000} s`)), options.limitMs);
    interrupt = (signal) => reject(plainError(`interrupted (${signal})`));
    process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  });
  let code = 0;
  try {
    await Promise.race([options.body(cleanup), stopped]);
  } catch (error) {
    say(`failed: ${(error as Error)?.stack ?? error}`);
    code = 1;
  } finally {
    clearTimeout(timer);
    // Every step below bounds itself (servers get SIGKILL after a grace period);
    // this is the backstop should one not.
    setTimeout(() => {
      say('cleanup did not finish within 60 s; exiting anyway');
      process.exit(1);
    }, 60_000).unref();
    await cleanup.run(say);
    process.off('SIGINT', interrupt!).off('SIGTERM', interrupt!);
  }
  process.exit(code);
}

/** An error whose report is its message: where it was raised says nothing. */
function plainError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/**
 * Where a workflow's time went, from its event history (server clock), as raw
 * milliseconds: how late timers fired against what the workflow asked for, how
 * long workflow and activity tasks waited in the server between "scheduled"
 * and "started" (dispatch), and how long they then ran until "completed"
 * (workflow tasks: the worker's turn-around; activities: by activity type),
 * and the span from the first event to the last.
 */
export async function historyTimings(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const ms = (ts?: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null) =>
    ts ? (typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0)) * 1000 + (ts.nanos ?? 0) / 1e6 : Number.NaN;
  const at = new Map(events.map((event) => [Number(event.eventId), ms(event.eventTime)]));
  const requested = new Map<number, number>();
  const activityTypes = new Map<number, string>();
  const timerLateness: number[] = [];
  const activityDispatch: number[] = [];
  const workflowTaskDispatch: number[] = [];
  const workflowTaskRun: number[] = [];
  const activityRun: Record<string, number[]> = {};
  for (const event of events) {
    const id = Number(event.eventId);
    const started = event.timerStartedEventAttributes;
    if (started) requested.set(id, ms({ seconds: started.startToFireTimeout?.seconds, nanos: started.startToFireTimeout?.nanos }));
    const fired = event.timerFiredEventAttributes;
    if (fired) {
      const from = Number(fired.startedEventId);
      timerLateness.push(at.get(id)! - at.get(from)! - requested.get(from)!);
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) activityTypes.set(id, scheduled.activityType?.name ?? '?');
    const activity = event.activityTaskStartedEventAttributes;
    if (activity) activityDispatch.push(at.get(id)! - at.get(Number(activity.scheduledEventId))!);
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) (activityRun[activityTypes.get(Number(completed.scheduledEventId)) ?? '?'] ??= []).push(at.get(id)! - at.get(Number(completed.startedEventId))!);
    const task = event.workflowTaskStartedEventAttributes;
    if (task) workflowTaskDispatch.push(at.get(id)! - at.get(Number(task.scheduledEventId))!);
    const taskDone = event.workflowTaskCompletedEventAttributes;
    if (taskDone) workflowTaskRun.push(at.get(id)! - at.get(Number(taskDone.startedEventId))!);
  }
  /** First event to last (execution started → closed, once closed). */
  const spanMs = events.length ? ms(events.at(-1)!.eventTime) - ms(events[0].eventTime) : Number.NaN;
  return { events: events.length, spanMs, timerLateness, activityDispatch, workflowTaskDispatch, workflowTaskRun, activityRun };
}

/** historyTimings' timer lateness and task dispatch, summarized. */
export async function historyDelays(handle: WorkflowHandle) {
  const timings = await historyTimings(handle);
  return {
    events: timings.events,
    timerLateness: summarize(timings.timerLateness),
    activityDispatch: summarize(timings.activityDispatch),
    workflowTaskDispatch: summarize(timings.workflowTaskDispatch),
  };
}
