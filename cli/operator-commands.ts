// Every operator command `vigil` has, by its first word.
import { AGENT } from './commands/agent';
import { DRIFT } from './commands/drift';
import { ACTIONS, APPLY, SERVICE } from './commands/service';
import { TRIAGE } from './commands/triage';
import { leadingPositionals, runOperatorCommand, type OperatorCommand } from './operator';

const COMMANDS: Record<string, OperatorCommand> = { service: SERVICE, drift: DRIFT, triage: TRIAGE, actions: ACTIONS, apply: APPLY, agent: AGENT };

export const apiCommand = (argv: string[], env: NodeJS.ProcessEnv = process.env) => runOperatorCommand(COMMANDS, argv, env);

/** Is this one of the operator commands? (`vigil --config DIR service list` is.) */
export const isApiCommand = (argv: string[]) => Object.hasOwn(COMMANDS, leadingPositionals(COMMANDS, argv)[0] ?? '');
