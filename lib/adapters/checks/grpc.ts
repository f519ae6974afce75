// gRPC check: the standard grpc.health.v1.Health/Check. Only SERVING is up;
// NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN, a server without the Health service
// (UNIMPLEMENTED) and any other error are down.
import { readFile } from 'node:fs/promises';
import { Client, credentials, Metadata, status as GrpcStatus, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { failure } from '../../core/checks/detail';
import type { GrpcCheckSpec, Probe, ProbeContext, ProbeOutcome } from '../../core/checks/types';

interface HealthCheckRequest {
  service: string;
}
interface HealthCheckResponse {
  /** The service definition is loaded with enums as strings. */
  status: string;
}

const check = healthService.Check;

export const probeGrpc: Probe<GrpcCheckSpec> = async (spec, context) => {
  const service = spec.service ?? '';
  const what = `${spec.address} Health/Check${service ? ` ${JSON.stringify(service)}` : ''}`;
  let channel: ChannelCredentials;
  try {
    channel = await channelCredentials(spec);
  } catch (error) {
    return { up: false, detail: failure(context, `${what}: TLS setup`, error) };
  }
  const options = spec.tls?.serverName ? { 'grpc.ssl_target_name_override': spec.tls.serverName } : {};
  const client = new Client(spec.address, channel, options);
  try {
    return await callCheck(client, service, what, context);
  } finally {
    client.close();
  }
};

function callCheck(client: Client, service: string, what: string, context: ProbeContext): Promise<ProbeOutcome> {
  return new Promise<ProbeOutcome>((resolve) => {
    if (context.signal.aborted) return resolve({ up: false, detail: failure(context, what) });
    const call = client.makeUnaryRequest<HealthCheckRequest, HealthCheckResponse>(
      check.path,
      check.requestSerialize as (value: HealthCheckRequest) => Buffer,
      check.responseDeserialize as (bytes: Buffer) => HealthCheckResponse,
      { service },
      new Metadata(),
      // The deadline is a backstop; the signal is what ends the attempt on time.
      { deadline: Date.now() + context.timeoutMs + 1_000 },
      (error: ServiceError | null, response?: HealthCheckResponse) => {
        context.signal.removeEventListener('abort', onAbort);
        if (context.signal.aborted) return resolve({ up: false, detail: failure(context, what) });
        if (error) return resolve({ up: false, detail: failure(context, what, `${GrpcStatus[error.code] ?? error.code}: ${error.details}`) });
        const status = response?.status ?? 'UNKNOWN';
        resolve({ up: status === 'SERVING', detail: `${what}: ${status}` });
      },
    );
    const onAbort = () => call.cancel();
    context.signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function channelCredentials(spec: GrpcCheckSpec): Promise<ChannelCredentials> {
  if (!spec.tls) return credentials.createInsecure();
  const verify = spec.tls.verify ?? true;
  const ca = spec.tls.caFile ? await readFile(spec.tls.caFile) : null;
  return credentials.createSsl(ca, null, null, {
    rejectUnauthorized: verify,
    ...(verify ? {} : { checkServerIdentity: () => undefined }),
  });
}
