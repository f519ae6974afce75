// BARO as RCAEval itself runs it (PyPI `RCAEval`, `RCAEval.e2e.baro`), not the
// reimplementation in lib/core/rca/baselines.ts: each recorded case's series
// exported as the frame RCAEval's methods take (a `time` column in epoch
// seconds, one column per metric named `<service>_<signal>`), ranked by
// bench/rca-rcaeval.py in a venv under .vigil/. Run by the report only (npm run
// eval:rca), never by npm test or CI: it needs Python and a pip install.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_ANALYSIS, detectOnset, metricsOf, servicesOf, type RcaInput } from '../lib/core/rca';
import type { RecordedCase } from './rca-cases';

const run = promisify(execFile);

export const RCAEVAL_VERSION = '1.8.1';
/** What the venv gets: RCAEval and the libraries its `baro` module (and RCAEval's imports) need. */
const PACKAGES = [`RCAEval==${RCAEVAL_VERSION}`, 'numpy', 'pandas', 'scikit-learn', 'requests', 'tqdm', 'matplotlib', 'networkx', 'causal-learn'];

/** How the frame is built, for the report's Baselines bullet. */
export const RCAEVAL_FRAME =
  'every series of the case (each signal and client-error ratio, as the reimplementation takes them) within the ranking window, aligned on the union of their timestamps (one Prometheus step, 5 s), ' +
  "forward-filled, all-empty columns dropped, then prepared as RCAEval's `read_data` does (inf → NaN, forward fill, NaN → 0)";

export interface RcaevalRanking {
  /** Split at the onset our detector finds (detectOnset, as the reimplementation splits): the fair one. */
  detected: string[];
  /** Split at the true injection time, as RCAEval's own benchmarks give it to the methods. */
  truthTime: string[];
}

export type RcaevalResult = { version: string; rankings: Map<string, RcaevalRanking> } | { skipped: string };

type Frame = Record<string, (number | null)[]>;

/** The case's series as one frame: the union of timestamps in the window, each column forward-filled, columns without a value dropped. */
export function frameOf(input: RcaInput): Frame {
  const from = input.at - (input.window?.before ?? DEFAULT_ANALYSIS.before);
  const to = input.at + (input.window?.after ?? DEFAULT_ANALYSIS.after);
  // Only series of [t, value] points; anything else (e.g. a restarts count given otherwise) is not a column.
  const columns = metricsOf(input)
    .filter(({ series }) => Array.isArray(series) && series.every((point) => Array.isArray(point) && point.length === 2))
    .map(({ service, metric, series }) => ({ name: `${service}_${metric}`, points: new Map(series.filter(([t, v]) => t >= from && t <= to && Number.isFinite(v)).map(([t, v]) => [t, v])) }));
  const time = [...new Set(columns.flatMap((column) => [...column.points.keys()]))].sort((a, b) => a - b);
  const frame: Frame = { time };
  for (const { name, points } of columns) {
    if (!points.size) continue;
    let last: number | null = null;
    frame[name] = time.map((t) => (last = points.get(t) ?? last));
  }
  return frame;
}

/** The venv's python with RCAEval importable at the pinned version, installing it when absent; a reason when that fails. */
async function provision(root: string, say: (line: string) => void): Promise<{ python: string } | { skipped: string }> {
  const venv = join(root, '.vigil', 'rcaeval-venv');
  const python = join(venv, 'bin', 'python');
  const check = `import importlib.metadata as m, RCAEval.e2e.baro; assert m.version('RCAEval') == '${RCAEVAL_VERSION}'`;
  const importable = async () =>
    existsSync(python) &&
    (await run(python, ['-c', check], { timeout: 120_000 }).then(
      () => true,
      () => false,
    ));
  if (await importable()) return { python };
  const rel = relative(root, venv);
  const install = `python3 -m venv ${rel} && ${rel}/bin/pip install ${PACKAGES.join(' ')}`;
  say(`RCAEval: installing into ${rel} (minutes the first time): ${install}`);
  try {
    mkdirSync(join(root, '.vigil'), { recursive: true });
    await run('python3', ['-m', 'venv', venv], { timeout: 300_000 });
    await run(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', ...PACKAGES], { timeout: 1_800_000, maxBuffer: 64 << 20 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' ');
    return { skipped: `installing RCAEval failed (\`${install}\`): ${stderr}` };
  }
  if (!(await importable())) return { skipped: `RCAEval ${RCAEVAL_VERSION} is not importable after \`${install}\`` };
  return { python };
}

/** One run of bench/rca-rcaeval.py over every case at the given inject times: services best first per case id. */
async function runBaro(python: string, cases: { id: string; inject_time: number; frame: Frame }[]): Promise<Map<string, string[]>> {
  const child = execFile(python, [join(__dirname, 'rca-rcaeval.py')], { timeout: 600_000, maxBuffer: 64 << 20 });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  const done = new Promise<string>((ok, fail) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? ok(stdout) : fail(new Error(`rca-rcaeval.py exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`))));
  });
  child.stdin?.end(JSON.stringify(cases));
  const out = JSON.parse(await done) as Record<string, { ranks: string[] } | { error: string }>;
  const ranks = new Map<string, string[]>();
  for (const { id } of cases) {
    const result = out[id];
    if (!result || 'error' in result) throw new Error(`RCAEval's baro failed on ${id}: ${result ? result.error : 'no answer'}`);
    ranks.set(id, result.ranks);
  }
  return ranks;
}

/**
 * RCAEval's `baro` on every recorded case, twice: split at the onset our own
 * detector finds (as lib/core/rca's baroRanking splits, so only the scoring
 * differs) and at the true injection time. Services BARO does not rank (no
 * column left after its preprocessing) follow in name order, as the other
 * baselines order their zero scores.
 */
export async function rcaevalBaro(cases: RecordedCase[], say: (line: string) => void): Promise<RcaevalResult> {
  const provisioned = await provision(resolve(__dirname, '..'), say);
  if ('skipped' in provisioned) {
    say(`RCAEval skipped: ${provisioned.skipped}`);
    return provisioned;
  }
  const frames = new Map(cases.map((recorded) => [recorded.id, frameOf(recorded.input)]));
  try {
    const [detected, truthTime] = await Promise.all([
      runBaro(
        provisioned.python,
        cases.map((recorded) => ({ id: recorded.id, inject_time: detectOnset(recorded.input), frame: frames.get(recorded.id) as Frame })),
      ),
      runBaro(
        provisioned.python,
        cases.map((recorded) => ({ id: recorded.id, inject_time: recorded.truth.injectedAt, frame: frames.get(recorded.id) as Frame })),
      ),
    ]);
    const complete = (input: RcaInput, ranks: string[]) => {
      const services = servicesOf(input);
      const known = ranks.filter((service) => services.includes(service));
      return [...known, ...services.filter((service) => !known.includes(service))];
    };
    const rankings = new Map(
      cases.map((recorded) => [recorded.id, { detected: complete(recorded.input, detected.get(recorded.id) ?? []), truthTime: complete(recorded.input, truthTime.get(recorded.id) ?? []) }]),
    );
    say(`RCAEval ${RCAEVAL_VERSION} baro ranked ${cases.length} cases (at our detected onset and at the true injection time)`);
    return { version: RCAEVAL_VERSION, rankings };
  } catch (error) {
    const skipped = `running RCAEval's baro failed: ${(error as Error).message}`;
    say(`RCAEval skipped: ${skipped}`);
    return { skipped };
  }
}
