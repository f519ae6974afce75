import { createServer } from 'node:net';

// Ports for tests come from below the kernel's ephemeral range (32768–60999 on
// Linux by default). The kernel's own pick (listen on 0) comes from that range,
// which is also where every outgoing connection takes its source port: with test
// files running side by side, a port picked that way was often taken by some
// HTTP client's connection before the service under test could bind it
// (EADDRINUSE in CI). A random pick in a range nothing takes on its own, checked
// by binding, and never handed out twice by this process, makes that rare.
const LOW = 10_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The kernel's pick: the fallback when the range below is crowded. */
function kernelPick(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A port that was free a moment ago, not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  return kernelPick();
}
