// Checks, before starting anything, that every port a command will bind is free,
// and says which setting moves each one that is not. `vigil up`, `vigil api` and
// `vigil worker` use it; a port taken between the check and the listen gets the
// same message (portTakenAtListen).
import { createServer } from 'node:net';

/** A port a command needs is taken: printed as `vigil: <message>` with exit 3. */
export class PortsTaken extends Error {}

export interface PortClaim {
  port: number;
  host: string;
  /** The config path that sets it, e.g. server.port. */
  setting: string;
  envName: string;
  /** Said after the usual advice, e.g. how to run two commands side by side. */
  hint?: string;
}

export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function portTakenMessage(claim: PortClaim): string {
  return (
    `port ${claim.port} (${claim.setting}) on ${claim.host} is already in use; ` +
    `choose another with ${claim.envName}=<port> or ${claim.setting} in configs/vigil.yaml${claim.hint ? `. ${claim.hint}` : ''}`
  );
}

/** Returns one message per taken port (empty when all are free). */
export async function takenPorts(claims: PortClaim[]): Promise<string[]> {
  const messages: string[] = [];
  for (const claim of claims) {
    if (!(await portFree(claim.host, claim.port))) messages.push(portTakenMessage(claim));
  }
  return messages;
}

/** Throws PortsTaken naming every taken port's setting. */
export async function assertPortsFree(claims: PortClaim[]): Promise<void> {
  const taken = await takenPorts(claims);
  if (taken.length) throw new PortsTaken(taken.join('\n'));
}

/** Runs `listen`; an EADDRINUSE on one of `claims` (taken since the check) becomes PortsTaken. */
export async function portTakenAtListen<T>(claims: PortClaim[], listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const { code, port } = error as { code?: string; port?: number };
    const claim = claims.find((candidate) => candidate.port === port);
    if (code === 'EADDRINUSE' && claim) throw new PortsTaken(portTakenMessage(claim));
    throw error;
  }
}
