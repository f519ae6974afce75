// TCP check: connect; optionally send a string and wait for what comes back to
// match a regular expression, all within the attempt's timeout.
import { connect } from 'node:net';
import { bounded, compileRegex, failure } from '../../core/checks/detail';
import type { Probe, ProbeOutcome, TcpCheckSpec } from '../../core/checks/types';

/** At most this much of the peer's answer is kept and matched. */
export const TCP_MAX_READ_BYTES = 64 * 1024;

export const probeTcp: Probe<TcpCheckSpec> = (spec, context) => {
  const expect = spec.expect === undefined ? undefined : compileRegex(spec.expect, 'expect');
  const where = `${spec.host}:${spec.port}`;
  return new Promise<ProbeOutcome>((resolve) => {
    let received = '';
    let connected = false;
    const socket = connect({ host: spec.host, port: spec.port });
    const finish = (outcome: ProbeOutcome) => {
      context.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const notMatched = (why: string) => `${where}: ${why} before ${JSON.stringify(received.slice(-100))} matched /${expect?.source}/`;
    const onAbort = () => finish({ up: false, detail: failure(context, connected && expect ? notMatched('gave up') : `connect ${where}`) });
    if (context.signal.aborted) return onAbort();
    context.signal.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      connected = true;
      if (spec.send !== undefined) socket.write(spec.send);
      if (!expect) finish({ up: true, detail: `connected to ${where}` });
    });
    socket.on('data', (chunk: string) => {
      if (!expect || received.length >= TCP_MAX_READ_BYTES) return;
      received = (received + chunk).slice(0, TCP_MAX_READ_BYTES);
      if (expect.test(received)) finish({ up: true, detail: bounded(`${where}: answer matched /${expect.source}/`) });
    });
    socket.once('end', () => finish({ up: false, detail: bounded(notMatched('closed by peer')) }));
    socket.once('error', (error) => finish({ up: false, detail: bounded(failure(context, connected ? where : `connect ${where}`, error)) }));
  });
};
