// Presets: the remediation commands people write again and again, as exec
// templates. A preset expands into a plain exec action (argv, no shell) when
// the service definition is turned into the loop's spec, so the audit trail
// shows the real command that ran.

export const PRESETS = {
  'systemd-restart': (p: PresetParams) => ['systemctl', ...scope(p), 'restart', p.target],
  'systemd-stop': (p: PresetParams) => ['systemctl', ...scope(p), 'stop', p.target],
  'docker-restart': (p: PresetParams) => ['docker', ...context(p, '--context'), 'restart', p.target],
  'docker-stop': (p: PresetParams) => ['docker', ...context(p, '--context'), 'stop', p.target],
  'kubectl-rollout-restart': (p: PresetParams) => ['kubectl', ...kube(p), 'rollout', 'restart', p.target],
  'kubectl-rollout-undo': (p: PresetParams) => ['kubectl', ...kube(p), 'rollout', 'undo', p.target],
  'kubectl-scale-to-zero': (p: PresetParams) => ['kubectl', ...kube(p), 'scale', p.target, '--replicas=0'],
} as const;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export interface PresetParams {
  /** The unit, container or `kind/name` the preset acts on. */
  target: string;
  /** kubectl namespace. */
  namespace?: string;
  /** kubectl or docker context. */
  context?: string;
  /** systemd: act on the user's service manager (`systemctl --user`). */
  user?: boolean;
}

/** Targets and options may not start with "-": no value can smuggle in a flag. */
export const SAFE_ARGUMENT = '^[A-Za-z0-9_@.:/][A-Za-z0-9_@.:/=+-]*$';

export function presetArgv(name: PresetName, params: PresetParams): string[] {
  return PRESETS[name](params);
}

function scope(p: PresetParams): string[] {
  return p.user ? ['--user'] : [];
}

function context(p: PresetParams, flag: string): string[] {
  return p.context ? [flag, p.context] : [];
}

function kube(p: PresetParams): string[] {
  return [...context(p, '--context'), ...(p.namespace ? ['--namespace', p.namespace] : [])];
}
