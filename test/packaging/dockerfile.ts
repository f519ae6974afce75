// A small reader for our Dockerfile: instructions per stage, with line
// continuations joined, and the JSON (exec) form of ENTRYPOINT/CMD/HEALTHCHECK.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './tools';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export function readDockerfile(file = join(ROOT, 'Dockerfile')): { args: Record<string, string>; stages: Stage[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let text = lines[index];
    if (/^\s*(#|$)/.test(text)) continue;
    while (text.endsWith('\\') && index + 1 < lines.length) {
      index++;
      if (/^\s*#/.test(lines[index])) continue;
      text = `${text.slice(0, -1)} ${lines[index].trim()}`;
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(text);
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: start + 1 });
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'ARG' && !stages.length) {
      const [name, value = ''] = instruction.args.split('=');
      args[name] = value;
    } else if (instruction.keyword === 'FROM') {
      const [image, , name] = instruction.args.split(/\s+/);
      stages.push({ from: image.replace(/\$\{(\w+)\}/g, (_, key: string) => args[key] ?? ''), name, instructions: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { args, stages };
}

export function finalStage(): Stage {
  const { stages } = readDockerfile();
  return stages[stages.length - 1];
}

/** The last instruction of a kind in a stage (Docker uses the last ENTRYPOINT, CMD, USER…). */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
}

/** ENTRYPOINT/CMD in exec form; the shell form is refused (signals would go to a shell). */
export function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) throw new Error('instruction missing');
  const parsed: unknown = JSON.parse(instruction.args.replace(/^CMD\s+/, ''));
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`line ${instruction.line}: not exec form`);
  return parsed;
}

/** ENV in the final stage as name → value (`ENV A=1 B=2` form). */
export function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of finalStage().instructions.filter((candidate) => candidate.keyword === 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      env[name] = value.join('=');
    }
  }
  return env;
}
