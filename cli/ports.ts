// Checks, before starting anything, that every port `vigil up` will bind is free,
// and says which setting moves each one that is not.
import { createServer } from 'node:net';

export interface PortClaim {
  port: number;
  host: string;
  /** The config path that sets it, e.g. server.port. */
  setting: string;
  envName: string;
}

export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Returns one message per taken port (empty when all are free). */
export async function takenPorts(claims: PortClaim[]): Promise<string[]> {
  const messages: string[] = [];
  for (const claim of claims) {
    if (!(await portFree(claim.host, claim.port))) {
      messages.push(
        `port ${claim.port} (${claim.setting}) on ${claim.host} is already in use; ` +
          `choose another with ${claim.envName}=<port> or ${claim.setting} in configs/vigil.yaml`,
      );
    }
  }
  return messages;
}
